package httpapi

import (
	"context"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// The API reaches the domain through ports, one per use case, each with the
// methods its handlers call. *dispute.Service implements all of them; a
// handler file depends on its resource's port only, and a test may stand in
// for one port without building the others.

// orderCases are the marketplace's orders.
type orderCases interface {
	UpsertOrder(ctx context.Context, actor dispute.Actor, o dispute.Order) (*dispute.Order, bool, error)
	Order(ctx context.Context, actor dispute.Actor, id string) (*dispute.Order, error)
}

// disputeCases open disputes, move them through the lifecycle and read
// them, their timeline and their conversation.
type disputeCases interface {
	Open(ctx context.Context, actor dispute.Actor, in dispute.OpenInput) (*dispute.Dispute, error)
	Act(ctx context.Context, actor dispute.Actor, id string, cmd dispute.Command, expectVersion *int64) (*dispute.Dispute, error)
	MayAct(ctx context.Context, actor dispute.Actor, id string, e dispute.Event) error
	Get(ctx context.Context, actor dispute.Actor, id string) (*dispute.Dispute, error)
	List(ctx context.Context, actor dispute.Actor, f dispute.Filter) ([]*dispute.Dispute, error)
	AllowedActions(ctx context.Context, actor dispute.Actor, d *dispute.Dispute) []dispute.Event
	TimelineIn(ctx context.Context, actor dispute.Actor, id, lang string) (*dispute.Dispute, []dispute.TimelineItem, error)
	Messages(ctx context.Context, actor dispute.Actor, id string, p dispute.Page) ([]*dispute.Message, error)
	PostMessage(ctx context.Context, actor dispute.Actor, id, body string, internal bool) (*dispute.Message, error)
}

// auditCases read and verify a dispute's audit chain.
type auditCases interface {
	Audit(ctx context.Context, actor dispute.Actor, id string) ([]audit.Record, error)
	VerifyAudit(ctx context.Context, actor dispute.Actor, id string) (audit.Verification, error)
}

// queueCases are the review desk's queues and claims.
type queueCases interface {
	Queue(ctx context.Context, actor dispute.Actor, f dispute.QueueFilter) ([]*dispute.Dispute, error)
	QueueCounts(ctx context.Context, actor dispute.Actor, teams []dispute.Team, states []dispute.State) ([]dispute.QueueCount, error)
	Claim(ctx context.Context, actor dispute.Actor, in dispute.ClaimInput) (*dispute.Dispute, error)
}

// remedyCases are the remedy instructions and the marketplace's reports.
type remedyCases interface {
	Instructions(ctx context.Context, actor dispute.Actor, f dispute.InstructionFilter) ([]*dispute.Instruction, error)
	ReportInstruction(ctx context.Context, actor dispute.Actor, id string, status dispute.InstructionStatus, detail string) (*dispute.Instruction, error)
	MayReport(ctx context.Context, actor dispute.Actor, id string) error
}

// feedbackCases are the parties' feedback and its figures.
type feedbackCases interface {
	GiveFeedback(ctx context.Context, actor dispute.Actor, id string, rating int, comment string) (*dispute.Feedback, error)
	FeedbackFigures(ctx context.Context, actor dispute.Actor) ([]dispute.FeedbackFigure, error)
}

// integrationCases are sellers' API keys, the event feed and webhooks.
type integrationCases interface {
	AuthenticateAPIKey(ctx context.Context, plain string) (dispute.Actor, error)
	CreateAPIKey(ctx context.Context, actor dispute.Actor, name string) (*dispute.CreatedAPIKey, error)
	APIKeys(ctx context.Context, actor dispute.Actor, sellerID string, p dispute.Page) ([]*dispute.APIKey, error)
	RevokeAPIKey(ctx context.Context, actor dispute.Actor, id string) (*dispute.APIKey, error)
	Events(ctx context.Context, actor dispute.Actor, after int64, limit int) ([]*dispute.FeedEvent, error)
	CreateWebhook(ctx context.Context, actor dispute.Actor, url string, types []string) (*dispute.CreatedWebhook, error)
	Webhooks(ctx context.Context, actor dispute.Actor) ([]*dispute.Webhook, error)
	DeleteWebhook(ctx context.Context, actor dispute.Actor, id string) error
	Deliveries(ctx context.Context, actor dispute.Actor, id string, p dispute.Page) ([]*dispute.Delivery, error)
	Redeliver(ctx context.Context, actor dispute.Actor, webhookID, deliveryID string) (*dispute.Delivery, error)
}

// evidenceCases are the files of a case.
type evidenceCases interface {
	CheckEvidence(ctx context.Context, actor dispute.Actor, disputeID string, in dispute.NewEvidence) error
	AddEvidence(ctx context.Context, actor dispute.Actor, disputeID string, in dispute.NewEvidence) (*dispute.Evidence, error)
	EvidenceList(ctx context.Context, actor dispute.Actor, disputeID string, p dispute.Page) ([]*dispute.Evidence, error)
	Evidence(ctx context.Context, actor dispute.Actor, disputeID, id string) (*dispute.Evidence, error)
}

// statementCases are the statements of reasons and their submission outbox.
type statementCases interface {
	StatementOfReasons(ctx context.Context, actor dispute.Actor, disputeID string, addressee dispute.Party) (*dispute.StatementRecord, error)
	Statements(ctx context.Context, actor dispute.Actor, f dispute.StatementFilter) ([]*dispute.StatementRecord, error)
}

// reportCases are the transparency report.
type reportCases interface {
	TransparencyReport(ctx context.Context, actor dispute.Actor, from, to time.Time) (*dispute.TransparencyReport, error)
}

// problemCases tell the language of a party's refusals.
type problemCases interface {
	PartyLanguage(ctx context.Context, actor dispute.Actor, disputeID string) string
}

// partyCases are what reviewers know of the parties beyond one dispute.
type partyCases interface {
	UserHistory(ctx context.Context, actor dispute.Actor, userID string) (*dispute.UserHistory, error)
	PartyContexts(ctx context.Context, actor dispute.Actor, ds []*dispute.Dispute) (dispute.PartyContexts, error)
}

// ports holds the API's ports.
type ports struct {
	evidence     evidenceCases
	orders       orderCases
	disputes     disputeCases
	audits       auditCases
	queues       queueCases
	remedies     remedyCases
	feedback     feedbackCases
	integrations integrationCases
	statements   statementCases
	reports      reportCases
	problems     problemCases
	parties      partyCases
}

// portsOf takes every port from one service.
func portsOf(svc *dispute.Service) ports {
	return ports{evidence: svc, orders: svc, disputes: svc, audits: svc, queues: svc, remedies: svc, feedback: svc, integrations: svc, statements: svc, reports: svc,
		problems: svc, parties: svc}
}
