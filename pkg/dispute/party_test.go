package dispute_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

var (
	opened  = time.Date(2026, 5, 4, 22, 30, 0, 0, time.UTC)
	decided = opened.Add(72 * time.Hour)
	verdict = decided.Add(10 * 24 * time.Hour)
)

// partyCase is a dispute in a given state with a given outcome.
func partyCase(state dispute.State, o *dispute.Outcome, a *dispute.Appeal) *dispute.Dispute {
	return &dispute.Dispute{ID: "dsp_1", BuyerID: "usr_b", SellerID: "usr_s", State: state, Outcome: o, Appeal: a, CreatedAt: opened}
}

func decision(fav dispute.Party, rs ...dispute.Remedy) *dispute.Outcome {
	return &dispute.Outcome{Kind: dispute.OutcomeDecided, FavouredParty: fav, Remedies: rs, At: decided}
}

func appealed(party dispute.Party, v dispute.Verdict, rs ...dispute.Remedy) *dispute.Appeal {
	return &dispute.Appeal{Party: party, Verdict: v, Remedies: rs, DecidedAt: &verdict}
}

var (
	refund     = dispute.Remedy{Type: dispute.RemedyRefundFull}
	partial    = dispute.Remedy{Type: dispute.RemedyRefundPartial, Amount: &dispute.Money{Amount: "5", Currency: "EUR"}}
	suspendB   = dispute.Remedy{Type: dispute.RemedyAccountSuspension, Party: dispute.PartyBuyer}
	referral   = dispute.Remedy{Type: dispute.RemedyLawEnforcementReferral, Category: "fraud", Authority: "Police"}
	noAction   = dispute.Remedy{Type: dispute.RemedyNoAction}
	openingDay = time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
)

type fig = map[dispute.FigureKey]int

func k(side dispute.Party, m dispute.Metric) dispute.FigureKey {
	return dispute.FigureKey{Side: side, Metric: m}
}

func opens() fig {
	return fig{k(dispute.PartyBuyer, dispute.MetricOpened): 1, k(dispute.PartySeller, dispute.MetricOpened): 1}
}

func with(f fig, kv ...any) fig {
	for i := 0; i < len(kv); i += 3 {
		f[k(kv[i].(dispute.Party), kv[i+1].(dispute.Metric))] += kv[i+2].(int)
	}
	return f
}

// TestFigures says what each kind of dispute counts for in its parties'
// records.
func TestFigures(t *testing.T) {
	B, S := dispute.PartyBuyer, dispute.PartySeller
	cases := []struct {
		name string
		d    *dispute.Dispute
		want fig
	}{
		{"OpenCountsAsOpenNow", partyCase(dispute.StateAwaitingSeller, nil, nil),
			with(opens(), B, dispute.MetricOpenNow, 1, S, dispute.MetricOpenNow, 1)},
		{"Withdrawn", partyCase(dispute.StateClosed, &dispute.Outcome{Kind: dispute.OutcomeWithdrawn}, nil),
			with(opens(), B, dispute.MetricWithdrawn, 1, S, dispute.MetricWithdrawn, 1)},
		{"LapsedCountsOnlyAsOpened", partyCase(dispute.StateClosed, &dispute.Outcome{Kind: dispute.OutcomeLapsed}, nil), opens()},
		{"SettledRemediesAreNotAgainst", partyCase(dispute.StateResolved, &dispute.Outcome{Kind: dispute.OutcomeSettled, Remedies: []dispute.Remedy{refund}}, nil),
			with(opens(), B, dispute.MetricSettled, 1, S, dispute.MetricSettled, 1)},
		{"DecidedForBuyer", partyCase(dispute.StateResolved, decision(B, refund, partial), nil),
			with(opens(), B, dispute.MetricDecidedFor, 1, S, dispute.MetricDecidedAgainst, 1,
				S, dispute.RemedyMetric(dispute.RemedyRefundFull), 1, S, dispute.RemedyMetric(dispute.RemedyRefundPartial), 1)},
		{"SplitIsNeitherForNorAgainst", partyCase(dispute.StateResolved, decision(dispute.PartySplit, partial), nil),
			with(opens(), B, dispute.MetricDecidedSplit, 1, S, dispute.MetricDecidedSplit, 1, S, dispute.RemedyMetric(dispute.RemedyRefundPartial), 1)},
		{"ReferralIsAgainstTheSideNotFavoured", partyCase(dispute.StateResolved, decision(S, suspendB, referral), nil),
			with(opens(), S, dispute.MetricDecidedFor, 1, B, dispute.MetricDecidedAgainst, 1,
				B, dispute.RemedyMetric(dispute.RemedyAccountSuspension), 1, B, dispute.RemedyMetric(dispute.RemedyLawEnforcementReferral), 1)},
		{"AppealPendingKeepsTheDecision", partyCase(dispute.StateAppealed, decision(B, refund), &dispute.Appeal{Party: S}),
			with(opens(), B, dispute.MetricDecidedFor, 1, S, dispute.MetricDecidedAgainst, 1, S, dispute.RemedyMetric(dispute.RemedyRefundFull), 1)},
		{"UpheldKeepsTheDecision", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictUpheld)),
			with(opens(), B, dispute.MetricDecidedFor, 1, S, dispute.MetricDecidedAgainst, 1, S, dispute.RemedyMetric(dispute.RemedyRefundFull), 1)},
		{"OverturnedFavoursTheAppellant", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictOverturned, noAction)),
			with(opens(), S, dispute.MetricDecidedFor, 1, B, dispute.MetricDecidedAgainst, 1)},
		{"ModifiedKeepsTheSideWithNewRemedies", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictModified, partial)),
			with(opens(), B, dispute.MetricDecidedFor, 1, S, dispute.MetricDecidedAgainst, 1, S, dispute.RemedyMetric(dispute.RemedyRefundPartial), 1)},
		{"SettlementFailedIsOpenAgain", partyCase(dispute.StateEscalated, nil, nil),
			with(opens(), B, dispute.MetricOpenNow, 1, S, dispute.MetricOpenNow, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := dispute.Figures(c.d); !reflect.DeepEqual(got, c.want) {
				t.Errorf("figures\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

// TestStrikesOf covers lifecycle.md's strikes: which remedies strike whom,
// and what an appeal verdict does to them.
func TestStrikesOf(t *testing.T) {
	B, S := dispute.PartyBuyer, dispute.PartySeller
	strike := func(p dispute.Party, user string, at time.Time) dispute.Strike {
		return dispute.Strike{DisputeID: "dsp_1", UserID: user, Party: p, GivenAt: at}
	}
	cases := []struct {
		name string
		d    *dispute.Dispute
		want []dispute.Strike
	}{
		{"RefundFullStrikesTheSeller", partyCase(dispute.StateResolved, decision(B, refund), nil), []dispute.Strike{strike(S, "usr_s", decided)}},
		{"PartialRefundGivesNoStrike", partyCase(dispute.StateResolved, decision(B, partial), nil), nil},
		{"SettledFullRefundGivesNoStrike", partyCase(dispute.StateResolved, &dispute.Outcome{Kind: dispute.OutcomeSettled, Remedies: []dispute.Remedy{refund}, At: decided}, nil), nil},
		{"BuyerSuspensionStrikesTheBuyer", partyCase(dispute.StateResolved, decision(S, suspendB), nil), []dispute.Strike{strike(B, "usr_b", decided)}},
		{"BothSidesOneStrikeEach", partyCase(dispute.StateResolved, decision(dispute.PartySplit, refund, suspendB, referral), nil),
			[]dispute.Strike{strike(B, "usr_b", decided), strike(S, "usr_s", decided)}},
		{"UpheldKeepsTheStrike", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictUpheld)), []dispute.Strike{strike(S, "usr_s", decided)}},
		{"OverturnedRemovesTheStrike", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictOverturned)), nil},
		{"ModifiedStillStrikingKeepsTheDecisionsTime", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictModified, refund, partial)),
			[]dispute.Strike{strike(S, "usr_s", decided)}},
		{"ModifiedToMilderRemedyRemovesIt", partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictModified, partial)), nil},
		{"ModifiedToStrikingRemedyStrikesFromTheVerdict", partyCase(dispute.StateClosed, decision(B, partial), appealed(S, dispute.VerdictModified, refund)),
			[]dispute.Strike{strike(S, "usr_s", verdict)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := dispute.StrikesOf(c.d); !reflect.DeepEqual(got, c.want) {
				t.Errorf("strikes\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestPartyChangeOf checks the deltas of transitions: they are the
// difference of the figures on the opening day, with the strikes given and
// removed.
func TestPartyChangeOf(t *testing.T) {
	B, S := dispute.PartyBuyer, dispute.PartySeller
	delta := func(user string, side dispute.Party, m dispute.Metric, n int) dispute.CounterDelta {
		return dispute.CounterDelta{UserID: user, Side: side, Metric: m, Day: openingDay, N: n}
	}
	underReview := partyCase(dispute.StateUnderReview, nil, nil)
	resolved := partyCase(dispute.StateResolved, decision(B, refund), nil)
	inAppeal := partyCase(dispute.StateAppealReview, decision(B, refund), &dispute.Appeal{Party: S})
	overturned := partyCase(dispute.StateClosed, decision(B, refund), appealed(S, dispute.VerdictOverturned))
	seStrike := dispute.Strike{DisputeID: "dsp_1", UserID: "usr_s", Party: S, GivenAt: decided}
	cases := []struct {
		name          string
		before, after *dispute.Dispute
		want          dispute.PartyChange
	}{
		{"Open", nil, partyCase(dispute.StateAwaitingSeller, nil, nil), dispute.PartyChange{Counters: []dispute.CounterDelta{
			delta("usr_b", B, dispute.MetricOpenNow, 1), delta("usr_b", B, dispute.MetricOpened, 1),
			delta("usr_s", S, dispute.MetricOpenNow, 1), delta("usr_s", S, dispute.MetricOpened, 1)}}},
		{"AssignChangesNothing", partyCase(dispute.StateEscalated, nil, nil), underReview, dispute.PartyChange{}},
		{"DecideAgainstSellerWithRefund", underReview, resolved, dispute.PartyChange{Counters: []dispute.CounterDelta{
			delta("usr_b", B, dispute.MetricDecidedFor, 1), delta("usr_b", B, dispute.MetricOpenNow, -1),
			delta("usr_s", S, dispute.MetricDecidedAgainst, 1), delta("usr_s", S, dispute.MetricOpenNow, -1),
			delta("usr_s", S, dispute.RemedyMetric(dispute.RemedyRefundFull), 1)}, Given: []dispute.Strike{seStrike}}},
		{"OverturnRemovesTheStrike", inAppeal, overturned, dispute.PartyChange{Counters: []dispute.CounterDelta{
			delta("usr_b", B, dispute.MetricDecidedAgainst, 1), delta("usr_b", B, dispute.MetricDecidedFor, -1),
			delta("usr_s", S, dispute.MetricDecidedAgainst, -1), delta("usr_s", S, dispute.MetricDecidedFor, 1),
			delta("usr_s", S, dispute.RemedyMetric(dispute.RemedyRefundFull), -1)}, Removed: []dispute.Strike{seStrike}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := dispute.PartyChangeOf(c.before, c.after)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("change\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestPartyChangesAddUpToTheFigures walks disputes through the machine and
// checks that the deltas of their transitions always add up to the figures
// of where they stand: the counters never drift from a recount.
func TestPartyChangesAddUpToTheFigures(t *testing.T) {
	paths := [][]*dispute.Dispute{
		{nil, partyCase(dispute.StateAwaitingSeller, nil, nil), partyCase(dispute.StateResolved, &dispute.Outcome{Kind: dispute.OutcomeSettled, Remedies: []dispute.Remedy{refund}}, nil),
			partyCase(dispute.StateEscalated, nil, nil), partyCase(dispute.StateUnderReview, nil, nil), partyCase(dispute.StateResolved, decision(dispute.PartyBuyer, refund), nil),
			partyCase(dispute.StateAppealed, decision(dispute.PartyBuyer, refund), &dispute.Appeal{Party: dispute.PartySeller}),
			partyCase(dispute.StateClosed, decision(dispute.PartyBuyer, refund), appealed(dispute.PartySeller, dispute.VerdictModified, partial))},
	}
	for _, path := range paths {
		sum := fig{}
		strikes := map[dispute.Party]bool{}
		for i := 1; i < len(path); i++ {
			ch := dispute.PartyChangeOf(path[i-1], path[i])
			for _, c := range ch.Counters {
				sum[k(c.Side, c.Metric)] += c.N
				if !c.Day.Equal(openingDay) {
					t.Fatalf("delta on day %v, want the opening day", c.Day)
				}
			}
			for _, s := range ch.Given {
				strikes[s.Party] = true
			}
			for _, s := range ch.Removed {
				delete(strikes, s.Party)
			}
			for key, n := range sum {
				if n == 0 {
					delete(sum, key)
				}
			}
			if want := dispute.Figures(path[i]); !reflect.DeepEqual(sum, want) {
				t.Fatalf("after step %d: counters %v, figures %v", i, sum, want)
			}
			var want []dispute.Party
			for _, s := range dispute.StrikesOf(path[i]) {
				want = append(want, s.Party)
			}
			var got []dispute.Party
			for p := range strikes {
				got = append(got, p)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("after step %d: strikes %v, want %v", i, got, want)
			}
		}
	}
}

// TestStrikePolicy reads the defaults of lifecycle.md: 180 days, 3 strikes.
func TestStrikePolicy(t *testing.T) {
	var p dispute.StrikePolicy
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if got := p.ActiveSince(now); !got.Equal(now.Add(-180 * 24 * time.Hour)) {
		t.Errorf("active since %v", got)
	}
	if p.IsRepeatOffender(2) || !p.IsRepeatOffender(3) {
		t.Error("the default threshold is 3 strikes")
	}
	custom := dispute.StrikePolicy{TTL: time.Hour, RepeatOffender: 5}
	if custom.IsRepeatOffender(4) || !custom.IsRepeatOffender(5) {
		t.Error("a configured threshold is not honoured")
	}
	given := now.Add(-30 * time.Minute)
	s := custom.Strikes(dispute.StrikeCount{Active: 1, Total: 2, OldestActive: &given})
	if s.NextExpiry == nil || !s.NextExpiry.Equal(given.Add(time.Hour)) || s.Active != 1 || s.Total != 2 {
		t.Errorf("summary %+v", s)
	}
	if got := dispute.RecentSince(now.Add(13 * time.Hour)); !got.Equal(now.AddDate(0, 0, -89)) {
		t.Errorf("recent since %v", got)
	}
}
