package dispute

import (
	"context"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
)

// The store is split by capability: each port below holds what one use case
// reads or writes, and Store and Tx compose them. A component that needs
// one capability (the webhook dispatcher, the history checker, a test fake)
// depends on that port alone.

// DisputeReader reads orders and disputes outside a transaction.
type DisputeReader interface {
	Order(ctx context.Context, id string) (*Order, error)
	Dispute(ctx context.Context, id string) (*Dispute, error)
	Disputes(ctx context.Context, f Filter) ([]*Dispute, error)
	Messages(ctx context.Context, disputeID string, includeInternal bool, p Page) ([]*Message, error)
}

// QueueReader reads the review queues.
type QueueReader interface {
	Queue(ctx context.Context, f QueueFilter) ([]*Dispute, error)
	// QueueCounts counts the waiting cases of the teams per team and state.
	QueueCounts(ctx context.Context, teams []Team, states []State) ([]QueueCount, error)
}

// AuditReader reads a dispute's audit chain.
type AuditReader interface {
	AuditRecords(ctx context.Context, disputeID string) ([]audit.Record, error)
}

// FeedbackReader reads the figures of the parties' feedback.
type FeedbackReader interface {
	FeedbackFigures(ctx context.Context) ([]FeedbackFigure, error)
}

// RemedyReader reads remedy instructions.
type RemedyReader interface {
	Instructions(ctx context.Context, f InstructionFilter) ([]*Instruction, error)
}

// IntegrationReader reads what sellers' integrations use: API keys, the
// event feed and webhooks.
type IntegrationReader interface {
	APIKeys(ctx context.Context, sellerID string, p Page) ([]*APIKey, error)
	APIKeyByPrefix(ctx context.Context, prefix string) (*APIKey, error)
	// Events reads sequenced feed events only, in sequence order; it
	// writes nothing.
	Events(ctx context.Context, f EventFilter) ([]*FeedEvent, error)
	// IsSeller reports whether the user is the seller of at least one order.
	IsSeller(ctx context.Context, userID string) (bool, error)
	Webhook(ctx context.Context, id string) (*Webhook, error)
	Webhooks(ctx context.Context, ownerID string) ([]*Webhook, error)
	Deliveries(ctx context.Context, webhookID string, p Page) ([]*Delivery, error)
}

// Store is the persistence the service needs. Reads outside a transaction
// return committed data; every change goes through Tx.
type Store interface {
	// Tx runs fn in one database transaction: everything fn writes commits
	// together or not at all.
	Tx(ctx context.Context, fn func(tx Tx) error) error
	// AfterCommit runs fn once what ctx's transactions wrote has committed:
	// at once, unless ctx belongs to a larger unit of work of the store's
	// (a request whose stored response commits with its change), whose
	// commit it then waits for; never if that unit rolls back.
	AfterCommit(ctx context.Context, fn func())

	DisputeReader
	QueueReader
	AuditReader
	FeedbackReader
	RemedyReader
	IntegrationReader
	StatementReader
	ReportReader
	PartyReader
}

// DisputeTx changes orders and disputes. Lock methods hold the row until
// the transaction ends, so concurrent changes to one dispute serialise.
type DisputeTx interface {
	Order(ctx context.Context, id string) (*Order, error)
	UpsertOrder(ctx context.Context, o *Order) (created bool, err error)
	// LockOrder locks the order so that concurrent opens on it serialise.
	LockOrder(ctx context.Context, id string) (*Order, error)
	// DisputesOfOrder returns every dispute opened on the order, in any
	// state, oldest first.
	DisputesOfOrder(ctx context.Context, orderID string) ([]*Dispute, error)
	LockDispute(ctx context.Context, id string) (*Dispute, error)
	CreateDispute(ctx context.Context, d *Dispute) error
	// UpdateDispute writes d if the stored version is still fromVersion.
	UpdateDispute(ctx context.Context, d *Dispute, fromVersion int64) error
	AddMessage(ctx context.Context, m *Message) error
	// AddFeedback stores a party's feedback, or refuses a second one from the
	// same party with CodeFeedbackGiven.
	AddFeedback(ctx context.Context, f *Feedback) error
}

// QueueTx hands out queued and due disputes, each to one caller.
type QueueTx interface {
	// LockNextQueued locks the first dispute of the queue that no other
	// transaction holds, or returns ErrQueueEmpty.
	LockNextQueued(ctx context.Context, f QueueFilter) (*Dispute, error)
	// LockNextDue locks the dispute whose running deadline (Dispute.Due)
	// passed longest ago at now and that no other transaction holds, or
	// returns ErrNothingDue.
	LockNextDue(ctx context.Context, now time.Time) (*Dispute, error)
}

// AuditTx appends to a dispute's audit chain.
type AuditTx interface {
	// AppendAudit seals e after the dispute's last record and stores it.
	AppendAudit(ctx context.Context, e audit.Entry) (audit.Record, error)
}

// RemedyTx writes the remedy instructions outbox and the marketplace's
// reports on it.
type RemedyTx interface {
	Instructions(ctx context.Context, disputeID string) ([]*Instruction, error)
	AddInstructions(ctx context.Context, ins []*Instruction) error
	Instruction(ctx context.Context, id string) (*Instruction, error)
	UpdateInstruction(ctx context.Context, in *Instruction) error
}

// FeedTx writes the feed outbox and sequences it.
type FeedTx interface {
	// AddEvent writes a feed event (the outbox) in the change's transaction.
	AddEvent(ctx context.Context, e *FeedEvent) error
	// SequenceNext holds the feed's sequencer until the transaction ends
	// (one holder at a time across every instance), numbers up to max
	// committed events that have no number yet, in the order they were
	// made, after the highest number given, and returns them numbered.
	SequenceNext(ctx context.Context, max int) ([]*FeedEvent, error)
}

// IntegrationTx changes API keys, webhooks and their deliveries.
type IntegrationTx interface {
	CreateAPIKey(ctx context.Context, k *APIKey) error
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// RevokeAPIKey revokes the key and disables the webhooks created with
	// it; their pending deliveries are given up.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// ActiveWebhooks returns every webhook that is neither deleted nor
	// disabled.
	ActiveWebhooks(ctx context.Context) ([]*Webhook, error)
	// LockWebhooks returns the owner's webhooks that are not deleted and
	// holds the owner's webhooks until the transaction ends, so that
	// concurrent registrations of one owner serialise.
	LockWebhooks(ctx context.Context, ownerID string) ([]*Webhook, error)
	CreateWebhook(ctx context.Context, w *Webhook) error
	DeleteWebhook(ctx context.Context, id string, at time.Time) error
	Delivery(ctx context.Context, id string) (*Delivery, error)
	AddDeliveries(ctx context.Context, ds []*Delivery) error
}

// Tx is the store inside one transaction.
type Tx interface {
	DisputeTx
	QueueTx
	AuditTx
	RemedyTx
	FeedTx
	IntegrationTx
	StatementTx
	ReportTx
	PartyTx
	SearchTx
}

// Page selects a page of a list: at most Limit items after the opaque cursor.
type Page struct {
	Limit int
	After string
}

// InstructionFilter selects remedy instructions, oldest first.
type InstructionFilter struct {
	DisputeID string
	// DisputeIDs keeps the instructions of any of these disputes, for
	// staff and the marketplace's systems.
	DisputeIDs []string
	Statuses   []InstructionStatus // any of them; none: every status
	Page
}

// Filter selects disputes for a list, newest first. Each list that is not
// empty keeps the disputes that match any of its values.
type Filter struct {
	States      []State
	Teams       []Team
	Reasons     []Reason
	AssigneeIDs []string
	// PartyID restricts the list to disputes where the user is buyer or
	// seller; SellerOnly to those where it is the seller.
	PartyID    string
	SellerOnly bool
	// OrderIDs, BuyerIDs and SellerIDs keep the disputes of these orders,
	// buyers and sellers; EitherPartyIDs those where any of the users is
	// the buyer or the seller. They narrow PartyID, never widen it.
	OrderIDs       []string
	BuyerIDs       []string
	SellerIDs      []string
	EitherPartyIDs []string
	// CreatedAfter keeps disputes opened at or after it, CreatedBefore
	// those opened before it; zero means no bound.
	CreatedAfter  time.Time
	CreatedBefore time.Time
	// Query is a full-text search as the caller wrote it; the service cuts
	// it into Words (fulltext.Parse), each of which a dispute's texts must
	// hold. SearchInternal lets internal notes match (staff only).
	Query          string
	Words          []string
	SearchInternal bool
	Page
}

// QueueFilter selects disputes waiting in queues, by priority then age.
type QueueFilter struct {
	Teams  []Team
	States []State
	// ExcludeDecidedBy leaves out appeals of cases the user decided
	// (four-eyes); escalated cases stay.
	ExcludeDecidedBy string
	// ExcludeParty leaves out cases of which the user is the buyer or the
	// seller (conflict of interest).
	ExcludeParty string
	Limit        int
	After        *QueueCursor
}

// QueueCursor is the position after which a queue page starts.
type QueueCursor struct {
	Priority int
	DueAt    time.Time
	ID       string
}

// ErrQueueEmpty says no case is waiting for the caller.
var ErrQueueEmpty = &Error{Code: ENOTFOUND, Reason: CodeQueueEmpty, Message: "no case is waiting in the queue"}

// QueueCount is how many cases wait in one team's queue in one state, and
// since when the oldest waits.
type QueueCount struct {
	Team   Team
	State  State
	Count  int
	Oldest time.Time
	// OldestWaitSeconds is how long the oldest case has waited, at the time
	// of the answer.
	OldestWaitSeconds int64
}
