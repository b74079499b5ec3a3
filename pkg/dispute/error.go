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
	ReasonRoleNotPermitted       = "role_not_permitted"
	ReasonInvalidState           = "invalid_state"
	ReasonOrderNotFound          = "order_not_found"
	ReasonNotOrderBuyer          = "not_order_buyer"
	ReasonActiveDisputeExists    = "active_dispute_exists"
	ReasonMessageOrOfferRequired = "message_or_offer_required"
	ReasonMessageRequired        = "message_required"
	ReasonNoOpenOffer            = "no_open_offer"
	ReasonSellerMustAnswerFirst  = "seller_must_answer_first"
	ReasonDeadlineNotPassed      = "deadline_not_passed"
	ReasonNotTeamMember          = "not_team_member"
	ReasonNotAssignee            = "not_assignee"
	ReasonNotTargetedParty       = "not_targeted_party"
	ReasonRemedyRequired         = "remedy_required"
	ReasonNoActionCombined       = "no_action_combined"
	ReasonInvalidRemedy          = "invalid_remedy"
	ReasonRefundExceedsTotal     = "refund_exceeds_total"
	ReasonRationaleRequired      = "rationale_required"
	ReasonPolicyRefRequired      = "policy_ref_required"
	ReasonFavouredPartyRequired  = "favoured_party_required"
	ReasonAppealWindowEnded      = "appeal_window_ended"
	ReasonAlreadyAppealed        = "already_appealed"
	ReasonReasonRequired         = "reason_required"
	ReasonFourEyes               = "four_eyes"
	ReasonConflictOfInterest     = "conflict_of_interest"
	ReasonInvalidVerdict         = "invalid_verdict"
	ReasonInvalidParty           = "invalid_party"
	ReasonQuestionRequired       = "question_required"
	ReasonDueAtInPast            = "due_at_in_past"
	ReasonVersionMismatch        = "version_mismatch"
	ReasonConcurrentUpdate       = "concurrent_update"
	ReasonQueueEmpty             = "queue_empty"
	ReasonUnknownEvent           = "unknown_event"
	ReasonInvalidReason          = "invalid_reason"
	ReasonInvalidLanguage        = "invalid_language"
	// ReasonOrderAlreadyDisputed: the order already had its outcome (an
	// earlier dispute was decided or settled), or its one more dispute after
	// a withdrawal or lapse.
	ReasonOrderAlreadyDisputed = "order_already_disputed"
	// ReasonSettlementNotAppealable: the parties settled; only the
	// platform's decisions are appealable.
	ReasonSettlementNotAppealable = "settlement_not_appealable"
	// ReasonOfferNoLongerValid: the open offer no longer fits the order as
	// it is now (its total, currency or listings changed).
	ReasonOfferNoLongerValid = "offer_no_longer_valid"
	// ReasonRemediesOutstanding: a settlement closes only once all its
	// remedies are executed.
	ReasonRemediesOutstanding = "remedies_outstanding"
	// ReasonNoFailedRemedy: settlement_failed needs a settlement remedy
	// reported failed.
	ReasonNoFailedRemedy = "no_failed_remedy"
	// Webhooks: the same URL twice for one owner, more than the limit of
	// active endpoints, a redelivery to a disabled one.
	ReasonDuplicateWebhook    = "duplicate_webhook"
	ReasonWebhookLimitReached = "webhook_limit_reached"
	ReasonWebhookDisabled     = "webhook_disabled"
)

// Reason codes for requests the API cannot take as sent.
const (
	ReasonUnknownParameter = "unknown_parameter" // a query parameter the endpoint does not take
	ReasonMalformedQuery   = "malformed_query"   // a query string that cannot be parsed
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
