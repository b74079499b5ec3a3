package dispute

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opendispute/disputes/pkg/audit"
)

// Evidence is one file added to a dispute's case: a photo of the damage, a
// receipt, a tracking record. The file itself lives in blob storage under
// its SHA-256; the service keeps what describes it. Internal evidence is
// added by staff and never shown to the parties.
type Evidence struct {
	ID           string
	DisputeID    string
	UploadedBy   string
	UploaderRole Role // RoleBuyer, RoleSeller or RoleStaff
	Filename     string
	ContentType  string // as judged from the content
	Size         int64
	SHA256       string // hex, of the stored bytes
	Description  string
	Internal     bool
	CreatedAt    time.Time
	// PurgedAt is when retention deleted the file; its description and its
	// audit record stay.
	PurgedAt *time.Time
}

// RoleStaff is the uploader role of evidence added by any member of staff:
// the parties learn that the platform added a file, not who or in which rank.
const RoleStaff Role = "staff"

// TypeEvidenceAdded is the feed event of a file added to a dispute.
const TypeEvidenceAdded = "evidence.added"

// EventAddEvidence is the audit event of an added file: a note in the
// dispute's chain that leaves its state unchanged.
const EventAddEvidence = "add_evidence"

// DefaultEvidenceMaxFiles is how many files one dispute may hold when
// Options.EvidenceMaxFiles is not set.
const DefaultEvidenceMaxFiles = 20

// MaxEvidenceDescription bounds the description of a file, in characters.
const MaxEvidenceDescription = 1000

// NewEvidence is a file to add: what the caller said of it, and once it is
// stored, what the store found.
type NewEvidence struct {
	Description string
	Internal    bool
	// Filled once the file is stored (AddEvidence needs them; the
	// pre-check ignores them).
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
}

// EvidenceStore is the persistence of evidence outside a transaction.
type EvidenceStore interface {
	// Evidence returns one file of a dispute, or a not-found error.
	Evidence(ctx context.Context, disputeID, id string) (*Evidence, error)
	// EvidenceList returns a dispute's files in id order after p.After;
	// internal ones only when includeInternal.
	EvidenceList(ctx context.Context, disputeID string, includeInternal bool, p Page) ([]*Evidence, error)
	// CountEvidence counts a dispute's files, internal ones included.
	CountEvidence(ctx context.Context, disputeID string) (int, error)
	// EvidenceReferenced reports whether a file that is not purged has the
	// content sha256: its blob must stay.
	EvidenceReferenced(ctx context.Context, sha256 string) (bool, error)
	// ExpiredEvidence returns up to limit files not yet purged of disputes
	// closed before closedBefore.
	ExpiredEvidence(ctx context.Context, closedBefore time.Time, limit int) ([]*Evidence, error)
	// MarkEvidencePurged marks files purged at at.
	MarkEvidencePurged(ctx context.Context, ids []string, at time.Time) error
}

// EvidenceTx is what a transaction offers to add evidence.
type EvidenceTx interface {
	CountEvidence(ctx context.Context, disputeID string) (int, error)
	AddEvidence(ctx context.Context, e *Evidence) error
}

// evidenceTxOf finds the store's transaction inside the service's wrappers.
func evidenceTxOf(tx Tx) (EvidenceTx, bool) {
	for {
		if et, ok := tx.(EvidenceTx); ok {
			return et, true
		}
		switch w := tx.(type) {
		case *eventTx:
			tx = w.Tx
		case *observedTx:
			tx = w.Tx
		default:
			return nil, false
		}
	}
}

// errNoEvidenceStore says the service runs on a store that keeps no evidence.
var errNoEvidenceStore = Errorf(EINTERNAL, CodeInternal, "the store keeps no evidence")

// CheckEvidence tells whether the actor may add a file to the dispute now,
// before any byte of it is stored: the dispute must be visible to the actor
// (else not found), the actor one of its parties or staff, internal files
// come from staff only, the dispute must not be closed and must hold fewer
// files than the limit. AddEvidence checks the same again under the lock.
func (s *Service) CheckEvidence(ctx context.Context, actor Actor, disputeID string, in NewEvidence) error {
	if s.evidence == nil {
		return errNoEvidenceStore
	}
	d, err := s.store.Dispute(ctx, disputeID)
	if err != nil {
		return err
	}
	if _, err := s.mayAddEvidence(actor, d, in); err != nil {
		return err
	}
	n, err := s.evidence.CountEvidence(ctx, d.ID)
	if err != nil {
		return err
	}
	return s.underEvidenceLimit(n)
}

// mayAddEvidence applies the rules of who may add what, and returns the
// uploader's role.
func (s *Service) mayAddEvidence(actor Actor, d *Dispute, in NewEvidence) (Role, error) {
	if !actor.CanSee(d) {
		return "", NotFound("dispute")
	}
	role := Role(d.PartyOf(actor.ID))
	switch {
	case actor.Staff():
		role = RoleStaff
	case role == "":
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the parties and staff may add evidence")
	case in.Internal:
		return "", Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only staff may add internal evidence")
	}
	if utf8.RuneCountInString(in.Description) > MaxEvidenceDescription {
		return "", Invalid(CodeValidationFailed, "description", "must be at most 1000 characters")
	}
	if strings.ContainsRune(in.Description, 0) {
		return "", Invalid(CodeInvalidCharacter, "description", "must not contain NUL characters")
	}
	if d.State == StateClosed {
		return "", Errorf(ECONFLICT, CodeInvalidState, "the dispute is closed")
	}
	return role, nil
}

func (s *Service) underEvidenceLimit(n int) error {
	if n >= s.evidenceMax {
		return Errorf(ECONFLICT, CodeEvidenceLimitReached, "the dispute already holds %d files, the most it may hold", s.evidenceMax)
	}
	return nil
}

// AddEvidence records a stored file as evidence of the dispute, in one
// transaction with the dispute locked: the rules are checked again, the row
// is written, the dispute's audit chain gains an add_evidence record that
// names the file's SHA-256 (so the chain proves no file was swapped), and
// the parties' feed an evidence.added event unless the file is internal.
func (s *Service) AddEvidence(ctx context.Context, actor Actor, disputeID string, in NewEvidence) (*Evidence, error) {
	if s.evidence == nil {
		return nil, errNoEvidenceStore
	}
	in.Description = strings.TrimSpace(in.Description)
	var out *Evidence
	err := s.tx(ctx, func(tx Tx) error {
		etx, ok := evidenceTxOf(tx)
		if !ok {
			return errNoEvidenceStore
		}
		d, err := tx.LockDispute(ctx, disputeID)
		if err != nil {
			return err
		}
		role, err := s.mayAddEvidence(actor, d, in)
		if err != nil {
			return err
		}
		n, err := etx.CountEvidence(ctx, d.ID)
		if err != nil {
			return err
		}
		if err := s.underEvidenceLimit(n); err != nil {
			return err
		}
		now := s.clock()
		ev := &Evidence{
			ID: NewID("evd", now), DisputeID: d.ID, UploadedBy: actor.ID, UploaderRole: role,
			Filename: in.Filename, ContentType: in.ContentType, Size: in.Size, SHA256: in.SHA256,
			Description: in.Description, Internal: in.Internal, CreatedAt: now,
		}
		if err := etx.AddEvidence(ctx, ev); err != nil {
			return err
		}
		auditRole := role
		if actor.Staff() {
			auditRole = actor.staffRole()
		}
		canon, err := evidencePayload(ev)
		if err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, audit.Entry{
			DisputeID: d.ID, Event: EventAddEvidence, FromState: string(d.State), ToState: string(d.State),
			ActorID: actor.ID, ActorRole: string(auditRole), Payload: canon, PayloadVersion: AuditPayloadVersion, OccurredAt: now, RequestID: RequestID(ctx),
			APIKeyID: actor.KeyID, ClientRequestID: ClientRequestID(ctx),
		})
		if err != nil {
			return err
		}
		out = ev
		if ev.Internal {
			return nil // staff's own files never reach the feed
		}
		fe, err := newFeedEvent(TypeEvidenceAdded, d, "", redactEvidence(ev), now)
		if err != nil {
			return err
		}
		return tx.AddEvent(ctx, fe)
	})
	return out, err
}

// redactEvidence hides which member of staff added a file from the parties.
func redactEvidence(e *Evidence) *Evidence {
	if e.UploaderRole != RoleStaff {
		return e
	}
	cp := *e
	cp.UploadedBy = ""
	return &cp
}

// EvidenceList lists a dispute's files as the actor may see them: staff see
// every file, the parties those that are not internal.
func (s *Service) EvidenceList(ctx context.Context, actor Actor, disputeID string, p Page) ([]*Evidence, error) {
	if s.evidence == nil {
		return nil, errNoEvidenceStore
	}
	d, err := s.Get(ctx, actor, disputeID)
	if err != nil {
		return nil, err
	}
	es, err := s.evidence.EvidenceList(ctx, d.ID, actor.Staff(), p)
	if err != nil {
		return nil, err
	}
	if !actor.Staff() {
		for i, e := range es {
			es[i] = redactEvidence(e)
		}
	}
	return es, nil
}

// Evidence returns one file of a dispute if the actor may see it; internal
// files do not exist for the parties.
func (s *Service) Evidence(ctx context.Context, actor Actor, disputeID, id string) (*Evidence, error) {
	if s.evidence == nil {
		return nil, errNoEvidenceStore
	}
	d, err := s.Get(ctx, actor, disputeID)
	if err != nil {
		return nil, err
	}
	e, err := s.evidence.Evidence(ctx, d.ID, id)
	if err != nil {
		return nil, err
	}
	if actor.Staff() {
		return e, nil
	}
	if e.Internal {
		return nil, NotFound("evidence")
	}
	return redactEvidence(e), nil
}

// EvidenceReferenced reports whether a file that is not purged has the
// content sha256, for the sweeper of blob storage.
func (s *Service) EvidenceReferenced(ctx context.Context, sha256 string) (bool, error) {
	if s.evidence == nil {
		return false, errNoEvidenceStore
	}
	return s.evidence.EvidenceReferenced(ctx, sha256)
}

// purgeBatch bounds the files purged in one round of PurgeEvidence.
const purgeBatch = 200

// PurgeEvidence applies the retention period: the files of disputes closed
// before closedBefore are marked purged, then each content that no file
// still kept refers to is deleted with deleteContent. Rows and audit records
// stay, so the chain still verifies and still names each file's SHA-256. A
// crash between the two steps leaves content that nothing refers to, which
// the sweep of blob storage deletes. It returns how many files it purged.
func (s *Service) PurgeEvidence(ctx context.Context, closedBefore time.Time, deleteContent func(ctx context.Context, sha256 string) error) (int, error) {
	if s.evidence == nil {
		return 0, errNoEvidenceStore
	}
	total := 0
	for {
		es, err := s.evidence.ExpiredEvidence(ctx, closedBefore, purgeBatch)
		if err != nil || len(es) == 0 {
			return total, err
		}
		ids := make([]string, len(es))
		shas := map[string]bool{}
		for i, e := range es {
			ids[i] = e.ID
			shas[e.SHA256] = true
		}
		if err := s.evidence.MarkEvidencePurged(ctx, ids, s.clock()); err != nil {
			return total, err
		}
		total += len(es)
		for sha := range shas {
			kept, err := s.evidence.EvidenceReferenced(ctx, sha)
			if err != nil {
				return total, err
			}
			if kept {
				continue // the same bytes are evidence of another dispute
			}
			if err := deleteContent(ctx, sha); err != nil {
				return total, err
			}
		}
		if len(es) < purgeBatch {
			return total, nil
		}
	}
}
