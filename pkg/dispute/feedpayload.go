package dispute

import (
	"encoding/json"
	"fmt"
	"time"
)

// The data of feed events, which is also the webhook payload
// (docs/webhooks.md), is stored with the event when the change commits and
// sent as stored. It is its own contract, written with the types below and
// never with the domain's, so that no other change of names reaches the
// receivers. The names and their order are those of the first release.

// feedDataV1 is FeedEvent.Data: the dispute, and the message or the remedy
// instruction the event is about.
type feedDataV1 struct {
	Dispute  feedDisputeV1      `json:"dispute"`
	Message  *feedMessageV1     `json:"message,omitempty"`
	Remedy   *feedInstructionV1 `json:"remedy,omitempty"`
	Evidence *feedEvidenceV1    `json:"evidence,omitempty"`
	// Statement was added with statements of reasons; other events leave
	// it out and encode as before.
	Statement *feedStatementV1 `json:"statement_of_reasons,omitempty"`
}

// feedStatementV1 announces a statement of reasons to its addressee, who
// reads it with GET /v1/disputes/{id}/statement-of-reasons.
type feedStatementV1 struct {
	ID        string    `json:"id"`
	DisputeID string    `json:"dispute_id"`
	Addressee string    `json:"addressee"`
	DecidedAt time.Time `json:"decided_at"`
}

// feedEvidenceV1 is a file added to the case (never its contents).
type feedEvidenceV1 struct {
	ID           string    `json:"id"`
	DisputeID    string    `json:"dispute_id"`
	UploadedBy   string    `json:"uploaded_by,omitempty"`
	UploaderRole string    `json:"uploader_role"`
	Filename     string    `json:"filename"`
	ContentType  string    `json:"content_type"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	Description  string    `json:"description"`
	Internal     bool      `json:"internal"`
	CreatedAt    time.Time `json:"created_at"`
}

// feedDisputeV1 is what every party may see of the dispute.
type feedDisputeV1 struct {
	ID      string `json:"id"`
	OrderID string `json:"order_id"`
	Event   string `json:"event,omitempty"`
	State   string `json:"state"`
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

// feedMessageV1 is a message the parties can see, its text under
// "message" and again under "body", its deprecated former name.
type feedMessageV1 struct {
	ID         string    `json:"id"`
	DisputeID  string    `json:"dispute_id"`
	AuthorID   string    `json:"author_id,omitempty"`
	AuthorRole string    `json:"author_role"`
	Message    string    `json:"message"`
	Internal   bool      `json:"internal"`
	CreatedAt  time.Time `json:"created_at"`
	Body       string    `json:"body"`
}

type feedInstructionV1 struct {
	ID        string       `json:"id"`
	DisputeID string       `json:"dispute_id"`
	Event     string       `json:"event"`
	Action    string       `json:"action"`
	Remedy    feedRemedyV1 `json:"remedy"`
	Reverts   string       `json:"reverts,omitempty"`
	Status    string       `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

type feedRemedyV1 struct {
	Type      string       `json:"type"`
	Amount    *feedMoneyV1 `json:"amount,omitempty"`
	ListingID string       `json:"listing_id,omitempty"`
	Party     string       `json:"party,omitempty"`
	Until     *time.Time   `json:"until,omitempty"`
	Scope     string       `json:"scope,omitempty"`
	Category  string       `json:"category,omitempty"`
	Authority string       `json:"authority,omitempty"`
}

type feedMoneyV1 struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// feedData encodes the data of a feed event about d; about is nil, a
// *Message or an *Instruction.
func feedData(d *Dispute, ev Event, about any) (json.RawMessage, error) {
	data := feedDataV1{Dispute: feedDisputeV1{ID: d.ID, OrderID: d.OrderID, Event: string(ev), State: string(d.State),
		Version: d.Version, Reason: string(d.Reason)}}
	switch a := about.(type) {
	case nil:
	case *Message:
		data.Message = &feedMessageV1{ID: a.ID, DisputeID: a.DisputeID, AuthorID: a.AuthorID, AuthorRole: string(a.AuthorRole),
			Message: a.Body, Internal: a.Internal, CreatedAt: a.CreatedAt, Body: a.Body}
	case *Instruction:
		r := a.Remedy
		data.Remedy = &feedInstructionV1{ID: a.ID, DisputeID: a.DisputeID, Event: string(a.Event), Action: string(a.Action),
			Remedy: feedRemedyV1{Type: string(r.Type), ListingID: r.ListingID, Party: string(r.Party), Until: r.Until,
				Scope: r.Scope, Category: r.Category, Authority: r.Authority},
			Reverts: a.Reverts, Status: string(a.Status), Detail: a.Detail, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
		if r.Amount != nil {
			data.Remedy.Remedy.Amount = &feedMoneyV1{Amount: r.Amount.Amount, Currency: r.Amount.Currency}
		}
	case *Evidence:
		data.Evidence = &feedEvidenceV1{ID: a.ID, DisputeID: a.DisputeID, UploadedBy: a.UploadedBy, UploaderRole: string(a.UploaderRole),
			Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, Description: a.Description,
			Internal: a.Internal, CreatedAt: a.CreatedAt}
	case *StatementRecord:
		data.Statement = &feedStatementV1{ID: a.ID, DisputeID: a.DisputeID, Addressee: string(a.Addressee), DecidedAt: a.DecidedAt}
	default:
		return nil, fmt.Errorf("dispute: no feed data for %T", about)
	}
	return json.Marshal(data)
}
