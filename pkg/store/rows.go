package store

import (
	"encoding/json"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// Rows are the tables' shapes; gorm tags stay here, out of the domain.

type orderRow struct {
	ID            string `gorm:"primaryKey"`
	BuyerID       string
	SellerID      string
	ListingIDs    string
	ItemCount     int
	TotalAmount   string
	TotalCurrency string
	DeliveredAt   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (orderRow) TableName() string { return "orders" }

func toOrderRow(o *dispute.Order) (*orderRow, error) {
	listings, err := json.Marshal(o.ListingIDs)
	if err != nil {
		return nil, err
	}
	return &orderRow{
		ID: o.ID, BuyerID: o.BuyerID, SellerID: o.SellerID, ListingIDs: string(listings),
		ItemCount: o.ItemCount, TotalAmount: o.Total.Amount, TotalCurrency: o.Total.Currency,
		DeliveredAt: o.DeliveredAt, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}, nil
}

func (r *orderRow) order() (*dispute.Order, error) {
	o := &dispute.Order{
		ID: r.ID, BuyerID: r.BuyerID, SellerID: r.SellerID, ItemCount: r.ItemCount,
		Total:       dispute.Money{Amount: r.TotalAmount, Currency: r.TotalCurrency},
		DeliveredAt: utcPtr(r.DeliveredAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(r.ListingIDs), &o.ListingIDs); err != nil {
		return nil, err
	}
	return o, nil
}

type disputeRow struct {
	ID                  string `gorm:"primaryKey"`
	OrderID             string
	BuyerID             string
	SellerID            string
	Reason              string
	Team                string
	Description         string
	Language            string
	ItemCount           int
	State               string
	Version             int64
	AssigneeID          string
	DecidedBy           string
	Priority            int
	SellerAnswered      bool
	SellerResponseDueAt *time.Time
	BuyerResponseDueAt  *time.Time
	InfoDueAt           *time.Time
	AppealDueAt         *time.Time
	QueuedAt            *time.Time
	// DeadlineAt is the deadline running in the current state (Dispute.Due),
	// kept in one indexed column so the deadline worker finds due disputes fast.
	DeadlineAt  *time.Time
	ReviewDueAt *time.Time
	InfoRequest *string
	Offer       *string
	Outcome     *string
	Appeal      *string
	// The case file: escalation, withdrawal and the requests for
	// information with their answers, as JSON documents.
	Escalation    *string
	Withdrawal    *string
	InfoExchanges *string
	CreatedAt     time.Time
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"` // the service's clock, not gorm's
	ClosedAt      *time.Time
	// AuditSeq and AuditHash are the head of the dispute's audit chain:
	// the last record's sequence number and hash (0 and "" before the
	// first). The store keeps them; the domain never sees them.
	AuditSeq  int64
	AuditHash string
}

func (disputeRow) TableName() string { return "disputes" }

func toDisputeRow(d *dispute.Dispute) (*disputeRow, error) {
	r := &disputeRow{
		ID: d.ID, OrderID: d.OrderID, BuyerID: d.BuyerID, SellerID: d.SellerID,
		Reason: string(d.Reason), Team: string(d.Team), Description: d.Description, Language: d.Language,
		ItemCount: d.ItemCount, State: string(d.State), Version: d.Version, AssigneeID: d.AssigneeID,
		DecidedBy: d.DecidedBy(), Priority: d.Priority, SellerAnswered: d.SellerAnswered,
		SellerResponseDueAt: d.SellerResponseDueAt, BuyerResponseDueAt: d.BuyerResponseDueAt,
		InfoDueAt: d.InfoDueAt, AppealDueAt: d.AppealDueAt, QueuedAt: d.QueuedAt, ReviewDueAt: d.ReviewDueAt,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, ClosedAt: d.ClosedAt,
	}
	r.DeadlineAt, _ = d.Due()
	var err error
	if r.InfoRequest, err = jsonColumn(mapPtr(d.InfoRequest, toInfoRequestDoc)); err != nil {
		return nil, err
	}
	if r.Offer, err = jsonColumn(mapPtr(d.Offer, toOfferDoc)); err != nil {
		return nil, err
	}
	if r.Outcome, err = jsonColumn(mapPtr(d.Outcome, toOutcomeDoc)); err != nil {
		return nil, err
	}
	if r.Appeal, err = jsonColumn(mapPtr(d.Appeal, toAppealDoc)); err != nil {
		return nil, err
	}
	if r.Escalation, err = jsonColumn(mapPtr(d.Escalation, toEscalationDoc)); err != nil {
		return nil, err
	}
	if r.Withdrawal, err = jsonColumn(mapPtr(d.Withdrawal, toWithdrawalDoc)); err != nil {
		return nil, err
	}
	if len(d.InfoExchanges) > 0 {
		exchanges := mapSlice(d.InfoExchanges, toInfoExchangeDoc)
		if r.InfoExchanges, err = jsonColumn(&exchanges); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *disputeRow) dispute() (*dispute.Dispute, error) {
	d := &dispute.Dispute{
		ID: r.ID, OrderID: r.OrderID, BuyerID: r.BuyerID, SellerID: r.SellerID,
		Reason: dispute.Reason(r.Reason), Team: dispute.Team(r.Team), Description: r.Description,
		Language: r.Language, ItemCount: r.ItemCount, State: dispute.State(r.State), Version: r.Version,
		AssigneeID: r.AssigneeID, Priority: r.Priority, SellerAnswered: r.SellerAnswered,
		SellerResponseDueAt: utcPtr(r.SellerResponseDueAt), BuyerResponseDueAt: utcPtr(r.BuyerResponseDueAt),
		InfoDueAt: utcPtr(r.InfoDueAt), AppealDueAt: utcPtr(r.AppealDueAt), QueuedAt: utcPtr(r.QueuedAt),
		ReviewDueAt: utcPtr(r.ReviewDueAt),
		CreatedAt:   r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ClosedAt: utcPtr(r.ClosedAt),
	}
	for _, err := range []error{
		readDoc(r.InfoRequest, &d.InfoRequest, infoRequestDoc.infoRequest),
		readDoc(r.Offer, &d.Offer, offerDoc.offer),
		readDoc(r.Outcome, &d.Outcome, outcomeDoc.outcome),
		readDoc(r.Appeal, &d.Appeal, appealDoc.appeal),
		readDoc(r.Escalation, &d.Escalation, escalationDoc.escalation),
		readDoc(r.Withdrawal, &d.Withdrawal, withdrawalDoc.withdrawal),
	} {
		if err != nil {
			return nil, err
		}
	}
	if r.InfoExchanges != nil {
		var exchanges []infoExchangeDoc
		if err := json.Unmarshal([]byte(*r.InfoExchanges), &exchanges); err != nil {
			return nil, err
		}
		d.InfoExchanges = mapSlice(exchanges, infoExchangeDoc.infoExchange)
	}
	return d, nil
}

// jsonColumn encodes a nullable document column.
func jsonColumn[T any](v *T) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type auditRow struct {
	DisputeID string `gorm:"primaryKey"`
	Seq       int64  `gorm:"primaryKey"`
	Event     string
	FromState string
	ToState   string
	ActorID   string
	ActorRole string
	Payload   string
	// PayloadVersion is the version of the payload's type (1 for every
	// record written before the column existed); the hash does not cover it.
	PayloadVersion int
	OccurredAt     time.Time
	RequestID      string
	// APIKeyID and ClientRequestID are covered by the hash from encoding 2.
	APIKeyID        string
	ClientRequestID string
	PrevHash        string
	Hash            string
	Encoding        int
}

func (auditRow) TableName() string { return "audit_records" }

func toAuditRow(r audit.Record) *auditRow {
	return &auditRow{
		DisputeID: r.DisputeID, Seq: r.Seq, Event: r.Event, FromState: r.FromState, ToState: r.ToState,
		ActorID: r.ActorID, ActorRole: r.ActorRole, Payload: string(r.Payload), PayloadVersion: r.PayloadVersion, OccurredAt: r.OccurredAt,
		RequestID: r.RequestID, APIKeyID: r.APIKeyID, ClientRequestID: r.ClientRequestID,
		PrevHash: r.PrevHash, Hash: r.Hash, Encoding: r.Encoding,
	}
}

func (r *auditRow) record() audit.Record {
	return audit.Record{
		Entry: audit.Entry{
			DisputeID: r.DisputeID, Event: r.Event, FromState: r.FromState, ToState: r.ToState,
			ActorID: r.ActorID, ActorRole: r.ActorRole, Payload: json.RawMessage(r.Payload), PayloadVersion: r.PayloadVersion,
			OccurredAt: r.OccurredAt.UTC(), RequestID: r.RequestID,
			APIKeyID: r.APIKeyID, ClientRequestID: r.ClientRequestID,
		},
		Seq: r.Seq, PrevHash: r.PrevHash, Hash: r.Hash, Encoding: r.Encoding,
	}
}

type messageRow struct {
	ID         string `gorm:"primaryKey"`
	DisputeID  string
	AuthorID   string
	AuthorRole string
	Body       string
	Internal   bool
	CreatedAt  time.Time
}

func (messageRow) TableName() string { return "messages" }

func (r *messageRow) message() *dispute.Message {
	return &dispute.Message{
		ID: r.ID, DisputeID: r.DisputeID, AuthorID: r.AuthorID, AuthorRole: dispute.Role(r.AuthorRole),
		Body: r.Body, Internal: r.Internal, CreatedAt: r.CreatedAt.UTC(),
	}
}
