package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/opendispute/disputes/pkg/dispute"
)

// The parties' records: counters per user, side, metric and opening day
// (party_counters), strikes and account measures in force. Migration 0015
// describes the tables; dispute.PartyChangeOf says what a transition adds.

// allTime is the day of the all-time counters.
const allTime = 0

// metricStrikes counts a side's strikes that were not removed (all time).
const metricStrikes = "strikes"

// metricStrikesGiven counts, per day a strike was given (not the day its
// dispute was opened), the strikes of that day that were not removed: the
// active strikes of a user are the sum over the days of the strike TTL, a
// fixed read however many strikes the user has.
const metricStrikesGiven = "strikes_given"

type counterRow struct {
	UserID string `gorm:"primaryKey"`
	Day    int    `gorm:"primaryKey"`
	Side   string `gorm:"primaryKey"`
	Metric string `gorm:"primaryKey"`
	N      int64
}

func (counterRow) TableName() string { return "party_counters" }

type strikeRow struct {
	DisputeID string `gorm:"primaryKey"`
	Party     string `gorm:"primaryKey"`
	UserID    string
	GivenAt   time.Time
	RemovedAt *time.Time
}

func (strikeRow) TableName() string { return "strikes" }

type restrictionRow struct {
	InstructionID string `gorm:"primaryKey"`
	DisputeID     string
	UserID        string
	Type          string
	Until         *time.Time
	LiftedAt      *time.Time
}

func (restrictionRow) TableName() string { return "restrictions" }

// dayNumber is a day's number in party_counters: days since 1970-01-01.
func dayNumber(t time.Time) int { return int(t.UTC().Unix() / 86400) }

// tally adds up counter deltas before they are written, so that one
// statement never touches a counter twice.
type tally struct {
	counters map[counterKey]int64
	given    []dispute.Strike
	removed  []dispute.Strike
}

type counterKey struct {
	user, side, metric string
	day                int
}

func newTally() *tally { return &tally{counters: map[counterKey]int64{}} }

func (t *tally) add(ch dispute.PartyChange) {
	for _, c := range ch.Counters {
		t.counters[counterKey{c.UserID, string(c.Side), string(c.Metric), dayNumber(c.Day)}] += int64(c.N)
		t.counters[counterKey{c.UserID, string(c.Side), string(c.Metric), allTime}] += int64(c.N)
	}
	for _, s := range ch.Given {
		t.counters[counterKey{s.UserID, string(s.Party), metricStrikes, allTime}]++
		t.counters[counterKey{s.UserID, string(s.Party), metricStrikesGiven, dayNumber(s.GivenAt)}]++
	}
	for _, s := range ch.Removed {
		t.counters[counterKey{s.UserID, string(s.Party), metricStrikes, allTime}]--
		t.counters[counterKey{s.UserID, string(s.Party), metricStrikesGiven, dayNumber(s.GivenAt)}]--
	}
	t.given = append(t.given, ch.Given...)
	t.removed = append(t.removed, ch.Removed...)
}

// write adds the tally to the counters and writes its strikes.
func (t *tally) write(g *gorm.DB, batch int, at time.Time) error {
	for _, w := range t.writes(batch, at) {
		if err := w.build(g).Error; err != nil {
			return err
		}
	}
	return nil
}

// writes are the statements that add the tally to the counters and write
// its strikes, in batches of at most batch rows. Counters go in key order,
// so that concurrent writers of overlapping counters (bulk loads) lock them
// in the same order and never deadlock.
func (t *tally) writes(batch int, at time.Time) []write {
	var ws []write
	rows := t.rows()
	upsert := clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "side"}, {Name: "metric"}, {Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{"n": gorm.Expr("party_counters.n + excluded.n")}),
	}
	for part := range slices.Chunk(rows, batch) {
		ws = append(ws, write{build: func(g *gorm.DB) *gorm.DB { return g.Clauses(upsert).Create(part) }})
	}
	strikes := make([]strikeRow, len(t.given))
	for i, s := range t.given {
		strikes[i] = strikeRow{DisputeID: s.DisputeID, Party: string(s.Party), UserID: s.UserID, GivenAt: s.GivenAt.UTC()}
	}
	again := clause.OnConflict{
		Columns:   []clause.Column{{Name: "dispute_id"}, {Name: "party"}},
		DoUpdates: clause.AssignmentColumns([]string{"user_id", "given_at", "removed_at"}),
	}
	for part := range slices.Chunk(strikes, batch) {
		ws = append(ws, write{build: func(g *gorm.DB) *gorm.DB { return g.Clauses(again).Create(part) }})
	}
	for _, s := range t.removed {
		ws = append(ws, write{build: func(g *gorm.DB) *gorm.DB {
			return g.Model(&strikeRow{}).Where("dispute_id = ? AND party = ? AND removed_at IS NULL", s.DisputeID, string(s.Party)).
				Update("removed_at", at.UTC())
		}})
	}
	return ws
}

// rows are the tally's counters that change, in key order.
func (t *tally) rows() []counterRow {
	rows := make([]counterRow, 0, len(t.counters))
	for k, n := range t.counters {
		if n != 0 {
			rows = append(rows, counterRow{UserID: k.user, Side: k.side, Metric: k.metric, Day: k.day, N: n})
		}
	}
	slices.SortFunc(rows, func(a, b counterRow) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Side, b.Side), cmp.Compare(a.Metric, b.Metric))
	})
	return rows
}

// tallyOf is what new disputes add to their parties' records.
func tallyOf(ds []*dispute.Dispute) *tally {
	tl := newTally()
	for _, d := range ds {
		tl.add(dispute.PartyChangeOf(nil, d))
	}
	return tl
}

func (t *tx) ApplyPartyChange(ctx context.Context, ch dispute.PartyChange, at time.Time) error {
	if ch.Empty() {
		return nil
	}
	tl := newTally()
	tl.add(ch)
	for _, w := range tl.writes(500, at) {
		t.later(w)
	}
	return nil
}

func (t *tx) ActiveStrikes(ctx context.Context, userID string, since time.Time) (int, error) {
	counts, err := strikeCounts(t.g.WithContext(ctx), []string{userID}, since, false)
	if err != nil || len(counts) == 0 {
		return 0, wrap(err)
	}
	return counts[0].Active, nil
}

func (t *tx) AddRestriction(ctx context.Context, r dispute.Restriction) error {
	row := restrictionRow{InstructionID: r.InstructionID, DisputeID: r.DisputeID, UserID: r.UserID, Type: string(r.Type), Until: utcPtr(r.Until)}
	return wrap(t.g.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error)
}

func (t *tx) LiftRestriction(ctx context.Context, instructionID string, at time.Time) error {
	return wrap(t.g.WithContext(ctx).Model(&restrictionRow{}).Where("instruction_id = ? AND lifted_at IS NULL", instructionID).
		Update("lifted_at", at.UTC()).Error)
}

// PartyCounters reads the users' all-time counters (since zero) or sums
// their day counters from since on: one index range per user and metric.
// It may be answered by a read replica.
func (db *DB) PartyCounters(ctx context.Context, userIDs []string, since time.Time, metrics []dispute.Metric) ([]dispute.Counter, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var out []dispute.Counter
	err := db.read(ctx, func(g *gorm.DB) error {
		var err error
		out, err = partyCounters(g, userIDs, since, metrics)
		return err
	})
	return out, err
}

func partyCounters(g *gorm.DB, userIDs []string, since time.Time, metrics []dispute.Metric) ([]dispute.Counter, error) {
	var rows []struct {
		UserID, Side, Metric string
		N                    int64
	}
	q := g.Model(&counterRow{}).Select("user_id, side, metric, SUM(n) AS n").Where("user_id IN ?", userIDs)
	if since.IsZero() {
		q = q.Where("day = ?", allTime)
	} else {
		q = q.Where("day >= ?", dayNumber(since))
	}
	if len(metrics) > 0 {
		q = q.Where("metric IN ?", metrics)
	}
	if err := q.Group("user_id, side, metric").Order("user_id, side, metric").Scan(&rows).Error; err != nil {
		return nil, wrap(err)
	}
	out := make([]dispute.Counter, 0, len(rows))
	for _, r := range rows {
		out = append(out, dispute.Counter{UserID: r.UserID, Side: dispute.Party(r.Side), Metric: dispute.Metric(r.Metric), N: int(r.N)})
	}
	return out, nil
}

// StrikeCounts counts the users' strikes: the active ones, their oldest,
// and all of them. It may be answered by a read replica.
func (db *DB) StrikeCounts(ctx context.Context, userIDs []string, activeSince time.Time) ([]dispute.StrikeCount, error) {
	var out []dispute.StrikeCount
	err := db.read(ctx, func(g *gorm.DB) error {
		var err error
		out, err = strikeCounts(g, userIDs, activeSince, true)
		return wrap(err)
	})
	return out, err
}

// strikeCounts counts active strikes without reading them one by one: the
// strikes given on the day activeSince falls in, from the strikes table
// (one day's range per user), and those of the later days from their day
// counters (at most the TTL's days per user). The oldest active strike,
// when asked for, is read within its day. Totals come from the all-time
// counters. The number of statements does not depend on the users' count.
func strikeCounts(g *gorm.DB, userIDs []string, activeSince time.Time, oldest bool) ([]dispute.StrikeCount, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	since := activeSince.UTC()
	first := dayNumber(since)
	dayStart := func(day int) time.Time { return time.Unix(int64(day)*86400, 0).UTC() }
	fresh := func() *gorm.DB { return g.Session(&gorm.Session{NewDB: true}) }
	by := map[string]*dispute.StrikeCount{}
	count := func(user string) *dispute.StrikeCount {
		c := by[user]
		if c == nil {
			c = &dispute.StrikeCount{UserID: user}
			by[user] = c
		}
		return c
	}
	setOldest := func(c *dispute.StrikeCount, at time.Time) {
		if c.OldestActive == nil || at.Before(*c.OldestActive) {
			at := at
			c.OldestActive = &at
		}
	}
	// The first day's strikes, given at or after since.
	rows, err := fresh().Model(&strikeRow{}).Select("user_id, COUNT(*), MIN(given_at)").
		Where("user_id IN ? AND given_at >= ? AND given_at < ? AND removed_at IS NULL", userIDs, since, dayStart(first+1)).Group("user_id").Rows()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var user string
		var n int
		var min any // SQLite returns aggregates of times as text
		if err := rows.Scan(&user, &n, &min); err != nil {
			rows.Close()
			return nil, err
		}
		at, err := asTime(min)
		if err != nil {
			rows.Close()
			return nil, err
		}
		c := count(user)
		c.Active += n
		setOldest(c, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The later days, from their counters.
	var days []struct {
		UserID   string
		N        int64
		FirstDay *int
	}
	err = fresh().Model(&counterRow{}).Select("user_id, SUM(n) AS n, MIN(CASE WHEN n > 0 THEN day END) AS first_day").
		Where("user_id IN ? AND metric = ? AND day > ?", userIDs, metricStrikesGiven, first).Group("user_id").Scan(&days).Error
	if err != nil {
		return nil, err
	}
	var seek []string
	var seekArgs []any
	for _, d := range days {
		if d.N <= 0 {
			continue
		}
		c := count(d.UserID)
		c.Active += int(d.N)
		if oldest && c.OldestActive == nil && d.FirstDay != nil {
			seek = append(seek, "(user_id = ? AND given_at >= ? AND given_at < ?)")
			seekArgs = append(seekArgs, d.UserID, dayStart(*d.FirstDay), dayStart(*d.FirstDay+1))
		}
	}
	if len(seek) > 0 {
		// The oldest active strike of each user whose first day held none:
		// within the first later day with one.
		rows, err := fresh().Model(&strikeRow{}).Select("user_id, MIN(given_at)").
			Where("removed_at IS NULL AND ("+strings.Join(seek, " OR ")+")", seekArgs...).Group("user_id").Rows()
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var user string
			var min any
			if err := rows.Scan(&user, &min); err != nil {
				rows.Close()
				return nil, err
			}
			at, err := asTime(min)
			if err != nil {
				rows.Close()
				return nil, err
			}
			setOldest(count(user), at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var totals []struct {
		UserID string
		N      int64
	}
	err = fresh().Model(&counterRow{}).Select("user_id, SUM(n) AS n").
		Where("user_id IN ? AND metric = ? AND day = ?", userIDs, metricStrikes, allTime).Group("user_id").Scan(&totals).Error
	if err != nil {
		return nil, err
	}
	for _, t := range totals {
		if t.N > 0 {
			count(t.UserID).Total = int(t.N)
		}
	}
	out := make([]dispute.StrikeCount, 0, len(by))
	for _, c := range by {
		if !oldest {
			c.OldestActive = nil
		}
		if c.Active > 0 || c.Total > 0 {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b dispute.StrikeCount) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}

// ActiveRestrictions reads the user's account measures in force. It may
// be answered by a read replica.
func (db *DB) ActiveRestrictions(ctx context.Context, userID string, now time.Time) ([]dispute.Restriction, error) {
	var rows []restrictionRow
	err := db.read(ctx, func(g *gorm.DB) error {
		rows = nil
		return g.Where("user_id = ? AND lifted_at IS NULL AND (until IS NULL OR until > ?)", userID, now.UTC()).
			Order("instruction_id").Find(&rows).Error
	})
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]dispute.Restriction, len(rows))
	for i, r := range rows {
		out[i] = dispute.Restriction{InstructionID: r.InstructionID, DisputeID: r.DisputeID, UserID: r.UserID, Type: dispute.RemedyType(r.Type), Until: utcPtr(r.Until)}
	}
	return out, nil
}

// rebuildPage is how many disputes RebuildPartyHistory reads at a time.
const rebuildPage = 1000

// RebuildPartyHistory recomputes the parties' records from the disputes and
// the marketplace's reports on remedy instructions, replacing what the
// tables held: the backfill of migration 0015, and the last step of a bulk
// load. It reads the disputes a page at a time and adds each page's figures
// to the counters, so its memory does not grow with the table.
func (db *DB) RebuildPartyHistory(ctx context.Context) error {
	return wrap(db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		return rebuildPartyHistory(g, db.dialect, time.Now())
	}))
}

func rebuildPartyHistory(g *gorm.DB, dialect Dialect, at time.Time) error {
	for _, table := range []string{"restrictions", "strikes", "party_counters"} {
		if err := g.Exec("DELETE FROM " + table).Error; err != nil {
			return err
		}
	}
	batch := 500
	if dialect == SQLite {
		batch = 100
	}
	after := ""
	for {
		var rows []disputeRow
		if err := g.Where("id > ?", after).Order("id").Limit(rebuildPage).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ds, err := toDisputes(rows)
		if err != nil {
			return err
		}
		tl := tallyOf(ds)
		ids := make([]string, len(ds))
		byID := make(map[string]*dispute.Dispute, len(ds))
		for i, d := range ds {
			ids[i], byID[d.ID] = d.ID, d
		}
		if err := tl.write(g, batch, at); err != nil {
			return err
		}
		if err := rebuildRestrictions(g, ids, byID); err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
	}
}

// rebuildRestrictions replays the executed reports on the disputes' account
// measures in the order the instructions were issued.
func rebuildRestrictions(g *gorm.DB, ids []string, byID map[string]*dispute.Dispute) error {
	var rows []instructionRow
	err := g.Where("dispute_id IN ? AND status = ?", ids, string(dispute.InstructionExecuted)).Order("id").Find(&rows).Error
	if err != nil {
		return err
	}
	ins, err := toInstructions(rows)
	if err != nil {
		return err
	}
	for _, in := range ins {
		switch add, lift := dispute.RestrictionChange(byID[in.DisputeID], in); {
		case add != nil:
			row := restrictionRow{InstructionID: add.InstructionID, DisputeID: add.DisputeID, UserID: add.UserID, Type: string(add.Type), Until: utcPtr(add.Until)}
			if err := g.Create(&row).Error; err != nil {
				return err
			}
		case lift != "":
			if err := g.Model(&restrictionRow{}).Where("instruction_id = ?", lift).Update("lifted_at", in.UpdatedAt.UTC()).Error; err != nil {
				return err
			}
		}
	}
	return nil
}
