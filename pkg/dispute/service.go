package dispute

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
)

// Service is the one way in for every change to a dispute: each method runs
// the state machine and then writes the new state, its audit record and any
// message in one transaction.
type Service struct {
	store    Store
	machine  *Machine
	now      func() time.Time
	checkURL func(ctx context.Context, url string) error
	// evidence keeps the files' descriptions, if the store does.
	evidence    EvidenceStore
	evidenceMax int
	// redress and redressCountry name the out-of-court bodies in
	// statements of reasons.
	redress        RedressTable
	redressCountry string
	// strikes says how long strikes count and who is a repeat offender.
	strikes StrikePolicy
	// sequence numbers the feed events of committed transactions.
	sequence *sequencer
}

// Options configure a Service.
type Options struct {
	Deadlines Deadlines
	// Routing sends reasons to teams; nil means the default of lifecycle.md.
	Routing RoutingTable
	// Now is the clock; nil means time.Now. Tests inject their own.
	Now func() time.Time
	// CheckWebhookURL vets a webhook URL before it is registered (scheme,
	// resolved addresses); nil accepts any URL.
	CheckWebhookURL func(ctx context.Context, url string) error
	// OnFired, when set, hears of every committed transition (metrics
	// count them); it runs after the commit and must not block.
	OnFired func(Fired)
	// EvidenceMaxFiles is how many files one dispute may hold; 0 means
	// DefaultEvidenceMaxFiles.
	EvidenceMaxFiles int
	// Redress names the out-of-court dispute settlement bodies per country
	// in statements of reasons; nil means DefaultRedress.
	Redress RedressTable
	// RedressCountry is the country whose bodies statements name, the
	// marketplace's: the service knows no party's address. "" means NL.
	RedressCountry string
	// Strikes says how long strikes stay active and how many make a seller
	// a repeat offender; zero fields take the defaults of lifecycle.md.
	Strikes StrikePolicy
}

// NewService returns a service over store.
func NewService(store Store, opts Options) *Service {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	m := NewMachine(opts.Deadlines)
	if opts.Routing != nil {
		m = m.WithRouting(opts.Routing)
	}
	ev, _ := store.(EvidenceStore)
	evMax := opts.EvidenceMaxFiles
	if evMax <= 0 {
		evMax = DefaultEvidenceMaxFiles
	}
	if opts.OnFired != nil {
		store = observedStore{Store: store, observe: opts.OnFired}
	}
	redress, country := opts.Redress, opts.RedressCountry
	if redress == nil {
		redress = DefaultRedress
	}
	if country == "" {
		country = "NL"
	}
	s := &Service{store: store, machine: m, now: now, checkURL: opts.CheckWebhookURL, redress: redress, redressCountry: country, evidence: ev, evidenceMax: evMax, strikes: opts.Strikes.withDefaults()}
	s.sequence = newSequencer(func(ctx context.Context) { _, _ = s.SequenceEvents(ctx) })
	return s
}

// Machine returns the service's state machine.
func (s *Service) Machine() *Machine { return s.machine }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// UpsertOrder creates or replaces an order as the marketplace's systems
// report it. Only the system role may do this.
func (s *Service) UpsertOrder(ctx context.Context, actor Actor, o Order) (*Order, bool, error) {
	if !actor.Has(RoleSystem) {
		return nil, false, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the marketplace's systems may write orders")
	}
	if err := ValidateOrder(&o); err != nil {
		return nil, false, err
	}
	now := s.clock()
	o.UpdatedAt = now
	if o.DeliveredAt != nil {
		o.DeliveredAt = ptr(o.DeliveredAt.UTC().Truncate(time.Microsecond))
	}
	var created bool
	err := s.tx(ctx, func(tx Tx) error {
		prev, err := tx.Order(ctx, o.ID)
		switch {
		case err == nil:
			o.CreatedAt = prev.CreatedAt
		case ErrorCode(err) == ENOTFOUND:
			o.CreatedAt = now
		default:
			return err
		}
		created, err = tx.UpsertOrder(ctx, &o)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return &o, created, nil
}

// ValidateOrder checks an order's fields.
func ValidateOrder(o *Order) error {
	var fields []FieldError
	if o.BuyerID == "" {
		fields = append(fields, FieldError{Field: "buyer_id", Message: "is required"})
	}
	if o.SellerID == "" {
		fields = append(fields, FieldError{Field: "seller_id", Message: "is required"})
	}
	if o.BuyerID != "" && o.BuyerID == o.SellerID {
		fields = append(fields, FieldError{Field: "seller_id", Message: "must differ from buyer_id"})
	}
	if o.ItemCount < 1 {
		fields = append(fields, FieldError{Field: "item_count", Message: "must be at least 1"})
	}
	if !o.Total.Valid() {
		fields = append(fields, FieldError{Field: "total", Message: "must be a decimal amount and a three-letter currency"})
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Reason: CodeValidationFailed, Message: "the order is invalid", Fields: fields}
	}
	if o.ListingIDs == nil {
		o.ListingIDs = []string{}
	}
	return nil
}

// Open opens a dispute on behalf of the order's buyer.
func (s *Service) Open(ctx context.Context, actor Actor, in OpenInput) (*Dispute, error) {
	now := s.clock()
	var out *Dispute
	err := s.tx(ctx, func(tx Tx) error {
		order, err := tx.LockOrder(ctx, in.OrderID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return err
		}
		var earlier []*Dispute
		if order != nil {
			if earlier, err = tx.DisputesOfOrder(ctx, order.ID); err != nil {
				return err
			}
		}
		ch, err := s.machine.Open(ctx, NewID("dsp", now), order, actor, in, earlier, now)
		if err != nil {
			return err
		}
		if err := tx.CreateDispute(ctx, ch.After); err != nil {
			return err
		}
		if err := tx.IndexText(ctx, SearchText{DisputeID: ch.After.ID, Source: SearchDescription, Language: ch.After.Language,
			Body: ch.After.Description}); err != nil {
			return err
		}
		if err := s.record(ctx, tx, actor, ch, in, now); err != nil {
			return err
		}
		if err := tx.ApplyPartyChange(ctx, PartyChangeOf(nil, ch.After), now); err != nil {
			return err
		}
		out = ch.After
		return nil
	})
	return out, err
}

// Act fires a user event at a dispute. If expectVersion is not nil the
// dispute must still be at that version (If-Match).
func (s *Service) Act(ctx context.Context, actor Actor, id string, cmd Command, expectVersion *int64) (*Dispute, error) {
	var out *Dispute
	err := s.tx(ctx, func(tx Tx) error {
		d, err := tx.LockDispute(ctx, id)
		if err != nil {
			return err
		}
		if !actor.CanSee(d) {
			return NotFound("dispute")
		}
		if expectVersion != nil && *expectVersion != d.Version {
			return Errorf(EPRECONDITION, CodeVersionMismatch, "the dispute is at version %d, not %d", d.Version, *expectVersion)
		}
		out, err = s.apply(ctx, tx, d, actor, cmd)
		return err
	})
	return out, err
}

// Fire fires a system event (a passed deadline) at a dispute.
func (s *Service) Fire(ctx context.Context, id string, e Event) (*Dispute, error) {
	if !slices.Contains(SystemEvents, e) {
		return nil, Errorf(EINVALID, CodeUnknownEvent, "%s is not a system event", e)
	}
	var out *Dispute
	err := s.tx(ctx, func(tx Tx) error {
		d, err := tx.LockDispute(ctx, id)
		if err != nil {
			return err
		}
		out, err = s.apply(ctx, tx, d, SystemActor, Command{Event: e})
		return err
	})
	return out, err
}

// ClaimKind narrows a claim to one kind of queue.
type ClaimKind string

// The kinds of queue a claim may be narrowed to.
const (
	ClaimAny     ClaimKind = ""        // every queue the caller may take from
	ClaimCases   ClaimKind = "cases"   // escalated cases
	ClaimAppeals ClaimKind = "appeals" // appealed cases (senior reviewers)
)

// ClaimInput selects which queues a reviewer claims from.
type ClaimInput struct {
	Team Team // empty: any of the reviewer's teams
	Kind ClaimKind
}

// Claim atomically assigns the caller the next waiting case of its teams:
// two reviewers claiming at once never get the same case. Without a kind it
// takes from every queue the caller may take from (escalated cases, and the
// appeals for senior reviewers) in queue order: priority, then review
// deadline. It returns ErrQueueEmpty when nothing waits.
func (s *Service) Claim(ctx context.Context, actor Actor, in ClaimInput) (*Dispute, error) {
	if !actor.Staff() {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff may claim cases")
	}
	teams := actor.Teams
	if in.Team != "" {
		if !actor.InTeam(in.Team) && !actor.Has(RoleAdmin) {
			return nil, Errorf(EFORBIDDEN, CodeNotTeamMember, "you are not a member of team %s", in.Team)
		}
		teams = []Team{in.Team}
	}
	if len(teams) == 0 {
		return nil, Errorf(EFORBIDDEN, CodeNotTeamMember, "you belong to no team")
	}
	takesAppeals := actor.Has(RoleSeniorReviewer)
	// Cases of which the caller is a party are skipped, not refused: the
	// next one is theirs to take. So are appeals of cases they decided.
	f := QueueFilter{Teams: teams, ExcludeParty: actor.ID, ExcludeDecidedBy: actor.ID, Limit: 1}
	switch in.Kind {
	case ClaimAny:
		f.States = []State{StateEscalated}
		if takesAppeals {
			f.States = append(f.States, StateAppealed)
		}
	case ClaimCases:
		f.States = []State{StateEscalated}
	case ClaimAppeals:
		if !takesAppeals {
			return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only senior reviewers take appeals")
		}
		f.States = []State{StateAppealed}
	default:
		return nil, Invalid(CodeValidationFailed, "kind", "must be cases or appeals")
	}
	var out *Dispute
	err := s.tx(ctx, func(tx Tx) error {
		d, err := tx.LockNextQueued(ctx, f)
		if err != nil {
			return err
		}
		cmd := Command{Event: EventAssign}
		if d.State == StateAppealed {
			cmd = Command{Event: EventAssignAppeal}
		}
		out, err = s.apply(ctx, tx, d, actor, cmd)
		return err
	})
	return out, err
}

// apply runs the machine on a locked dispute and writes the result, its audit
// record and its message. It reads what the event's rules need first.
func (s *Service) apply(ctx context.Context, tx Tx, d *Dispute, actor Actor, cmd Command) (*Dispute, error) {
	var facts Facts
	var err error
	if needsOrder(cmd) {
		if facts.Order, err = tx.Order(ctx, d.OrderID); err != nil {
			return nil, err
		}
	}
	if needsInstructions(cmd.Event) {
		if facts.Instructions, err = tx.Instructions(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	return s.applyWith(ctx, tx, d, facts, actor, cmd)
}

// applyWith is apply with the facts already read.
func (s *Service) applyWith(ctx context.Context, tx Tx, d *Dispute, facts Facts, actor Actor, cmd Command) (*Dispute, error) {
	now := s.clock()
	if queuesCase(cmd.Event) {
		// A repeat offender's case is queued first (the settlement
		// taken over after a failed remedy included).
		n, err := tx.ActiveStrikes(ctx, d.SellerID, s.strikes.ActiveSince(now))
		if err != nil {
			return nil, err
		}
		facts.SellerRepeatOffender = s.strikes.IsRepeatOffender(n)
	}
	ch, err := s.machine.Apply(ctx, d, facts, actor, cmd, now)
	if err != nil {
		return nil, err
	}
	if err := tx.UpdateDispute(ctx, ch.After, d.Version); err != nil {
		return nil, err
	}
	party := PartyChangeOf(d, ch.After)
	var payload any = cmd
	if cmd.Event == EventDecide || cmd.Event == EventDecideAppeal {
		payload = DecisionInput{Command: cmd, Given: party.Given, Removed: party.Removed}
	}
	if err := s.record(ctx, tx, actor, ch, payload, now); err != nil {
		return nil, err
	}
	if err := tx.ApplyPartyChange(ctx, party, now); err != nil {
		return nil, err
	}
	if err := indexReasons(ctx, tx, d, ch.After); err != nil {
		return nil, err
	}
	if ch.Message != nil {
		ch.Message.ID = NewID("msg", now)
		if err := tx.AddMessage(ctx, ch.Message); err != nil {
			return nil, err
		}
		if err := indexMessage(ctx, tx, ch.After, ch.Message); err != nil {
			return nil, err
		}
	}
	issued, err := s.issueInstructions(ctx, tx, ch, facts.Instructions, now)
	if err != nil {
		return nil, err
	}
	if err := s.issueStatements(ctx, tx, ch, now); err != nil {
		return nil, err
	}
	if settled(ch.After) && ch.After.State == StateResolved && issued == 0 {
		// A settlement with nothing to carry out (no action) is complete.
		return s.applyWith(ctx, tx, ch.After, Facts{Instructions: []*Instruction{}}, SystemActor, Command{Event: EventClose})
	}
	return ch.After, nil
}

// needsOrder reports whether an event's rules or effects read the order:
// remedies are checked against its total and listings (an offer also when
// accepted: the order may have changed), and a case entering a review queue
// gets a deadline from its value. Other events skip the read.
func needsOrder(cmd Command) bool {
	switch cmd.Event {
	case EventSellerReply:
		return cmd.Offer != nil
	case EventAcceptOffer, EventDecide, EventDecideAppeal, EventEscalate, EventAutoEscalate, EventAppeal, EventSettlementFailed:
		return true
	}
	return false
}

// queuesCase reports whether an event may put a case into the escalated
// queue, where a repeat offender's case gets the highest priority.
func queuesCase(e Event) bool {
	switch e {
	case EventEscalate, EventAutoEscalate, EventSettlementFailed:
		return true
	}
	return false
}

// needsInstructions reports whether an event reads the remedy instructions
// issued so far: a settlement closes once they are executed and is taken
// over when one failed; a decision after a failed settlement, and an appeal
// verdict, keep or revert those in force.
func needsInstructions(e Event) bool {
	switch e {
	case EventClose, EventSettlementFailed, EventDecide, EventDecideAppeal:
		return true
	}
	return false
}

func (s *Service) record(ctx context.Context, tx Tx, actor Actor, ch *Change, payload any, now time.Time) error {
	canon, err := AuditPayload(payload)
	if err != nil {
		return err
	}
	rec, err := tx.AppendAudit(ctx, audit.Entry{
		DisputeID: ch.After.ID, Event: string(ch.Event), FromState: string(ch.From), ToState: string(ch.To),
		ActorID: actor.ID, ActorRole: string(ch.Role), Payload: canon, PayloadVersion: AuditPayloadVersion, OccurredAt: now, RequestID: RequestID(ctx),
		APIKeyID: actor.KeyID, ClientRequestID: ClientRequestID(ctx),
	})
	if err != nil {
		return err
	}
	if re, ok := ReportEventOf(ch, rec.Seq, now); ok {
		if err := tx.AddReportEvent(ctx, re); err != nil {
			return err
		}
	}
	noteTransition(tx, ch, now)
	fe, err := newFeedEvent(EventTypes[ch.Event], ch.After, ch.Event, nil, now)
	if err != nil {
		return err
	}
	return tx.AddEvent(ctx, fe)
}

// PartyLanguage is the language of dispute id when the actor is its buyer
// or its seller, else "": the language a refusal concerning the dispute is
// written in for a party whose request names no language it reads.
func (s *Service) PartyLanguage(ctx context.Context, actor Actor, id string) string {
	if actor.ID == "" {
		return ""
	}
	d, err := s.store.Dispute(ctx, id)
	if err != nil || (d.BuyerID != actor.ID && d.SellerID != actor.ID) {
		return ""
	}
	return d.Language
}

// Get returns a dispute the caller may see, as the caller may see it.
func (s *Service) Get(ctx context.Context, actor Actor, id string) (*Dispute, error) {
	d, err := s.store.Dispute(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.CanSee(d) {
		return nil, NotFound("dispute")
	}
	return Redact(d, actor), nil
}

// Redact returns the dispute as the actor may see it: parties never learn
// which reviewer handles or decided their case.
func Redact(d *Dispute, actor Actor) *Dispute {
	if actor.Staff() || actor.Has(RoleSystem) {
		return d
	}
	cp := *d
	cp.AssigneeID = ""
	p := d.PartyOf(actor.ID)
	if cp.Outcome != nil {
		o := *cp.Outcome
		o.DecidedBy = ""
		o.Remedies = concerning(o.Remedies, p)
		cp.Outcome = &o
	}
	if cp.Appeal != nil {
		a := *cp.Appeal
		a.DecidedBy = ""
		a.Remedies = concerning(a.Remedies, p)
		a.Reverted = concerning(a.Reverted, p)
		cp.Appeal = &a
	}
	return &cp
}

// concerning keeps the remedies that concern the party: never a referral to
// the authorities, and never the other party's account measures.
func concerning(rs []Remedy, p Party) []Remedy {
	var out []Remedy
	for _, r := range rs {
		if (&Instruction{Remedy: r}).Concerns(p) || r.Type == RemedyNoAction {
			out = append(out, r)
		}
	}
	return out
}

// MayAct returns the refusal that event e on dispute id would meet whatever
// its payload: 404 for a dispute the caller may not see, then the checks of
// the caller, the state and the caller's place in the case, in the order of
// every action (docs/decisions.md, "Error precedence"). A request whose body
// is refused is answered with this refusal first, so that the payload is
// judged last.
func (s *Service) MayAct(ctx context.Context, actor Actor, id string, e Event) error {
	d, err := s.store.Dispute(ctx, id)
	if err != nil {
		return err
	}
	if !actor.CanSee(d) {
		return NotFound("dispute")
	}
	return s.machine.Check(ctx, d, actor, e, s.clock())
}

// AllowedActions returns the events the actor may fire at d now.
func (s *Service) AllowedActions(ctx context.Context, actor Actor, d *Dispute) []Event {
	return s.machine.Allowed(ctx, d, actor, s.clock())
}

// List returns disputes the caller may see: staff and systems see all, the
// parties their own.
func (s *Service) List(ctx context.Context, actor Actor, f Filter) ([]*Dispute, error) {
	if !actor.Staff() && !actor.Has(RoleSystem) {
		if len(f.AssigneeIDs) > 0 {
			// Parties never learn who reviews their case.
			return nil, Invalid(CodeInvalidFilter, "assignee", "only staff may filter by assignee")
		}
		f.PartyID, f.SellerOnly = actor.ID, actor.KeyID != ""
	}
	f, err := searchFilter(actor, f)
	if err != nil {
		return nil, err
	}
	ds, err := s.store.Disputes(ctx, f)
	if err != nil {
		return nil, err
	}
	for i, d := range ds {
		ds[i] = Redact(d, actor)
	}
	return ds, nil
}

// Queue lists the cases waiting in a team's queues.
func (s *Service) Queue(ctx context.Context, actor Actor, f QueueFilter) ([]*Dispute, error) {
	if !actor.Staff() {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff see queues")
	}
	if len(f.States) == 0 {
		f.States = []State{StateEscalated, StateAppealed}
	}
	return s.store.Queue(ctx, f)
}

// QueueCounts returns, per team and state, how many cases wait and how long
// the oldest has waited.
func (s *Service) QueueCounts(ctx context.Context, actor Actor, teams []Team, states []State) ([]QueueCount, error) {
	if !actor.Staff() {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff see queues")
	}
	if len(states) == 0 {
		states = []State{StateEscalated, StateAppealed}
	}
	counts, err := s.store.QueueCounts(ctx, teams, states)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	for i := range counts {
		counts[i].OldestWaitSeconds = int64(now.Sub(counts[i].Oldest) / time.Second)
	}
	return counts, nil
}

// Messages returns the conversation; internal notes only to staff.
func (s *Service) Messages(ctx context.Context, actor Actor, id string, p Page) ([]*Message, error) {
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.Messages(ctx, d.ID, actor.Staff(), p)
	if err != nil {
		return nil, err
	}
	if !actor.Staff() {
		for i, m := range ms {
			ms[i] = redactMessage(m)
		}
	}
	return ms, nil
}

// AuthorPlatform is the author role parties see on a staff message: they
// learn that the platform wrote, never which member of staff, nor their rank.
const AuthorPlatform Role = "platform"

// redactMessage hides which member of staff wrote a message, and their role,
// from the parties.
func redactMessage(m *Message) *Message {
	if m.AuthorRole == RoleBuyer || m.AuthorRole == RoleSeller {
		return m
	}
	cp := *m
	cp.AuthorID, cp.AuthorRole = "", AuthorPlatform
	return &cp
}

// PostMessage adds a message to a dispute's conversation. Only staff may post
// internal notes; nobody may post to a closed dispute.
func (s *Service) PostMessage(ctx context.Context, actor Actor, id, body string, internal bool) (*Message, error) {
	body = strings.TrimSpace(body)
	var out *Message
	err := s.tx(ctx, func(tx Tx) error {
		d, err := tx.LockDispute(ctx, id)
		if err != nil {
			return err
		}
		if !actor.CanSee(d) {
			return NotFound("dispute")
		}
		role := Role(d.PartyOf(actor.ID))
		switch {
		case actor.Staff():
			role = actor.staffRole()
			if !internal && !actor.MayAddressParties(d) {
				return Errorf(EFORBIDDEN, CodeNotTeamMember, "only the case's team (%s), its assignee, the team's leads and admins may write to the parties; add an internal note instead", d.Team)
			}
		case role == "":
			return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only the parties and staff may write messages")
		case internal:
			return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only staff may write internal notes")
		}
		if d.State == StateClosed {
			return Errorf(ECONFLICT, CodeInvalidState, "the dispute is closed")
		}
		// The text is judged last, as every body is.
		if body == "" {
			return Invalid(CodeMessageRequired, "message", "must not be empty or only white space")
		}
		now := s.clock()
		out = &Message{ID: NewID("msg", now), DisputeID: d.ID, AuthorID: actor.ID, AuthorRole: role, Body: body, Internal: internal, CreatedAt: now}
		if err := tx.AddMessage(ctx, out); err != nil {
			return err
		}
		if err := indexMessage(ctx, tx, d, out); err != nil {
			return err
		}
		if internal {
			return nil // staff notes never reach the feed
		}
		fe, err := newFeedEvent(TypeMessageCreated, d, "", redactMessage(out), now)
		if err != nil {
			return err
		}
		return tx.AddEvent(ctx, fe)
	})
	return out, err
}

// Audit returns a dispute's audit chain; staff only.
func (s *Service) Audit(ctx context.Context, actor Actor, id string) ([]audit.Record, error) {
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !actor.Staff() {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff may read the audit log")
	}
	return s.store.AuditRecords(ctx, d.ID)
}

// VerifyAudit recomputes a dispute's chain and reports whether it is intact.
func (s *Service) VerifyAudit(ctx context.Context, actor Actor, id string) (audit.Verification, error) {
	rs, err := s.Audit(ctx, actor, id)
	if err != nil {
		return audit.Verification{}, err
	}
	return audit.Verify(rs), nil
}

// Order returns an order to the marketplace's systems and to staff; for
// anyone else it does not exist.
func (s *Service) Order(ctx context.Context, actor Actor, id string) (*Order, error) {
	if !actor.Has(RoleSystem) && !actor.Staff() {
		return nil, NotFound("order")
	}
	return s.store.Order(ctx, id)
}
