package dispute

import (
	"context"
	"slices"
	"time"
)

// A party's record (GET /v1/users/{user_id}/history, and the party context
// of the staff's dispute view) is answered from counters, never by reading
// the user's disputes. Each counter is the sum, over the user's disputes, of
// one figure of a dispute (Figures): how its state and outcome count for its
// buyer and its seller. Every transition changes the counters by the
// difference of the figures after and before it (PartyChangeOf), written in
// the transition's transaction, so the counters always equal a recount over
// the disputes. Counters are kept per day the dispute was opened, and once
// for all time: the record of the last 90 days is the same counts over the
// disputes opened in those days.

// Metric names one counter of a party's record. Values are stored.
type Metric string

// The metrics of a party's record, counted per side (as buyer, as seller).
const (
	// MetricOpened counts disputes in which the user is the party.
	MetricOpened Metric = "opened"
	// MetricOpenNow counts those still waiting for an outcome: in a state
	// before resolved (again so after a settlement failed).
	MetricOpenNow Metric = "open_now"
	// MetricDecidedFor counts platform decisions that favour the user's
	// side, as the decision stands after any appeal verdict.
	MetricDecidedFor Metric = "decided_for"
	// MetricDecidedAgainst counts platform decisions that favour the other
	// side.
	MetricDecidedAgainst Metric = "decided_against"
	// MetricDecidedSplit counts platform decisions that favour neither side
	// (split).
	MetricDecidedSplit Metric = "decided_split"
	// MetricSettled counts disputes the parties settled (an accepted offer
	// or claim).
	MetricSettled Metric = "settled"
	// MetricWithdrawn counts disputes the buyer withdrew.
	MetricWithdrawn Metric = "withdrawn"
)

// SideMetrics are the metrics counted per side, in the order of the record.
var SideMetrics = []Metric{MetricOpened, MetricOpenNow, MetricDecidedFor, MetricDecidedAgainst, MetricDecidedSplit, MetricSettled, MetricWithdrawn}

// RemedyMetric is the metric counting the remedies of a type that platform
// decisions imposed against the user.
func RemedyMetric(t RemedyType) Metric { return Metric("remedy_against:" + string(t)) }

// StrikeRemedies are the remedy types that give the party they are against a
// strike (lifecycle.md, Strikes).
var StrikeRemedies = []RemedyType{RemedyRefundFull, RemedyListingRemoval, RemedyAccountSuspension, RemedyAccountRestriction, RemedyLawEnforcementReferral}

// Default strike settings of lifecycle.md.
const (
	DefaultStrikeTTL             = 180 * 24 * time.Hour
	DefaultRepeatOffenderStrikes = 3
	// RecentDays is the span of a record's recent counts.
	RecentDays = 90
	// PriorityRepeatOffender is the class a repeat offender's newly
	// escalated disputes get: the highest, that of safety cases.
	PriorityRepeatOffender = 300
)

// StrikePolicy says how long strikes count and how many make a seller a
// repeat offender.
type StrikePolicy struct {
	// TTL is how long a strike stays active; 0 means DefaultStrikeTTL.
	TTL time.Duration
	// RepeatOffender is how many active strikes make a seller a repeat
	// offender; 0 means DefaultRepeatOffenderStrikes.
	RepeatOffender int
}

func (p StrikePolicy) withDefaults() StrikePolicy {
	if p.TTL <= 0 {
		p.TTL = DefaultStrikeTTL
	}
	if p.RepeatOffender <= 0 {
		p.RepeatOffender = DefaultRepeatOffenderStrikes
	}
	return p
}

// ActiveSince is the earliest time a strike given counts as active at now.
func (p StrikePolicy) ActiveSince(now time.Time) time.Time { return now.Add(-p.withDefaults().TTL) }

// Against returns the sides a remedy is imposed against, given the side the
// decision favours: money and the order are the seller's to give back (a
// refund, a cancellation), a listing is the seller's, an account measure is
// against the account it names, and a referral to the authorities is
// against the side the decision does not favour (the seller when split).
// no_action is against nobody.
func (r Remedy) Against(favoured Party) []Party {
	switch r.Type {
	case RemedyRefundFull, RemedyRefundPartial, RemedyOrderCancellation, RemedyListingRemoval:
		return []Party{PartySeller}
	case RemedyAccountSuspension, RemedyAccountRestriction:
		if r.Party == PartyBuyer || r.Party == PartySeller {
			return []Party{r.Party}
		}
	case RemedyLawEnforcementReferral:
		if favoured == PartySeller {
			return []Party{PartyBuyer}
		}
		return []Party{PartySeller}
	}
	return nil
}

// Standing is the platform decision of a dispute as it stands: the original
// decision, or what an appeal verdict made of it.
type Standing struct {
	Favoured Party
	Remedies []Remedy
	At       time.Time
}

// StandingDecision returns the dispute's platform decision as it stands,
// or nil if the platform has not decided it (open, settled, withdrawn,
// lapsed, or taken over after a failed settlement). An upheld decision
// stands as it was; an overturned one favours the appellant, with the
// verdict's remedies (none if it gave none); a modified one keeps its side
// with the verdict's remedies.
func StandingDecision(d *Dispute) *Standing {
	if d == nil || d.Outcome == nil || d.Outcome.Kind != OutcomeDecided {
		return nil
	}
	s := &Standing{Favoured: d.Outcome.FavouredParty, Remedies: d.Outcome.Remedies, At: d.Outcome.At}
	if a := d.Appeal; a != nil && a.DecidedAt != nil {
		switch a.Verdict {
		case VerdictOverturned:
			s.Favoured, s.Remedies, s.At = a.Party, a.Remedies, *a.DecidedAt
		case VerdictModified:
			s.Remedies, s.At = a.Remedies, *a.DecidedAt
		}
	}
	return s
}

// FigureKey names one figure of a dispute: a side and a metric.
type FigureKey struct {
	Side   Party
	Metric Metric
}

// Figures returns how a dispute counts in its parties' records: one for
// each (side, metric) it counts under.
func Figures(d *Dispute) map[FigureKey]int {
	out := map[FigureKey]int{}
	if d == nil {
		return out
	}
	both := func(m Metric) {
		out[FigureKey{PartyBuyer, m}]++
		out[FigureKey{PartySeller, m}]++
	}
	both(MetricOpened)
	switch d.State {
	case StateAwaitingSeller, StateAwaitingBuyer, StateEscalated, StateUnderReview, StateAwaitingInfo:
		both(MetricOpenNow)
	}
	if d.Outcome != nil {
		switch d.Outcome.Kind {
		case OutcomeSettled:
			both(MetricSettled)
		case OutcomeWithdrawn:
			both(MetricWithdrawn)
		}
	}
	if s := StandingDecision(d); s != nil {
		switch s.Favoured {
		case PartyBuyer, PartySeller:
			out[FigureKey{s.Favoured, MetricDecidedFor}]++
			out[FigureKey{other(s.Favoured), MetricDecidedAgainst}]++
		default:
			both(MetricDecidedSplit)
		}
		for _, r := range s.Remedies {
			for _, p := range r.Against(s.Favoured) {
				out[FigureKey{p, RemedyMetric(r.Type)}]++
			}
		}
	}
	return out
}

func other(p Party) Party {
	if p == PartyBuyer {
		return PartySeller
	}
	return PartyBuyer
}

// Strike is one strike against a party, given by the platform decision of
// a dispute (or its appeal verdict).
type Strike struct {
	DisputeID string
	UserID    string
	Party     Party
	GivenAt   time.Time
}

// StrikesOf returns the strikes the dispute's standing decision gives: one
// per side that a remedy of a StrikeRemedies type is against. A side the
// original decision struck and the verdict still strikes keeps the strike
// from the decision's time; a side only the verdict strikes gets one from
// the verdict's time.
func StrikesOf(d *Dispute) []Strike {
	s := StandingDecision(d)
	if s == nil {
		return nil
	}
	original := struckSides(d.Outcome.Remedies, d.Outcome.FavouredParty)
	var out []Strike
	for _, p := range []Party{PartyBuyer, PartySeller} {
		if !slices.Contains(struckSides(s.Remedies, s.Favoured), p) {
			continue
		}
		at := s.At
		if slices.Contains(original, p) {
			at = d.Outcome.At
		}
		out = append(out, Strike{DisputeID: d.ID, UserID: d.userOf(p), Party: p, GivenAt: at})
	}
	return out
}

func struckSides(rs []Remedy, favoured Party) []Party {
	var out []Party
	for _, r := range rs {
		if !slices.Contains(StrikeRemedies, r.Type) {
			continue
		}
		for _, p := range r.Against(favoured) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func (d *Dispute) userOf(p Party) string {
	if p == PartyBuyer {
		return d.BuyerID
	}
	return d.SellerID
}

// CounterDelta changes one counter of a user: the metric of a side, for
// the disputes opened on Day (midnight UTC), by N. Every delta applies to
// the user's all-time counter as well.
type CounterDelta struct {
	UserID string
	Side   Party
	Metric Metric
	Day    time.Time
	N      int
}

// PartyChange is what a transition changes in its parties' records.
type PartyChange struct {
	Counters []CounterDelta
	// Given are the strikes the transition gives; Removed those it takes
	// back (an appeal verdict that no longer strikes the side).
	Given   []Strike
	Removed []Strike
}

// Empty reports whether the change changes nothing.
func (c PartyChange) Empty() bool {
	return len(c.Counters) == 0 && len(c.Given) == 0 && len(c.Removed) == 0
}

// OpeningDay is the day (midnight UTC) whose counters a dispute counts in.
func OpeningDay(d *Dispute) time.Time {
	t := d.CreatedAt.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// PartyChangeOf returns what the transition from before (nil for a new
// dispute) to after changes in the parties' records: the difference of the
// figures, and the strikes given and removed.
func PartyChangeOf(before, after *Dispute) PartyChange {
	var ch PartyChange
	was, is := Figures(before), Figures(after)
	keys := make([]FigureKey, 0, len(is)+len(was))
	for k := range is {
		keys = append(keys, k)
	}
	for k := range was {
		if _, ok := is[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b FigureKey) int {
		if a.Side != b.Side {
			return compareStrings(string(a.Side), string(b.Side))
		}
		return compareStrings(string(a.Metric), string(b.Metric))
	})
	day := OpeningDay(after)
	for _, k := range keys {
		if n := is[k] - was[k]; n != 0 {
			ch.Counters = append(ch.Counters, CounterDelta{UserID: after.userOf(k.Side), Side: k.Side, Metric: k.Metric, Day: day, N: n})
		}
	}
	old, now := StrikesOf(before), StrikesOf(after)
	for _, s := range now {
		if !slices.ContainsFunc(old, func(o Strike) bool { return o.Party == s.Party }) {
			ch.Given = append(ch.Given, s)
		}
	}
	for _, o := range old {
		if !slices.ContainsFunc(now, func(s Strike) bool { return s.Party == o.Party }) {
			ch.Removed = append(ch.Removed, o)
		}
	}
	return ch
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Restriction is an account measure in force against a user: an executed
// account_suspension or account_restriction, until it is reverted or, for
// a suspension, its end passes.
type Restriction struct {
	InstructionID string
	DisputeID     string
	UserID        string
	Type          RemedyType
	Until         *time.Time
}

// RestrictionChange returns what a report that an instruction was executed
// changes in the restrictions in force: an executed account measure starts
// one (add), an executed revert of one ends it (lift names the instruction
// it reverts). Other reports change nothing.
func RestrictionChange(d *Dispute, in *Instruction) (add *Restriction, lift string) {
	if in.Status != InstructionExecuted {
		return nil, ""
	}
	switch in.Remedy.Type {
	case RemedyAccountSuspension, RemedyAccountRestriction:
	default:
		return nil, ""
	}
	if in.Action == ActionRevert {
		return nil, in.Reverts
	}
	if in.Remedy.Party != PartyBuyer && in.Remedy.Party != PartySeller {
		return nil, ""
	}
	return &Restriction{InstructionID: in.ID, DisputeID: d.ID, UserID: d.userOf(in.Remedy.Party), Type: in.Remedy.Type, Until: in.Remedy.Until}, ""
}

// PartyRecord is a user's counts on one side of their disputes.
type PartyRecord struct {
	Opened, OpenNow, DecidedFor, DecidedAgainst, DecidedSplit, Settled, Withdrawn int
}

// add counts n under metric m.
func (r *PartyRecord) add(m Metric, n int) {
	switch m {
	case MetricOpened:
		r.Opened += n
	case MetricOpenNow:
		r.OpenNow += n
	case MetricDecidedFor:
		r.DecidedFor += n
	case MetricDecidedAgainst:
		r.DecidedAgainst += n
	case MetricDecidedSplit:
		r.DecidedSplit += n
	case MetricSettled:
		r.Settled += n
	case MetricWithdrawn:
		r.Withdrawn += n
	}
}

// Counts is a user's record over a span of opening days.
type Counts struct {
	AsBuyer, AsSeller PartyRecord
	// RemediesAgainst counts, per remedy type, the remedies that platform
	// decisions (as they stand) imposed against the user, on either side.
	RemediesAgainst map[RemedyType]int
}

// Counter is one stored counter value: a side's metric summed over a span.
type Counter struct {
	UserID string
	Side   Party
	Metric Metric
	N      int
}

// CountsOf folds counters into a record.
func CountsOf(cs []Counter) Counts {
	out := Counts{RemediesAgainst: map[RemedyType]int{}}
	for _, c := range cs {
		r := &out.AsBuyer
		if c.Side == PartySeller {
			r = &out.AsSeller
		}
		r.add(c.Metric, c.N)
		for _, t := range RemedyTypes {
			if c.Metric == RemedyMetric(t) && c.N != 0 {
				out.RemediesAgainst[t] += c.N
			}
		}
	}
	return out
}

// StrikeSummary is a user's strikes at a time.
type StrikeSummary struct {
	// Active are the strikes given within the strike TTL and not removed.
	Active int
	// Total are all strikes ever given and not removed by an appeal.
	Total int
	// NextExpiry is when the oldest active strike expires; nil without any.
	NextExpiry *time.Time
}

// UserHistory is a user's record as reviewers see it.
type UserHistory struct {
	UserID  string
	AllTime Counts
	// Recent are the counts over disputes opened in the last RecentDays
	// days (today included).
	Recent  Counts
	Strikes StrikeSummary
	// RestrictionsActive are the account measures in force against the user.
	RestrictionsActive []Restriction
	RepeatOffender     bool
}

// PartyContext is one party's record in the staff's view of a dispute.
type PartyContext struct {
	Opened         int
	DecidedAgainst int
	ActiveStrikes  int
	RepeatOffender bool
}

// StrikeCount is a user's strikes as the store counts them: those given
// since a time (active), all of them, and the oldest given since the time.
type StrikeCount struct {
	UserID       string
	Active       int
	Total        int
	OldestActive *time.Time
}

// PartyReader reads the parties' records.
type PartyReader interface {
	// PartyCounters returns the users' counters over the disputes opened on
	// or after since (midnight UTC), or over all time when since is zero;
	// only the metrics given, or all when none are.
	PartyCounters(ctx context.Context, userIDs []string, since time.Time, metrics []Metric) ([]Counter, error)
	// StrikeCounts returns the users' strikes not removed, counting as
	// active those given at or after activeSince. Users without strikes
	// are left out.
	StrikeCounts(ctx context.Context, userIDs []string, activeSince time.Time) ([]StrikeCount, error)
	// ActiveRestrictions returns the account measures executed against
	// the user, not reverted, and not ended at now.
	ActiveRestrictions(ctx context.Context, userID string, now time.Time) ([]Restriction, error)
	// PartyContextCounts returns, in one read whatever the number of users
	// and the length of their histories, what the staff's view of a page
	// of disputes shows of its parties: the users' all-time counters of
	// the metrics given, and by user their active strikes (given at or
	// after activeSince and not removed; users without any left out).
	PartyContextCounts(ctx context.Context, userIDs []string, metrics []Metric, activeSince time.Time) ([]Counter, map[string]int, error)
}

// PartyTx keeps the parties' records in a transition's transaction.
type PartyTx interface {
	// ApplyPartyChange adds the counter deltas (to the day's and the
	// all-time counters) and writes the strikes given and removed.
	ApplyPartyChange(ctx context.Context, ch PartyChange, at time.Time) error
	// ActiveStrikes counts the user's strikes given at or after since and
	// not removed.
	ActiveStrikes(ctx context.Context, userID string, since time.Time) (int, error)
	// AddRestriction and LiftRestriction keep the account measures in force.
	AddRestriction(ctx context.Context, r Restriction) error
	LiftRestriction(ctx context.Context, instructionID string, at time.Time) error
}

// Strikes returns the strike summary of a count at now.
func (p StrikePolicy) Strikes(c StrikeCount) StrikeSummary {
	s := StrikeSummary{Active: c.Active, Total: c.Total}
	if c.OldestActive != nil {
		s.NextExpiry = ptr(c.OldestActive.Add(p.withDefaults().TTL))
	}
	return s
}

// IsRepeatOffender reports whether a count of active strikes makes a seller
// a repeat offender.
func (p StrikePolicy) IsRepeatOffender(active int) bool {
	return active >= p.withDefaults().RepeatOffender
}

// UserHistory returns a user's record: staff only.
func (s *Service) UserHistory(ctx context.Context, actor Actor, userID string) (*UserHistory, error) {
	if !actor.Staff() {
		return nil, Errorf(EFORBIDDEN, CodeRoleNotPermitted, "only Trust & Safety staff read a user's history")
	}
	now := s.clock()
	ids := []string{userID}
	all, err := s.store.PartyCounters(ctx, ids, time.Time{}, nil)
	if err != nil {
		return nil, err
	}
	recent, err := s.store.PartyCounters(ctx, ids, RecentSince(now), nil)
	if err != nil {
		return nil, err
	}
	strikes, err := s.store.StrikeCounts(ctx, ids, s.strikes.ActiveSince(now))
	if err != nil {
		return nil, err
	}
	restrictions, err := s.store.ActiveRestrictions(ctx, userID, now)
	if err != nil {
		return nil, err
	}
	h := &UserHistory{UserID: userID, AllTime: CountsOf(all), Recent: CountsOf(recent), RestrictionsActive: restrictions}
	if len(strikes) == 1 {
		h.Strikes = s.strikes.Strikes(strikes[0])
	}
	h.RepeatOffender = s.strikes.IsRepeatOffender(h.Strikes.Active)
	return h, nil
}

// RecentSince is the first opening day of the recent counts at now: the
// last RecentDays days, today included.
func RecentSince(now time.Time) time.Time {
	t := now.UTC()
	return time.Date(t.Year(), t.Month(), t.Day()-(RecentDays-1), 0, 0, 0, 0, time.UTC)
}

// PartyContexts are the records of the parties of some disputes, by user
// and side.
type PartyContexts map[PartyKey]PartyContext

// PartyKey names a user on one side of their disputes.
type PartyKey struct {
	UserID string
	Side   Party
}

// Of returns the records of a dispute's buyer and seller; the zero record
// for a party it does not hold.
func (pc PartyContexts) Of(d *Dispute) (buyer, seller PartyContext) {
	return pc[PartyKey{d.BuyerID, PartyBuyer}], pc[PartyKey{d.SellerID, PartySeller}]
}

// PartyContexts returns the records of the buyers and sellers of disputes
// for the staff's view of them, in one read whatever the number of
// disputes and the length of the parties' histories: opened and decided
// against count the disputes on the party's side in this dispute (as buyer
// for its buyer, as seller for its seller); strikes are the user's. Callers who are not staff get nil: the
// parties never see each other's records.
func (s *Service) PartyContexts(ctx context.Context, actor Actor, ds []*Dispute) (PartyContexts, error) {
	if !actor.Staff() || len(ds) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, 2*len(ds))
	keys := make(map[PartyKey]bool, 2*len(ds))
	seen := make(map[string]bool, 2*len(ds))
	for _, d := range ds {
		keys[PartyKey{d.BuyerID, PartyBuyer}] = true
		keys[PartyKey{d.SellerID, PartySeller}] = true
		for _, id := range []string{d.BuyerID, d.SellerID} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	counters, active, err := s.store.PartyContextCounts(ctx, ids, []Metric{MetricOpened, MetricDecidedAgainst}, s.strikes.ActiveSince(s.clock()))
	if err != nil {
		return nil, err
	}
	out := make(PartyContexts, len(keys))
	for k := range keys {
		out[k] = PartyContext{ActiveStrikes: active[k.UserID], RepeatOffender: s.strikes.IsRepeatOffender(active[k.UserID])}
	}
	for _, c := range counters {
		k := PartyKey{c.UserID, c.Side}
		pc, ok := out[k]
		if !ok {
			continue
		}
		switch c.Metric {
		case MetricOpened:
			pc.Opened += c.N
		case MetricDecidedAgainst:
			pc.DecidedAgainst += c.N
		}
		out[k] = pc
	}
	return out, nil
}
