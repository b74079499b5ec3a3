package history_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/history"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

var _ history.Lister = (*store.DB)(nil)

// manualClock is the service's clock: it moves only when a worker moves it,
// and never backwards.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// stressDeadlines differ from the defaults, so the checker must be given the
// service's own.
var stressDeadlines = dispute.Deadlines{
	SellerResponse: 48 * time.Hour, BuyerResponse: 36 * time.Hour, InfoResponse: 24 * time.Hour,
	AppealWindow: 10 * 24 * time.Hour, AppealWindowRestrictiveMonths: 2,
}

// stress is the world of the concurrency test: parties, staff, orders and
// the disputes opened on them.
type stress struct {
	svc    *dispute.Service
	db     *store.DB
	clock  *manualClock
	staff  []dispute.Actor
	actors []dispute.Actor // everyone, strangers included

	mu       sync.Mutex
	orders   []string
	disputes []string
	parties  map[string][2]dispute.Actor // order id → buyer, seller

	accepted, refused atomic.Int64
}

// unexpected reports whether err is anything but a refusal the API would
// answer with a 4xx.
func unexpected(err error) bool {
	switch dispute.ErrorCode(err) {
	case "", dispute.EINVALID, dispute.EFORBIDDEN, dispute.ENOTFOUND, dispute.ECONFLICT, dispute.EPRECONDITION:
		return false
	}
	return true
}

func newStress(t *testing.T, db *store.DB) *stress {
	t.Helper()
	clk := &manualClock{now: time.Date(2025, time.May, 5, 8, 0, 0, 987654321, time.UTC)}
	s := &stress{
		svc:     dispute.NewService(db, dispute.Options{Deadlines: stressDeadlines, Now: clk.Now}),
		db:      db,
		clock:   clk,
		parties: map[string][2]dispute.Actor{},
	}
	s.staff = []dispute.Actor{
		staffer("st_rev1", dispute.RoleReviewer), staffer("st_rev2", dispute.RoleReviewer),
		staffer("st_sen1", dispute.RoleSeniorReviewer), staffer("st_sen2", dispute.RoleSeniorReviewer),
		staffer("st_lead", dispute.RoleLead), {ID: "st_admin", Roles: []dispute.Role{dispute.RoleAdmin}},
		{ID: "st_logistics", Roles: []dispute.Role{dispute.RoleReviewer}, Teams: []dispute.Team{dispute.TeamLogistics}},
	}
	s.actors = append(slices.Clone(s.staff), dispute.Actor{ID: "usr_nobody"}, dispute.SystemActor)
	reasons := []dispute.Reason{
		dispute.ReasonItemNotReceived, dispute.ReasonItemDamaged, dispute.ReasonReturnIssue, dispute.ReasonItemNotAsDescribed,
		dispute.ReasonCounterfeit, dispute.ReasonFraud, dispute.ReasonPaymentIssue, dispute.ReasonOther,
	}
	for i := range 12 {
		b := dispute.Actor{ID: fmt.Sprintf("usr_b%d", i%4)}
		sl := dispute.Actor{ID: fmt.Sprintf("usr_s%d", i%3)}
		if i < 4 {
			s.actors = append(s.actors, b)
		}
		if i < 3 {
			s.actors = append(s.actors, sl)
		}
		oid := fmt.Sprintf("ord_%02d", i)
		if _, _, err := s.svc.UpsertOrder(t.Context(), dispute.SystemActor, dispute.Order{
			ID: oid, BuyerID: b.ID, SellerID: sl.ID, ListingIDs: []string{"lst_" + oid}, ItemCount: 3,
			Total: dispute.Money{Amount: "150.00", Currency: "EUR"},
		}); err != nil {
			t.Fatalf("order %s: %v", oid, err)
		}
		s.orders = append(s.orders, oid)
		s.parties[oid] = [2]dispute.Actor{b, sl}
		d, err := s.svc.Open(t.Context(), b, dispute.OpenInput{OrderID: oid, Reason: reasons[i%len(reasons)], Description: "Trouble.", Language: "en"})
		if err != nil {
			t.Fatalf("open on %s: %v", oid, err)
		}
		s.disputes = append(s.disputes, d.ID)
	}
	return s
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// command returns a payload for e: mostly valid, sometimes not.
func (s *stress) command(r *rand.Rand, e dispute.Event, listing string) dispute.Command {
	cmd := dispute.Command{Event: e}
	bad := r.IntN(6) == 0
	if bad {
		switch r.IntN(3) {
		case 0:
			return cmd // the empty payload, which most events refuse
		case 1:
			cmd.Remedies = []dispute.Remedy{{Type: dispute.RemedyNoAction}, {Type: dispute.RemedyRefundFull}}
			cmd.Rationale, cmd.PolicyRefs, cmd.FavouredParty = "x", []string{"p"}, dispute.PartySeller
			return cmd
		}
	}
	someRemedies := func() []dispute.Remedy {
		switch r.IntN(5) {
		case 0:
			return []dispute.Remedy{{Type: dispute.RemedyRefundFull}}
		case 1:
			return []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "12.50", Currency: "EUR"}}}
		case 2:
			return []dispute.Remedy{{Type: dispute.RemedyListingRemoval, ListingID: listing}, {Type: dispute.RemedyRefundFull}}
		case 3:
			return []dispute.Remedy{{Type: dispute.RemedyAccountRestriction, Party: dispute.PartySeller, Scope: "selling"}}
		}
		if bad {
			return []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "9999.00", Currency: "EUR"}}}
		}
		return []dispute.Remedy{{Type: dispute.RemedyNoAction}}
	}
	switch e {
	case dispute.EventSellerReply:
		cmd.Message = "Here is my answer."
		if r.IntN(2) == 0 {
			// Mostly what a seller may offer; now and then a sanction, which
			// the machine must refuse.
			rs := someRemedies()
			if !bad {
				rs = []dispute.Remedy{{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "12.50", Currency: "EUR"}}}
			}
			cmd.Offer = &dispute.OfferInput{Remedies: rs}
		}
	case dispute.EventBuyerReply, dispute.EventProvideInfo:
		cmd.Message = "Noted."
	case dispute.EventEscalate, dispute.EventWithdraw, dispute.EventAppeal:
		cmd.Reason = "I disagree."
	case dispute.EventAssign, dispute.EventAssignAppeal:
		if r.IntN(3) == 0 {
			cmd.AssigneeID = pick(r, s.staff).ID
		}
	case dispute.EventRequestInfo:
		cmd.Party, cmd.Question = pick(r, []dispute.Party{dispute.PartyBuyer, dispute.PartySeller}), "Do you have photos?"
		switch r.IntN(3) {
		case 0:
			cmd.DueAt = ptr(s.clock.Now().Add(time.Duration(1+r.IntN(100)) * time.Hour))
		case 1:
			if bad {
				cmd.DueAt = ptr(s.clock.Now().Add(-time.Hour))
			}
		}
	case dispute.EventDecide:
		cmd.Remedies, cmd.Rationale, cmd.PolicyRefs = someRemedies(), "On the evidence.", []string{"policy/7"}
		cmd.FavouredParty = pick(r, []dispute.Party{dispute.PartyBuyer, dispute.PartySeller, dispute.PartySplit})
		cmd.Basis = basisFor(cmd.Remedies)
	case dispute.EventDecideAppeal:
		cmd.Rationale = "Reviewed."
		cmd.Verdict = pick(r, []dispute.Verdict{dispute.VerdictUpheld, dispute.VerdictOverturned, dispute.VerdictModified})
		if cmd.Verdict != dispute.VerdictUpheld {
			cmd.Remedies = someRemedies()
			cmd.Basis = basisFor(cmd.Remedies)
		}
	}
	return cmd
}

// event returns an event to fire at d: mostly one the lifecycle has from d's
// state, now and then any.
func (s *stress) event(r *rand.Rand, d *dispute.Dispute) dispute.Event {
	if d.State == dispute.StateResolved && r.IntN(3) > 0 {
		// Appeal is the only user event of a resolution: fired as often as
		// the others, it would leave no decision for its window to close.
		return pick(r, dispute.UserEvents)
	}
	if r.IntN(4) > 0 {
		var fit []dispute.Event
		for _, tr := range dispute.Transitions {
			if slices.Contains(tr.From, d.State) && slices.Contains(dispute.UserEvents, tr.Event) {
				fit = append(fit, tr.Event)
			}
		}
		if len(fit) > 0 {
			e := pick(r, fit)
			if e == dispute.EventWithdraw { // fits every early state: fire it less
				e = pick(r, fit)
			}
			return e
		}
	}
	return pick(r, dispute.UserEvents)
}

// actor returns who fires e at d: mostly someone who fits the event, now
// and then anyone at all.
func (s *stress) actor(r *rand.Rand, d *dispute.Dispute, e dispute.Event) dispute.Actor {
	s.mu.Lock()
	p := s.parties[d.OrderID]
	s.mu.Unlock()
	if r.IntN(5) == 0 {
		return pick(r, s.actors)
	}
	switch e {
	case dispute.EventSellerReply, dispute.EventAcceptClaim:
		return p[1]
	case dispute.EventBuyerReply, dispute.EventAcceptOffer, dispute.EventWithdraw:
		return p[0]
	case dispute.EventEscalate, dispute.EventAppeal, dispute.EventProvideInfo:
		return p[r.IntN(2)]
	case dispute.EventRequestInfo, dispute.EventDecide, dispute.EventDecideAppeal, dispute.EventRelease, dispute.EventReleaseAppeal:
		if i := slices.IndexFunc(s.staff, func(a dispute.Actor) bool { return a.ID == d.AssigneeID }); i >= 0 && r.IntN(4) > 0 {
			return s.staff[i]
		}
	}
	return pick(r, s.staff)
}

// op runs one random operation.
func (s *stress) op(ctx context.Context, t *testing.T, r *rand.Rand) {
	s.mu.Lock()
	id := pick(r, s.disputes)
	oid := pick(r, s.orders)
	s.mu.Unlock()
	var err error
	switch n := r.IntN(100); {
	case n < 62: // a user event
		var d *dispute.Dispute
		if d, err = s.db.Dispute(ctx, id); err != nil {
			break
		}
		e := s.event(r, d)
		var expect *int64
		if r.IntN(4) == 0 {
			expect = ptr(d.Version - int64(r.IntN(2)))
		}
		_, err = s.svc.Act(ctx, s.actor(r, d, e), id, s.command(r, e, "lst_"+d.OrderID), expect)
	case n < 68: // a claim from a queue
		_, err = s.svc.Claim(ctx, pick(r, s.staff), dispute.ClaimInput{Kind: []dispute.ClaimKind{dispute.ClaimAny, dispute.ClaimCases, dispute.ClaimAppeals}[r.IntN(3)]})
	case n < 76: // time passes and deadlines fire
		s.clock.Advance(pick(r, []time.Duration{time.Minute, time.Minute, time.Hour, time.Hour, 5 * time.Hour, 25 * time.Hour, 49 * time.Hour, 11 * 24 * time.Hour}))
		_, err = s.svc.FireDue(ctx, 1+r.IntN(10))
	case n < 81: // deadlines fire, with or without time passing
		_, err = s.svc.FireDue(ctx, 1+r.IntN(3))
	case n < 85: // a system event fired directly, due or not
		_, err = s.svc.Fire(ctx, id, pick(r, append(slices.Clone(dispute.SystemEvents), dispute.EventDecide)))
	case n < 93: // the marketplace reports on a remedy
		var ins []*dispute.Instruction
		ins, err = s.svc.Instructions(ctx, dispute.SystemActor, dispute.InstructionFilter{})
		if err != nil || len(ins) == 0 {
			break
		}
		who := dispute.SystemActor
		if r.IntN(6) == 0 {
			who = pick(r, s.actors)
		}
		_, err = s.svc.ReportInstruction(ctx, who, pick(r, ins).ID, pick(r, []dispute.InstructionStatus{dispute.InstructionExecuted, dispute.InstructionExecuted, dispute.InstructionFailed, "lost"}), "done")
	default: // a new dispute on an order, whose last one may be closed
		s.mu.Lock()
		p := s.parties[oid]
		s.mu.Unlock()
		opener := p[0]
		if r.IntN(5) == 0 {
			opener = p[1]
		}
		var d *dispute.Dispute
		d, err = s.svc.Open(ctx, opener, dispute.OpenInput{OrderID: oid, Reason: dispute.ReasonItemDamaged, Description: "Again.", Language: "en"})
		if err == nil {
			s.mu.Lock()
			s.disputes = append(s.disputes, d.ID)
			s.mu.Unlock()
		}
	}
	switch {
	case err == nil:
		s.accepted.Add(1)
	case unexpected(err):
		t.Errorf("unexpected error: %v", err)
	default:
		s.refused.Add(1)
	}
}

// TestConcurrentLivesFollowTheLifecycle fires random valid and invalid
// events at a set of disputes from many goroutines at once, with time
// passing and deadlines firing, and then requires every dispute's audit
// chain to verify and to be a legal path through the lifecycle.
func TestConcurrentLivesFollowTheLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStress(t, db)
		const workers, ops = 8, 300
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for w := range workers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				<-gate
				for range ops {
					s.op(ctx, t, r)
				}
			})
		}
		close(gate)
		wg.Wait()
		// The marketplace carries out every remedy still pending (which
		// closes the settlements), then every deadline that is left runs out.
		pending, err := s.svc.Instructions(ctx, dispute.SystemActor, dispute.InstructionFilter{Statuses: []dispute.InstructionStatus{dispute.InstructionPending}})
		if err != nil {
			t.Fatalf("pending remedies: %v", err)
		}
		for _, in := range pending {
			if _, err := s.svc.ReportInstruction(ctx, dispute.SystemActor, in.ID, dispute.InstructionExecuted, "done"); err != nil && unexpected(err) {
				t.Errorf("report %s executed: %v", in.ID, err)
			}
		}
		s.clock.Advance(365 * 24 * time.Hour)
		for {
			n, err := s.svc.FireDue(ctx, 100)
			if err != nil {
				t.Fatalf("fire the remaining deadlines: %v", err)
			}
			if n == 0 {
				break
			}
		}

		vs, err := history.CheckAll(ctx, db, stressDeadlines)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("violation: %s", v)
		}

		ids, err := db.AllDisputeIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		want := slices.Clone(s.disputes)
		s.mu.Unlock()
		sort.Strings(want)
		if got := slices.Sorted(slices.Values(ids)); !slices.Equal(got, want) {
			t.Errorf("AllDisputeIDs = %v, want the %d opened: %v", ids, len(want), want)
		}
		events := map[string]int{}
		for _, id := range ids {
			recs, err := db.AuditRecords(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if v := audit.Verify(recs); !v.Valid {
				t.Errorf("%s: chain does not verify: %+v", id, v)
			}
			d, err := db.Dispute(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var transitions []audit.Record
			for _, r := range recs {
				events[r.Event]++
				if r.Event != history.EventRemedyExecuted && r.Event != history.EventRemedyFailed {
					transitions = append(transitions, r)
				}
			}
			if int64(len(transitions)) != d.Version {
				t.Errorf("%s: version %d after %d transitions", id, d.Version, len(transitions))
			}
			if n := len(transitions); n > 0 && transitions[n-1].ToState != string(d.State) {
				t.Errorf("%s: in %s, but the last record left it in %s", id, d.State, transitions[n-1].ToState)
			}
			// A settlement waits for its remedies to be reported executed,
			// whatever the clock says.
			settling := d.State == dispute.StateResolved && d.Outcome != nil && d.Outcome.Kind == dispute.OutcomeSettled
			if !settling && d.State != dispute.StateClosed && d.State != dispute.StateEscalated && d.State != dispute.StateUnderReview && d.State != dispute.StateAppealed && d.State != dispute.StateAppealReview {
				t.Errorf("%s: still in %s after every deadline ran out", id, d.State)
			}
		}
		t.Logf("%d accepted, %d refused; %d disputes; records by event: %v", s.accepted.Load(), s.refused.Load(), len(ids), events)
		// The run must have exercised the lifecycle, not only refusals.
		if len(events) < 12 {
			t.Errorf("only %d kinds of records: the run did not exercise the lifecycle", len(events))
		}
		for _, e := range []string{"open", "assign", "decide", "close", "auto_escalate"} {
			if events[e] == 0 {
				t.Errorf("no %s in any chain: the run did not exercise the lifecycle", e)
			}
		}
		if events[history.EventRemedyExecuted]+events[history.EventRemedyFailed] == 0 {
			t.Errorf("no remedy report in any chain")
		}
	})
}

// TestAllDisputeIDsPages reads more ids than fit one page.
func TestAllDisputeIDsPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ids, err := db.AllDisputeIDs(ctx)
		if err != nil || len(ids) != 0 {
			t.Fatalf("AllDisputeIDs of an empty store = %v, %v", ids, err)
		}
		s := newStress(t, db)
		// Copies of a closed dispute, beyond two pages of ids.
		if _, err := s.svc.Act(ctx, dispute.Actor{ID: "usr_b0"}, s.disputes[0], dispute.Command{Event: dispute.EventWithdraw}, nil); err != nil {
			t.Fatal(err)
		}
		const copies = 2345
		err = db.Gorm().WithContext(ctx).Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO disputes (id, order_id, buyer_id, seller_id, reason, team, description, language, item_count, state, version, priority, created_at, updated_at)
			SELECT 'dsp_copy_' || n.i, d.order_id, d.buyer_id, d.seller_id, d.reason, d.team, d.description, d.language, d.item_count, d.state, d.version, d.priority, d.created_at, d.updated_at
			FROM n, disputes d WHERE d.id = ?`, copies, s.disputes[0]).Error
		if err != nil {
			t.Fatal(err)
		}
		ids, err = db.AllDisputeIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != copies+len(s.disputes) {
			t.Fatalf("AllDisputeIDs returned %d ids, want %d", len(ids), copies+len(s.disputes))
		}
		sorted := slices.Sorted(slices.Values(ids))
		if len(slices.Compact(slices.Clone(sorted))) != len(ids) {
			t.Errorf("AllDisputeIDs repeats ids")
		}
		for _, id := range s.disputes {
			if _, ok := slices.BinarySearch(sorted, id); !ok {
				t.Errorf("AllDisputeIDs lacks %s", id)
			}
		}
		// The copies have no audit records: CheckAll says so for each.
		vs, err := history.CheckAll(ctx, db, stressDeadlines)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != copies {
			t.Errorf("CheckAll found %d violations, want one per copy (%d)", len(vs), copies)
		}
		for _, v := range vs {
			if v.Kind != history.KindEmpty {
				t.Errorf("violation %s, want only empty chains", v)
				break
			}
		}
	})
}
