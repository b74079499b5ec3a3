package httpapi

import (
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// The mappers between the domain and the wire. Requests are decoded into
// and responses written from the types generated from api/openapi.yaml
// (package apigen); the domain's types carry no JSON names, so this file is
// the one place where the API's names meet the domain's.

// mapAll converts each element; nil becomes an empty list, which the API
// writes as [] where it writes a list at all.
func mapAll[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// mapOpt converts each element, nil and empty staying nil (left out).
func mapOpt[A, B any](in []A, f func(A) B) []B {
	if len(in) == 0 {
		return nil
	}
	return mapAll(in, f)
}

// mapPtr converts what p points to; nil stays nil.
func mapPtr[A, B any](p *A, f func(A) B) *B {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}

// valOf converts what p points to; nil becomes the zero value, which the
// API leaves out.
func valOf[A, B any](p *A, f func(A) B) B {
	if p == nil {
		var zero B
		return zero
	}
	return f(*p)
}

// timeOf is the time p points to, zero (left out) when nil.
func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// Responses.

func apiDispute(d *dispute.Dispute, allowed []string, status dispute.Status) apigen.Dispute {
	actions := make([]apigen.Action, len(allowed))
	for i, a := range allowed {
		actions[i] = apigen.Action(a)
	}
	return apigen.Dispute{
		ID: d.ID, OrderID: d.OrderID, BuyerID: d.BuyerID, SellerID: d.SellerID, Reason: apigen.Reason(d.Reason),
		Team: apigen.Team(d.Team), Description: d.Description, Language: apigen.Language(d.Language), ItemCount: int32(d.ItemCount),
		State: apigen.State(d.State), Version: d.Version, AssigneeID: d.AssigneeID, Priority: apigen.DisputePriority(d.Priority),
		SellerAnswered: d.SellerAnswered, SellerResponseDueAt: timeOf(d.SellerResponseDueAt),
		BuyerResponseDueAt: timeOf(d.BuyerResponseDueAt), InfoDueAt: timeOf(d.InfoDueAt), AppealDueAt: timeOf(d.AppealDueAt),
		InfoRequest: valOf(d.InfoRequest, apiInfoRequest), Offer: valOf(d.Offer, apiOffer),
		Outcome: valOf(d.Outcome, apiOutcome), Appeal: valOf(d.Appeal, apiAppeal),
		Escalation: valOf(d.Escalation, apiEscalation), Withdrawal: valOf(d.Withdrawal, apiWithdrawal),
		InfoExchanges: mapOpt(d.InfoExchanges, apiInfoExchange), QueuedAt: timeOf(d.QueuedAt),
		ReviewDueAt: timeOf(d.ReviewDueAt), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, ClosedAt: timeOf(d.ClosedAt),
		AllowedActions: actions, Status: apiStatus(status),
	}
}

func apiStatus(s dispute.Status) apigen.DisputeStatus {
	return apigen.DisputeStatus{Summary: s.Summary, NextStep: s.NextStep, WaitingOn: apigen.DisputeStatusWaitingOn(s.Waiting),
		DueAt: timeOf(s.DueAt), Outcome: s.Outcome, Redress: s.Redress}
}

func apiMoney(m dispute.Money) apigen.Money {
	return apigen.Money{Amount: m.Amount, Currency: m.Currency}
}

func apiRemedy(r dispute.Remedy) apigen.Remedy {
	return apigen.Remedy{Type: apigen.RemedyType(r.Type), Amount: mapPtr(r.Amount, apiMoney), ListingID: r.ListingID,
		Party: apigen.Party(r.Party), Until: r.Until, Scope: r.Scope, Category: apigen.ReferralCategory(r.Category), Authority: r.Authority}
}

func apiInfoRequest(r dispute.InfoRequest) apigen.InfoRequest {
	return apigen.InfoRequest{Party: apigen.Party(r.Party), Question: r.Question, DueAt: r.DueAt}
}

func apiOffer(o dispute.Offer) apigen.Offer {
	return apigen.Offer{Remedies: mapAll(o.Remedies, apiRemedy), MadeAt: o.MadeAt}
}

func apiOutcome(o dispute.Outcome) apigen.Outcome {
	return apigen.Outcome{Kind: apigen.OutcomeKind(o.Kind), Remedies: mapOpt(o.Remedies, apiRemedy), Rationale: o.Rationale,
		PolicyRefs: o.PolicyRefs, FavouredParty: apigen.FavouredParty(o.FavouredParty), DecidedBy: o.DecidedBy, At: o.At}
}

func apiAppeal(a dispute.Appeal) apigen.Appeal {
	return apigen.Appeal{Party: apigen.Party(a.Party), Reason: a.Reason, FiledAt: a.FiledAt, Verdict: apigen.Verdict(a.Verdict),
		OriginalDecision: apigen.AppealOriginalDecision(a.Verdict.OriginalDecision()), Rationale: a.Rationale,
		Remedies: mapOpt(a.Remedies, apiRemedy), Reverted: mapOpt(a.Reverted, apiRemedy), DecidedBy: a.DecidedBy,
		DecidedAt: timeOf(a.DecidedAt)}
}

func apiEscalation(e dispute.Escalation) apigen.Escalation {
	return apigen.Escalation{By: apigen.EscalationBy(e.By), Reason: e.Reason, At: e.At}
}

func apiWithdrawal(w dispute.Withdrawal) apigen.Withdrawal {
	return apigen.Withdrawal{Reason: w.Reason, At: w.At}
}

func apiInfoExchange(x dispute.InfoExchange) apigen.InfoExchange {
	return apigen.InfoExchange{Party: apigen.Party(x.Party), Question: x.Question, AskedAt: x.AskedAt,
		Status: apigen.InfoExchangeStatus(x.Status), Answer: x.Answer, AnsweredAt: timeOf(x.AnsweredAt)}
}

func apiOrder(o *dispute.Order) apigen.Order {
	return apigen.Order{ID: o.ID, BuyerID: o.BuyerID, SellerID: o.SellerID, ListingIds: o.ListingIDs, ItemCount: int32(o.ItemCount),
		Total: apiMoney(o.Total), DeliveredAt: o.DeliveredAt, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// apiMessage writes a message's text under "message" and again under
// "body", its former name, deprecated.
func apiMessage(m *dispute.Message) apigen.Message {
	return apigen.Message{ID: m.ID, DisputeID: m.DisputeID, AuthorID: m.AuthorID, AuthorRole: string(m.AuthorRole),
		Message: m.Body, Body: m.Body, Internal: m.Internal, CreatedAt: m.CreatedAt}
}

func apiPostedMessage(m *dispute.Message, notice string) apigen.PostedMessage {
	return apigen.PostedMessage{ID: m.ID, DisputeID: m.DisputeID, AuthorID: m.AuthorID, AuthorRole: string(m.AuthorRole),
		Message: m.Body, Body: m.Body, Internal: m.Internal, CreatedAt: m.CreatedAt, Notice: notice}
}

func apiTimelineItem(it dispute.TimelineItem) apigen.TimelineItem {
	out := apigen.TimelineItem{At: it.At, Kind: apigen.TimelineItemKind(it.Kind), Event: apigen.Event(it.Event),
		State: apigen.State(it.State), By: apigen.TimelineItemBy(it.By), Summary: it.Summary, Message: it.Message, Detail: it.Detail}
	for _, r := range it.Remedies {
		out.Remedies = append(out.Remedies, apiRemedy(r))
	}
	return out
}

func apiAuditRecord(r audit.Record) apigen.AuditRecord {
	return apigen.AuditRecord{DisputeID: r.DisputeID, Seq: r.Seq, Event: r.Event, FromState: r.FromState,
		ToState: apigen.State(r.ToState), ActorID: r.ActorID, ActorRole: apigen.Role(r.ActorRole), Payload: r.Payload,
		OccurredAt: r.OccurredAt, RequestID: r.RequestID, APIKeyID: r.APIKeyID, ClientRequestID: r.ClientRequestID,
		PrevHash: r.PrevHash, Hash: r.Hash, Encoding: apigen.AuditRecordEncoding(r.Encoding), PayloadVersion: int32(payloadVersion(r))}
}

// payloadVersion is the record's payload version; records read before the
// version was stored are version 1.
func payloadVersion(r audit.Record) int {
	if r.PayloadVersion == 0 {
		return 1
	}
	return r.PayloadVersion
}

func apiVerification(v audit.Verification) apigen.Verification {
	return apigen.Verification{Valid: v.Valid, Records: int64(v.Records), HeadHash: v.HeadHash, FirstBadSeq: v.FirstBadSeq, Problem: v.Problem}
}

func apiFeedback(f *dispute.Feedback) apigen.Feedback {
	return apigen.Feedback{DisputeID: f.DisputeID, Party: apigen.Party(f.Party), Rating: int32(f.Rating), Comment: f.Comment,
		Team: apigen.Team(f.Team), Reason: apigen.Reason(f.Reason), CreatedAt: f.CreatedAt}
}

func apiFeedbackFigure(f dispute.FeedbackFigure) apigen.FeedbackFigure {
	return apigen.FeedbackFigure{Team: apigen.Team(f.Team), Reason: apigen.Reason(f.Reason), Responses: int64(f.Responses),
		AverageRating: f.Average, HelpfulShare: f.Helpful}
}

func apiInstruction(in *dispute.Instruction) apigen.Instruction {
	return apigen.Instruction{ID: in.ID, DisputeID: in.DisputeID, Event: apigen.Event(in.Event), Action: apigen.InstructionAction(in.Action),
		Remedy: apiRemedy(in.Remedy), Reverts: in.Reverts, Status: apigen.InstructionStatus(in.Status), Detail: in.Detail,
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
}

func apiQueueCount(q dispute.QueueCount) apigen.QueueCount {
	return apigen.QueueCount{Team: apigen.Team(q.Team), State: apigen.State(q.State), Count: int64(q.Count),
		OldestQueuedAt: q.Oldest, OldestWaitSeconds: q.OldestWaitSeconds}
}

func apiAPIKey(k *dispute.APIKey) apigen.APIKey {
	return apigen.APIKey{ID: k.ID, SellerID: k.SellerID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt,
		RevokedAt: timeOf(k.RevokedAt), LastUsedAt: timeOf(k.LastUsedAt)}
}

func apiCreatedAPIKey(k *dispute.CreatedAPIKey) apigen.CreatedAPIKey {
	return apigen.CreatedAPIKey{ID: k.ID, SellerID: k.SellerID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt,
		RevokedAt: timeOf(k.RevokedAt), LastUsedAt: timeOf(k.LastUsedAt), Key: k.Key}
}

func apiFeedEvent(e *dispute.FeedEvent) apigen.FeedEvent {
	return apigen.FeedEvent{ID: e.ID, Seq: int(e.Seq), Type: e.Type, DisputeID: e.DisputeID, State: apigen.State(e.State),
		OccurredAt: e.OccurredAt, Data: e.Data}
}

func apiWebhook(w *dispute.Webhook) apigen.Webhook {
	return apigen.Webhook{ID: w.ID, OwnerID: w.OwnerID, URL: w.URL, EventTypes: w.EventTypes, APIKeyID: w.APIKeyID,
		Active: w.Active, DisabledAt: timeOf(w.DisabledAt), DisabledReason: apigen.WebhookDisabledReason(w.DisabledReason),
		CreatedAt: w.CreatedAt}
}

func apiCreatedWebhook(w *dispute.CreatedWebhook) apigen.CreatedWebhook {
	return apigen.CreatedWebhook{ID: w.ID, OwnerID: w.OwnerID, URL: w.URL, EventTypes: w.EventTypes, APIKeyID: w.APIKeyID,
		Active: w.Active, DisabledAt: timeOf(w.DisabledAt), DisabledReason: apigen.WebhookDisabledReason(w.DisabledReason),
		CreatedAt: w.CreatedAt, Secret: w.Secret}
}

func apiDelivery(d *dispute.Delivery) apigen.Delivery {
	return apigen.Delivery{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, Status: apigen.DeliveryStatus(d.Status),
		Attempts: int32(d.Attempts), NextAttemptAt: d.NextAttemptAt, LastStatusCode: int32(d.LastStatus), LastError: d.LastError,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, DeliveredAt: timeOf(d.DeliveredAt), AttemptHistory: mapOpt(d.History, apiAttempt)}
}

func apiAttempt(a dispute.Attempt) apigen.Attempt {
	return apigen.Attempt{Attempt: int32(a.Attempt), At: a.At, StatusCode: int32(a.StatusCode), Error: a.Error, DurationMs: int64(a.DurationMS)}
}

func apiContactOption(o contact.Option) apigen.ContactOption {
	return apigen.ContactOption{Channel: apigen.Channel(o.Channel), Available: o.Available, Why: o.Why, Hours: o.Hours,
		NextOpenAt: timeOf(o.NextOpenAt)}
}

// Requests.

func domainMoney(m apigen.Money) dispute.Money {
	return dispute.Money{Amount: m.Amount, Currency: m.Currency}
}

func domainRemedy(r apigen.Remedy) dispute.Remedy {
	return dispute.Remedy{Type: dispute.RemedyType(r.Type), Amount: mapPtr(r.Amount, domainMoney), ListingID: r.ListingID,
		Party: dispute.Party(r.Party), Until: r.Until, Scope: r.Scope, Category: string(r.Category), Authority: r.Authority}
}

// domainRemedies converts a request's remedies; nil stays nil (none sent).
func domainRemedies(rs []apigen.Remedy) []dispute.Remedy {
	if rs == nil {
		return nil
	}
	return mapAll(rs, domainRemedy)
}

// domainBasis is the decision basis a decide or decide-appeal body gives,
// nil when it gives none of its fields.
func domainBasis(g *apigen.DecisionGround, category apigen.TDBCategory, detection bool, decision apigen.AutomatedDecision, scope []apigen.TerritorialCountry) *dispute.DecisionBasis {
	if g == nil && category == "" && !detection && decision == "" && len(scope) == 0 {
		return nil
	}
	b := &dispute.DecisionBasis{
		Category: string(category), AutomatedDetection: detection, AutomatedDecision: dispute.Automation(decision),
	}
	if g != nil {
		b.Ground = dispute.Ground{Type: dispute.GroundType(g.Type), LegalGround: g.LegalGround, ContractualGround: g.ContractualGround, Explanation: g.Explanation}
	}
	for _, c := range scope {
		b.TerritorialScope = append(b.TerritorialScope, string(c))
	}
	return b
}
