package dispute

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/looplab/fsm"
)

// Deadlines are the lifecycle's time limits. Zero values take the defaults.
type Deadlines struct {
	SellerResponse time.Duration // seller's time to answer an opened dispute
	BuyerResponse  time.Duration // buyer's time to answer the seller
	InfoResponse   time.Duration // a party's time to answer a reviewer, unless the reviewer says otherwise
	AppealWindow   time.Duration // appeal window after platform decisions that restrict nobody
	// AppealWindowRestrictiveMonths is the appeal window, in calendar months,
	// after outcomes that restrict a user (the EU Digital Services Act asks
	// for at least six).
	AppealWindowRestrictiveMonths int
	// Review and ReviewSafety are the platform's target times to decide a
	// queued case (or appeal), for safety cases and for the others.
	Review       time.Duration
	ReviewSafety time.Duration
}

// DefaultDeadlines are the defaults of lifecycle.md.
var DefaultDeadlines = Deadlines{
	SellerResponse:                72 * time.Hour,
	BuyerResponse:                 72 * time.Hour,
	InfoResponse:                  72 * time.Hour,
	AppealWindow:                  14 * 24 * time.Hour,
	AppealWindowRestrictiveMonths: 6,
	Review:                        72 * time.Hour,
	ReviewSafety:                  24 * time.Hour,
}

func (d Deadlines) withDefaults() Deadlines {
	if d.SellerResponse <= 0 {
		d.SellerResponse = DefaultDeadlines.SellerResponse
	}
	if d.BuyerResponse <= 0 {
		d.BuyerResponse = DefaultDeadlines.BuyerResponse
	}
	if d.InfoResponse <= 0 {
		d.InfoResponse = DefaultDeadlines.InfoResponse
	}
	if d.AppealWindow <= 0 {
		d.AppealWindow = DefaultDeadlines.AppealWindow
	}
	if d.AppealWindowRestrictiveMonths <= 0 {
		d.AppealWindowRestrictiveMonths = DefaultDeadlines.AppealWindowRestrictiveMonths
	}
	if d.Review <= 0 {
		d.Review = DefaultDeadlines.Review
	}
	if d.ReviewSafety <= 0 {
		d.ReviewSafety = DefaultDeadlines.ReviewSafety
	}
	return d
}

// Transition is one row of the lifecycle: an event, the states it may fire
// from and the state it leads to. Name is the state machine's own key (it
// differs from Event only where one event has two destinations).
type Transition struct {
	Name  string
	Event Event
	From  []State
	To    State
	Label string // how the diagram labels the arrow
}

// preResolution are the states a buyer may withdraw from.
var preResolution = []State{StateAwaitingSeller, StateAwaitingBuyer, StateEscalated, StateUnderReview, StateAwaitingInfo}

// Transitions is the definition of the state machine, in lifecycle order. The
// looplab/fsm machine and the diagram in docs/state-machine.md are both
// built from it.
var Transitions = []Transition{
	{Name: "open", Event: EventOpen, From: []State{StateNew}, To: StateAwaitingSeller},
	{Name: "open_safety", Event: EventOpen, From: []State{StateNew}, To: StateEscalated, Label: "open (safety reason)"},
	{Name: "seller_reply", Event: EventSellerReply, From: []State{StateAwaitingSeller}, To: StateAwaitingBuyer},
	{Name: "buyer_reply", Event: EventBuyerReply, From: []State{StateAwaitingBuyer}, To: StateAwaitingSeller},
	{Name: "accept_offer", Event: EventAcceptOffer, From: []State{StateAwaitingBuyer}, To: StateResolved},
	{Name: "accept_claim", Event: EventAcceptClaim, From: []State{StateAwaitingSeller, StateAwaitingBuyer}, To: StateResolved},
	{Name: "escalate", Event: EventEscalate, From: []State{StateAwaitingSeller, StateAwaitingBuyer}, To: StateEscalated},
	{Name: "auto_escalate", Event: EventAutoEscalate, From: []State{StateAwaitingSeller}, To: StateEscalated},
	{Name: "lapse", Event: EventLapse, From: []State{StateAwaitingBuyer}, To: StateClosed},
	{Name: "withdraw", Event: EventWithdraw, From: preResolution, To: StateClosed},
	{Name: "assign", Event: EventAssign, From: []State{StateEscalated}, To: StateUnderReview},
	{Name: "release", Event: EventRelease, From: []State{StateUnderReview}, To: StateEscalated},
	{Name: "request_info", Event: EventRequestInfo, From: []State{StateUnderReview}, To: StateAwaitingInfo},
	{Name: "provide_info", Event: EventProvideInfo, From: []State{StateAwaitingInfo}, To: StateUnderReview},
	{Name: "info_timeout", Event: EventInfoTimeout, From: []State{StateAwaitingInfo}, To: StateUnderReview},
	{Name: "decide", Event: EventDecide, From: []State{StateUnderReview}, To: StateResolved},
	{Name: "appeal", Event: EventAppeal, From: []State{StateResolved}, To: StateAppealed},
	{Name: "assign_appeal", Event: EventAssignAppeal, From: []State{StateAppealed}, To: StateAppealReview},
	{Name: "release_appeal", Event: EventReleaseAppeal, From: []State{StateAppealReview}, To: StateAppealed},
	{Name: "decide_appeal", Event: EventDecideAppeal, From: []State{StateAppealReview}, To: StateClosed},
	{Name: "close", Event: EventClose, From: []State{StateResolved}, To: StateClosed},
	{Name: "settlement_failed", Event: EventSettlementFailed, From: []State{StateResolved}, To: StateEscalated},
}

var fsmEvents = func() fsm.Events {
	evs := make(fsm.Events, 0, len(Transitions))
	for _, t := range Transitions {
		src := make([]string, len(t.From))
		for i, s := range t.From {
			src[i] = string(s)
		}
		evs = append(evs, fsm.EventDesc{Name: t.Name, Src: src, Dst: string(t.To)})
	}
	return evs
}()

type transitionKey struct {
	name  string
	state State
}

// firesFrom says from which states each state-machine event fires.
var firesFrom = func() map[transitionKey]bool {
	m := map[transitionKey]bool{}
	for _, t := range Transitions {
		for _, f := range t.From {
			m[transitionKey{t.Name, f}] = true
		}
	}
	return m
}()

// Machine applies events to disputes: it checks who may fire them, runs the
// state machine and its guards, and computes the new dispute.
type Machine struct {
	deadlines Deadlines
	routing   RoutingTable
}

// NewMachine returns a machine with the given deadlines (zero fields default)
// and the default routing.
func NewMachine(d Deadlines) *Machine {
	return &Machine{deadlines: d.withDefaults(), routing: DefaultRouting()}
}

// WithRouting returns the machine routing reasons by rt; reasons rt lacks
// keep their default team.
func (m *Machine) WithRouting(rt RoutingTable) *Machine {
	cp := *m
	cp.routing = DefaultRouting()
	maps.Copy(cp.routing, rt)
	return &cp
}

// Deadlines returns the machine's effective deadlines.
func (m *Machine) Deadlines() Deadlines { return m.deadlines }

// Facts are what an event's rules may need to know beyond the dispute
// itself. The service reads only what the event needs (see needsOrder and
// needsInstructions); a nil field means "not read".
type Facts struct {
	// Order is the dispute's order as it is now: remedies are checked
	// against its total, currency and listings.
	Order *Order
	// Instructions are the remedy instructions issued for the dispute so
	// far, with what the marketplace reported on them.
	Instructions []*Instruction
	// SellerRepeatOffender says that the seller is a repeat offender (read
	// for the events that put a case into the review queue): the case is
	// queued in the highest priority class.
	SellerRepeatOffender bool
}

// step is one event in flight: what the guards and effects see.
type step struct {
	d     *Dispute // a copy; effects write to it
	order *Order
	// instructions are the dispute's remedy instructions (Facts).
	instructions []*Instruction
	// repeatOffender is Facts.SellerRepeatOffender.
	repeatOffender bool
	actor          Actor
	cmd            Command
	now            time.Time
	role           Role // the role the actor acts as
	dry            bool // only check who and when, not the payload (allowed_actions)
}

// Change is the result of an accepted event.
type Change struct {
	Event   Event
	From    State
	To      State
	Role    Role     // the role the actor acted as
	Before  *Dispute // the dispute before the event (nil for open)
	After   *Dispute
	Message *Message // the message the event posted, if any
}

// Apply fires cmd at dispute d on behalf of actor. It returns the change
// without modifying d, or an *Error saying why the event is refused. facts
// carry what the event's rules read beyond the dispute (the order, the
// remedy instructions).
func (m *Machine) Apply(ctx context.Context, d *Dispute, facts Facts, actor Actor, cmd Command, now time.Time) (*Change, error) {
	now = now.UTC().Truncate(time.Microsecond)
	cp := clone(d)
	s := &step{d: cp, order: facts.Order, instructions: facts.Instructions, repeatOffender: facts.SellerRepeatOffender, actor: actor, cmd: cmd, now: now}
	if err := m.fire(ctx, s, string(cmd.Event)); err != nil {
		return nil, err
	}
	cp.Version = d.Version + 1
	cp.UpdatedAt = now
	return &Change{Event: cmd.Event, From: d.State, To: cp.State, Role: s.role, Before: d, After: cp, Message: s.message()}, nil
}

// Open creates a dispute for order on behalf of the buyer. earlier are the
// disputes opened on the order before, in any state.
func (m *Machine) Open(ctx context.Context, id string, order *Order, actor Actor, in OpenInput, earlier []*Dispute, now time.Time) (*Change, error) {
	now = now.UTC().Truncate(time.Microsecond)
	if order == nil {
		return nil, Errorf(ENOTFOUND, CodeOrderNotFound, "order %s not found", in.OrderID)
	}
	if actor.ID != order.BuyerID || actor.KeyID != "" {
		// API keys act for sellers; buyers open disputes signed in.
		// Only the order's buyer may open; anyone else learns nothing about it.
		return nil, Errorf(ENOTFOUND, CodeOrderNotFound, "order %s not found", in.OrderID)
	}
	if err := validateOpen(in, order); err != nil {
		return nil, err
	}
	if err := oncePerOutcome(order.ID, earlier); err != nil {
		return nil, err
	}
	team := m.routing[in.Reason]
	items := in.ItemCount
	if items == 0 {
		items = order.ItemCount
	}
	d := &Dispute{
		ID: id, OrderID: order.ID, BuyerID: order.BuyerID, SellerID: order.SellerID,
		Reason: in.Reason, Team: team, Description: strings.TrimSpace(in.Description),
		Language: in.Language, ItemCount: items, State: StateNew,
		Priority: Priority(in.Reason), CreatedAt: now, UpdatedAt: now,
	}
	name := "open"
	if in.Reason.Safety() {
		name = "open_safety"
	}
	s := &step{d: d, order: order, actor: actor, cmd: Command{Event: EventOpen}, now: now, role: RoleBuyer}
	f := fsm.NewFSM(string(StateNew), fsmEvents, fsm.Callbacks{})
	if err := f.Event(ctx, name); err != nil {
		return nil, translate(err)
	}
	d.State = State(f.Current())
	m.effects(s)
	d.Version = 1
	return &Change{Event: EventOpen, From: StateNew, To: d.State, Role: RoleBuyer, After: d}, nil
}

// maxDisputesPerOrder is how many disputes an order may have: one, and one
// more after the first was withdrawn or lapsed.
const maxDisputesPerOrder = 2

// oncePerOutcome is the rule "one dispute per order and outcome": once a
// dispute on the order was decided or settled there is no second one (the
// outcome, a refund say, was given); while one is open there is no other;
// after a withdrawal or a lapse the buyer may open once more.
func oncePerOutcome(orderID string, earlier []*Dispute) error {
	for _, d := range earlier {
		if d.Outcome != nil && (d.Outcome.Kind == OutcomeDecided || d.Outcome.Kind == OutcomeSettled) {
			return Errorf(ECONFLICT, CodeOrderAlreadyDisputed, "order %s was already the subject of dispute %s, which was %s; an order gets one outcome", orderID, d.ID, d.Outcome.Kind)
		}
	}
	for _, d := range earlier {
		if d.State != StateClosed {
			return Errorf(ECONFLICT, CodeActiveDisputeExists, "order %s already has an active dispute (%s)", orderID, d.ID)
		}
	}
	if len(earlier) >= maxDisputesPerOrder {
		return Errorf(ECONFLICT, CodeOrderAlreadyDisputed, "order %s already had %d disputes; after a withdrawal or a lapse a dispute may be opened once more, not again", orderID, len(earlier))
	}
	return nil
}

func validateOpen(in OpenInput, order *Order) error {
	var fields []FieldError
	if !in.Reason.Valid() {
		fields = append(fields, FieldError{Field: "reason", Message: "unknown reason"})
	}
	if !slices.Contains(Languages, in.Language) {
		fields = append(fields, FieldError{Field: "language", Message: "must be one of " + strings.Join(Languages, ", ")})
	}
	if strings.TrimSpace(in.Description) == "" {
		fields = append(fields, FieldError{Field: "description", Message: "is required"})
	}
	if in.ItemCount < 0 || (order != nil && in.ItemCount > order.ItemCount) {
		fields = append(fields, FieldError{Field: "item_count", Message: "must be between 1 and the order's item count"})
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Reason: CodeValidationFailed, Message: "the dispute cannot be opened as given", Fields: fields}
	}
	return nil
}

// Allowed returns the user events actor may fire at d now, judged on who the
// actor is, the state, and the deadlines, not on any payload.
func (m *Machine) Allowed(ctx context.Context, d *Dispute, actor Actor, now time.Time) []Event {
	var out []Event
	// A dry step runs no transition and no effect, and the checks only
	// read the dispute: one step, on one copy, serves every event.
	var s *step
	for _, e := range UserEvents {
		// An event that does not fire from the state is refused whoever
		// asks (see fire): it is left out before it is judged.
		if !firesFrom[transitionKey{string(e), d.State}] {
			continue
		}
		if s == nil {
			s = &step{d: clone(d), actor: actor, now: now.UTC(), dry: true}
		}
		s.cmd, s.role = Command{Event: e}, ""
		if m.fire(ctx, s, string(e)) == nil {
			out = append(out, e)
		}
	}
	return out
}

// Check judges whether actor may fire e at d now as Allowed does, on who
// the actor is, the state and the deadlines, not on any payload, and
// returns the refusal the event would meet, or nil.
func (m *Machine) Check(ctx context.Context, d *Dispute, actor Actor, e Event, now time.Time) error {
	return m.fire(ctx, &step{d: clone(d), actor: actor, now: now.UTC(), dry: true, cmd: Command{Event: e}}, string(e))
}

// fire checks the caller's credentials, then whether the state allows the
// event, then the caller's place in the case (see rule for the order), and
// runs the looplab/fsm machine whose before-event callback runs the guards;
// effects follow a successful transition.
func (m *Machine) fire(ctx context.Context, s *step, name string) error {
	r, ok := rules[Event(name)]
	if !ok || Event(name) == EventOpen {
		return Errorf(EINVALID, CodeUnknownEvent, "unknown event %q", name)
	}
	if caller := callerCheck(Event(name)); caller != nil {
		if err := caller(s.actor); err != nil {
			return err
		}
	}
	// The same definition the looplab/fsm machine is built from says which
	// states the event fires from; checking it first keeps "not now" ahead
	// of "not you".
	if !firesFrom[transitionKey{name, s.d.State}] {
		if r.unavailable != nil {
			if err := r.unavailable(m, s); err != nil {
				return err
			}
		}
		return Errorf(ECONFLICT, CodeInvalidState, "%s is not possible in state %s", name, s.d.State)
	}
	if r.reviews {
		if err := conflictOfInterest(s); err != nil {
			return err
		}
	}
	role, err := r.who(s)
	if err != nil {
		return err
	}
	if !MayFireAs(Event(name), role) {
		return Errorf(EFORBIDDEN, CodeRoleNotPermitted, "%s may not be fired as %s", name, role)
	}
	s.role = role
	if s.dry {
		// Judging what could be fired needs no transition.
		if r.when != nil {
			return r.when(m, s)
		}
		return nil
	}
	var guardErr error
	f := fsm.NewFSM(string(s.d.State), fsmEvents, fsm.Callbacks{
		"before_event": func(_ context.Context, e *fsm.Event) {
			if r.when != nil {
				if guardErr = r.when(m, s); guardErr != nil {
					e.Cancel(guardErr)
					return
				}
			}
			if !s.dry && r.input != nil {
				if guardErr = r.input(m, s); guardErr != nil {
					e.Cancel(guardErr)
				}
			}
		},
	})
	if err := f.Event(ctx, name); err != nil {
		if guardErr != nil {
			return guardErr
		}
		return translate(err)
	}
	if s.dry {
		return nil
	}
	s.d.State = State(f.Current())
	m.effects(s)
	return nil
}

func translate(err error) error {
	var invalid fsm.InvalidEventError
	if errors.As(err, &invalid) {
		return Errorf(ECONFLICT, CodeInvalidState, "%s is not possible in state %s", invalid.Event, invalid.State)
	}
	var unknown fsm.UnknownEventError
	if errors.As(err, &unknown) {
		return Errorf(EINVALID, CodeUnknownEvent, "unknown event %q", unknown.Event)
	}
	return err
}

func clone(d *Dispute) *Dispute {
	cp := *d
	return &cp
}

func (m *Machine) appealDue(now time.Time, rs []Remedy) time.Time {
	if restrictive(rs) {
		return now.AddDate(0, m.deadlines.AppealWindowRestrictiveMonths, 0)
	}
	return now.Add(m.deadlines.AppealWindow)
}

func ptr[T any](v T) *T { return &v }
