package dispute

import (
	"errors"
	"fmt"
)

// Error codes classify failures; the HTTP layer maps each code to one status.
const (
	EINVALID      = "invalid"             // the request is malformed or breaks an input rule
	EUNAUTHORIZED = "unauthorized"        // the caller is not authenticated
	EFORBIDDEN    = "forbidden"           // the caller may see the dispute but not do this
	ENOTFOUND     = "not_found"           // the resource does not exist or the caller may not see it
	ECONFLICT     = "conflict"            // the request conflicts with the current state
	EPRECONDITION = "precondition_failed" // If-Match did not match the current version
	EINTERNAL     = "internal"            // a bug or an unavailable dependency
)

// Reason codes are stable, machine-readable explanations of a refusal. Clients
// may branch on them; they never change meaning once published.
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
	ReasonReasonRequired       = "reason_required"
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
	ReasonInvalidReason        = "invalid_reason"
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
)

// Reason codes for requests the API cannot take as sent.
const (
	CodeUnknownParameter = "unknown_parameter" // a query parameter the endpoint does not take
	CodeMalformedQuery   = "malformed_query"   // a query string that cannot be parsed
)

// FieldError names one offending input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the domain's one error type. Code selects the HTTP status, Reason is
// the stable machine code shown to clients, Message is safe to show to users.
type Error struct {
	Code    string
	Reason  string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
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
	return &Error{Code: ENOTFOUND, Reason: "not_found", Message: what + " not found"}
}
