package dispute

import (
	"errors"
	"fmt"
)

// Error classes classify failures; the HTTP layer maps each class to one
// status with one table. A class is not shown to clients: the code is.
const (
	EINVALID      = "invalid"             // the request is malformed or breaks an input rule
	EUNAUTHORIZED = "unauthorized"        // the caller is not authenticated
	EFORBIDDEN    = "forbidden"           // the caller may see the dispute but not do this
	ENOTFOUND     = "not_found"           // the resource does not exist or the caller may not see it
	ECONFLICT     = "conflict"            // the request conflicts with the current state
	EPRECONDITION = "precondition_failed" // If-Match did not match the current version
	EUNAVAILABLE  = "unavailable"         // a dependency (the database) cannot be reached now; retry later
	EINTERNAL     = "internal"            // a bug
)

// Codes are stable, machine-readable explanations of a refusal, answered as
// the problem's "code". Clients may branch on them; they never change
// meaning once published. Every one is listed in CodeList, which
// api/openapi.yaml's ProblemCode enum must equal.
const (
	CodeRoleNotPermitted       = "role_not_permitted"
	CodeInvalidState           = "invalid_state"
	CodeOrderNotFound          = "order_not_found"
	CodeNotOrderBuyer          = "not_order_buyer"
	CodeActiveDisputeExists    = "active_dispute_exists"
	CodeMessageOrOfferRequired = "message_or_offer_required"
	CodeMessageRequired        = "message_required"
	CodeNoOpenOffer            = "no_open_offer"
	CodeSellerMustAnswerFirst  = "seller_must_answer_first"
	CodeDeadlineNotPassed      = "deadline_not_passed"
	CodeNotTeamMember          = "not_team_member"
	CodeNotAssignee            = "not_assignee"
	CodeNotTargetedParty       = "not_targeted_party"
	CodeRemedyRequired         = "remedy_required"
	CodeNoActionCombined       = "no_action_combined"
	CodeInvalidRemedy          = "invalid_remedy"
	CodeRefundExceedsTotal     = "refund_exceeds_total"
	CodeRationaleRequired      = "rationale_required"
	CodePolicyRefRequired      = "policy_ref_required"
	CodeFavouredPartyRequired  = "favoured_party_required"
	CodeAppealWindowEnded      = "appeal_window_ended"
	CodeAlreadyAppealed        = "already_appealed"
	CodeReasonRequired         = "reason_required"
	CodeFourEyes               = "four_eyes"
	CodeConflictOfInterest     = "conflict_of_interest"
	CodeInvalidVerdict         = "invalid_verdict"
	CodeInvalidParty           = "invalid_party"
	CodeQuestionRequired       = "question_required"
	CodeDueAtInPast            = "due_at_in_past"
	CodeVersionMismatch        = "version_mismatch"
	CodeConcurrentUpdate       = "concurrent_update"
	CodeQueueEmpty             = "queue_empty"
	CodeUnknownEvent           = "unknown_event"
	CodeInvalidReason          = "invalid_reason"
	CodeInvalidLanguage        = "invalid_language"
	// CodeOrderAlreadyDisputed: the order already had its outcome (an
	// earlier dispute was decided or settled), or its one more dispute after
	// a withdrawal or lapse.
	CodeOrderAlreadyDisputed = "order_already_disputed"
	// CodeSettlementNotAppealable: the parties settled; only the
	// platform's decisions are appealable.
	CodeSettlementNotAppealable = "settlement_not_appealable"
	// CodeOfferNoLongerValid: the open offer no longer fits the order as
	// it is now (its total, currency or listings changed).
	CodeOfferNoLongerValid = "offer_no_longer_valid"
	// CodeRemediesOutstanding: a settlement closes only once all its
	// remedies are executed.
	CodeRemediesOutstanding = "remedies_outstanding"
	// CodeNoFailedRemedy: settlement_failed needs a settlement remedy
	// reported failed.
	CodeNoFailedRemedy = "no_failed_remedy"
	// Webhooks: the same URL twice for one owner, more than the limit of
	// active endpoints, a redelivery to a disabled one.
	CodeDuplicateWebhook    = "duplicate_webhook"
	CodeWebhookLimitReached = "webhook_limit_reached"
	CodeWebhookDisabled     = "webhook_disabled"
	CodeInvalidURL          = "invalid_url"
	// CodeRemedyAlreadyExecuted: a remedy instruction reported executed
	// cannot be reported again.
	CodeRemedyAlreadyExecuted = "remedy_already_executed"
	CodeFeedbackGiven         = "feedback_already_given"
	// CodeEvidenceLimitReached: the dispute holds as many files as it may.
	CodeEvidenceLimitReached = "evidence_limit_reached"
	// CodeNothingDue: no deadline has passed (the deadline worker's own
	// answer; it never reaches a client).
	CodeNothingDue = "nothing_due"
)

// Codes for requests the API cannot take as sent.
const (
	CodeValidationFailed      = "validation_failed"       // fields break input rules; errors names each
	CodeUnknownField          = "unknown_field"           // a body field the request does not take
	CodeUnknownParameter      = "unknown_parameter"       // a query parameter the endpoint does not take
	CodeMalformedQuery        = "malformed_query"         // a query string that cannot be parsed
	CodeMalformedJSON         = "malformed_json"          // a body that is not one JSON value
	CodeUnreadableBody        = "unreadable_body"         // a body that could not be read
	CodeBodyRequired          = "body_required"           // a request without the body it needs
	CodeInvalidCharacter      = "invalid_character"       // text with a NUL character
	CodeInvalidFilter         = "invalid_filter"          // a list filter's value
	CodeInvalidDate           = "invalid_date"            // a date parameter that is not RFC 3339
	CodeInvalidDateRange      = "invalid_date_range"      // created_after later than created_before
	CodeSearchTooLong         = "search_too_long"         // a search (q) of more than 200 characters
	CodeSearchOnlyStopWords   = "search_only_stop_words"  // a search (q) with no word but stop words
	CodeInvalidLimit          = "invalid_limit"           // a page size outside 1..200
	CodeInvalidCursor         = "invalid_cursor"          // a paging cursor this API did not return
	CodeInvalidID             = "invalid_id"              // a path id that cannot be an id
	CodeTeamRequired          = "team_required"           // a queue read by a caller of no team that names none
	CodeInvalidIdempotencyKey = "invalid_idempotency_key" // an Idempotency-Key that is too long or not printable
	CodeIdempotencyKeyReused  = "idempotency_key_reused"  // the key was used for another request
	CodeIdempotencyInProgress = "idempotency_in_progress" // the key's first request is still running
	CodeMissingToken          = "missing_token"           // no Authorization: Bearer header
	CodeInvalidToken          = "invalid_token"           // a token or API key that is malformed, expired, unknown or revoked
	CodeNotFound              = "not_found"               // no such resource, or one the caller may not see
	CodeMethodNotAllowed      = "method_not_allowed"      // the path does not take the method
	CodePayloadTooLarge       = "request_entity_too_large"
	CodeUnsupportedMediaType  = "unsupported_media_type" // a body that is not application/json
	CodeRangeNotSatisfiable   = "range_not_satisfiable"  // a byte range wholly outside the file
	CodeRateLimited           = "rate_limited"           // too many requests; Retry-After says when to retry
	CodeClientClosedRequest   = "client_closed_request"  // logged only: the client went away
	CodeUnavailable           = "unavailable"            // the database cannot be reached now; retry later
	CodeInternal              = "internal"               // a bug; the request id finds it in the log
)

// CodeList is the stable list of every code the API answers, in the order
// the documentation lists them (by status). api/openapi.yaml's ProblemCode
// enum holds the same codes.
var CodeList = []string{
	// 400
	CodeValidationFailed, CodeUnknownField, CodeMalformedJSON, CodeInvalidCharacter, CodeBodyRequired,
	CodeUnreadableBody, CodeUnknownParameter, CodeMalformedQuery, CodeInvalidFilter, CodeInvalidDate,
	CodeInvalidDateRange, CodeSearchTooLong, CodeSearchOnlyStopWords, CodeInvalidLimit,
	CodeInvalidCursor, CodeInvalidID, CodeInvalidIdempotencyKey, CodeTeamRequired, CodeMessageRequired,
	CodeMessageOrOfferRequired, CodeReasonRequired, CodeRemedyRequired, CodeInvalidRemedy, CodeNoActionCombined,
	CodeRefundExceedsTotal, CodeRationaleRequired, CodePolicyRefRequired, CodeFavouredPartyRequired,
	CodeInvalidVerdict, CodeInvalidURL, CodeUnknownEvent,
	// 401
	CodeMissingToken, CodeInvalidToken,
	// 403
	CodeRoleNotPermitted, CodeNotTeamMember, CodeNotAssignee, CodeNotTargetedParty, CodeConflictOfInterest,
	// 404
	CodeNotFound, CodeOrderNotFound,
	// 405
	CodeMethodNotAllowed,
	// 409
	CodeInvalidState, CodeActiveDisputeExists, CodeOrderAlreadyDisputed, CodeNoOpenOffer, CodeOfferNoLongerValid,
	CodeSellerMustAnswerFirst, CodeDeadlineNotPassed, CodeAppealWindowEnded, CodeSettlementNotAppealable,
	CodeAlreadyAppealed, CodeFourEyes, CodeRemediesOutstanding, CodeNoFailedRemedy, CodeRemedyAlreadyExecuted,
	CodeFeedbackGiven, CodeConcurrentUpdate, CodeIdempotencyInProgress, CodeDuplicateWebhook,
	CodeWebhookLimitReached, CodeWebhookDisabled, CodeEvidenceLimitReached,
	// 412
	CodeVersionMismatch,
	// 413, 415, 416, 422, 429
	CodePayloadTooLarge, CodeUnsupportedMediaType, CodeRangeNotSatisfiable, CodeIdempotencyKeyReused, CodeRateLimited,
	// 500, 503
	CodeInternal, CodeUnavailable,
}

// CodesNotAnswered are codes that never reach a client: those of the
// service's own loops (an empty queue is a 204, a worker with nothing due),
// the status logged for a client that went away, and codes published once
// that no check answers any more, kept so that their meaning stays theirs.
var CodesNotAnswered = []string{
	CodeQueueEmpty, CodeNothingDue, CodeClientClosedRequest,
	CodeNotOrderBuyer, CodeInvalidParty, CodeQuestionRequired, CodeDueAtInPast, CodeInvalidReason, CodeInvalidLanguage,
}

// FieldError names one offending input field.
type FieldError struct {
	Field   string
	Message string
}

// Error is the domain's one error type. Code selects the HTTP status, Reason is
// the stable machine code shown to clients, Message is safe to show to users.
type Error struct {
	Code    string
	Reason  string
	Message string
	Fields  []FieldError
	// Err is the cause, for the log; clients never see it.
	Err error
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Reason != "" {
		msg = fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Errorf returns an *Error with the given code and reason.
func Errorf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming one field.
func Invalid(reason, field, message string) *Error {
	return &Error{Code: EINVALID, Reason: reason, Message: message, Fields: []FieldError{{Field: field, Message: message}}}
}

// ErrorCode returns the code of err, EINTERNAL for anything that is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorReason returns the reason code of err, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// NotFound is the error for a dispute, order or message the caller cannot see.
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Reason: CodeNotFound, Message: what + " not found"}
}

// Unavailable is the error for a dependency that cannot be reached now (the
// database went away, refused the connection or did not answer in time):
// the request may succeed if retried. cause is kept for the log.
func Unavailable(cause error) *Error {
	return &Error{Code: EUNAVAILABLE, Reason: CodeUnavailable, Message: "the service is temporarily unavailable; retry later", Err: cause}
}
