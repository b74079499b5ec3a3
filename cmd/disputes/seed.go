package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/console"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/evidence"
	"github.com/opendispute/disputes/pkg/seed"
	"github.com/opendispute/disputes/pkg/store"
)

// runSeed loads demo data into the database.
func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("seed", "seed --demo | --cases N [--seed S] [flags]")
	commonFlags(fs, &cfg, getenv)
	demo := fs.Bool("demo", false, "seed a demo marketplace: orders, a buyer, a seller and reviewers of every team")
	cases := fs.Int("cases", 0, "bulk-load this many generated disputes (mixed states, teams, reasons, valid audit chains; a tenth with files, stored in DISPUTES_BLOB_URL)")
	seedValue := fs.Uint64("seed", 1, "random seed for --cases; the same seed gives the same cases")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("seed takes no arguments, got %q", fs.Args())}
	}
	if *demo == (*cases > 0) {
		return usageError{"seed needs --demo or --cases N (N > 0)"}
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	var problems []string
	ev := loadEvidenceSettings(getenv, cfg.DatabaseURL, func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) })
	if len(problems) > 0 {
		return usageError{strings.Join(problems, "; ")}
	}
	blobs, err := blob.Open(ctx, ev.BlobURL)
	if err != nil {
		return fmt.Errorf("DISPUTES_BLOB_URL: %w", err)
	}
	defer blobs.Close()
	if *cases > 0 {
		if err := storeSeedFiles(ctx, blobs); err != nil {
			return err
		}
		if err := seedCases(ctx, db, *cases, *seedValue, stderr); err != nil {
			return err
		}
		return fillSearchIndex(ctx, db, stderr)
	}
	svc := dispute.NewService(db, dispute.Options{})
	var secret []byte
	if s := getenv("DISPUTES_JWT_SECRET"); s != "" {
		secret = []byte(s)
	} else if usesDevSecret(getenv, cfg.DatabaseURL) {
		// The tokens it prints are those serve accepts on this database.
		if secret, _, _, err = devSecret(devSecretFile); err != nil {
			return err
		}
	}
	return seedDemo(ctx, svc, blobs, secret, "http://"+envOr(getenv, "DISPUTES_ADDR", "127.0.0.1:8080"), stdout)
}

// Demo users. Buyer and seller are plain users: their part in a dispute
// follows from the order.
const (
	demoBuyer    = "usr_demo_buyer"
	demoSeller   = "usr_demo_seller"
	demoReviewer = "usr_demo_reviewer"
	demoSenior   = "usr_demo_senior"
	demoLead     = "usr_demo_lead"
	demoSystem   = "svc_marketplace"
)

var allTeams = []string{"logistics", "object_experts", "trust_safety", "payments", "customer_support"}

// demoStaff are the demo's Trust & Safety staff: a reviewer, a senior
// reviewer and a lead of every team. They get tokens and may sign in to the
// console without a provider.
func demoStaff() []console.DemoUser {
	return []console.DemoUser{
		{ID: demoReviewer, Roles: []string{"reviewer"}, Teams: allTeams},
		{ID: demoSenior, Roles: []string{"senior_reviewer"}, Teams: allTeams},
		{ID: demoLead, Roles: []string{"lead"}, Teams: allTeams},
	}
}

// seedDemo writes four fresh orders between the demo buyer and seller (the
// fourth holds a dispute with a photo, when blobs is set) and prints tokens
// and curl lines to walk a dispute through. Order ids are new on every run,
// so the walk-through works again after a restart.
func seedDemo(ctx context.Context, svc *dispute.Service, blobs *blob.Store, secret []byte, base string, out io.Writer) error {
	var b [3]byte
	_, _ = rand.Read(b[:])
	run := hex.EncodeToString(b[:])
	system := dispute.Actor{ID: demoSystem, Roles: []dispute.Role{dispute.RoleSystem}}
	delivered := time.Now().UTC().Add(-48 * time.Hour)
	orders := []dispute.Order{
		{ID: "ord_demo_" + run + "_1", ListingIDs: []string{"lst_demo_vase"}, ItemCount: 1, Total: dispute.Money{Amount: "240.00", Currency: "EUR"}, DeliveredAt: &delivered},
		{ID: "ord_demo_" + run + "_2", ListingIDs: []string{"lst_demo_lamp", "lst_demo_chair"}, ItemCount: 2, Total: dispute.Money{Amount: "1250.00", Currency: "EUR"}},
		{ID: "ord_demo_" + run + "_3", ListingIDs: []string{"lst_demo_watch"}, ItemCount: 1, Total: dispute.Money{Amount: "3900.00", Currency: "EUR"}, DeliveredAt: &delivered},
		{ID: "ord_demo_" + run + "_4", ListingIDs: []string{"lst_demo_vase_2"}, ItemCount: 1, Total: dispute.Money{Amount: "180.00", Currency: "EUR"}, DeliveredAt: &delivered},
	}
	for _, o := range orders {
		o.BuyerID, o.SellerID = demoBuyer, demoSeller
		if _, _, err := svc.UpsertOrder(ctx, system, o); err != nil {
			return fmt.Errorf("seed demo order %s: %w", o.ID, err)
		}
	}
	fmt.Fprintf(out, "\nDemo marketplace: orders %s, %s, %s (buyer %s, seller %s)\n", orders[0].ID, orders[1].ID, orders[2].ID, demoBuyer, demoSeller)
	if blobs != nil {
		id, err := seedDemoEvidence(ctx, svc, blobs, orders[3].ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "A dispute with a photo, waiting for a reviewer: %s (GET /v1/disputes/%s/evidence)\n", id, id)
		fmt.Fprintf(out, "The reviewers' console: %s/console/ (sign in as a demo reviewer)\n", base)
	}
	if len(secret) == 0 {
		fmt.Fprintln(out, "Set DISPUTES_JWT_SECRET and use `disputes token` to mint tokens for these users.")
		return nil
	}
	type who struct {
		env, sub string
		roles    []string
		teams    []string
	}
	users := []who{{"BUYER", demoBuyer, nil, nil}, {"SELLER", demoSeller, nil, nil}}
	for _, u := range demoStaff() {
		users = append(users, who{strings.ToUpper(strings.TrimPrefix(u.ID, "usr_demo_")), u.ID, u.Roles, u.Teams})
	}
	users = append(users, who{"SYSTEM", demoSystem, []string{"system"}, nil})
	fmt.Fprintln(out, "\nTokens (valid 24 hours; paste into your shell):")
	now := time.Now()
	for _, u := range users {
		tok, err := auth.Mint(secret, u.sub, u.roles, u.teams, 24*time.Hour, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "export %s=%s\n", u.env, tok)
	}
	fmt.Fprintf(out, `export API=%s ORDER=%s ORDER2=%s

Walk a dispute through (see README.md for the whole tour):
  curl -s -X POST $API/v1/disputes -H "Authorization: Bearer $BUYER" -H 'Content-Type: application/json' \
    -d '{"order_id":"'$ORDER'","reason":"item_damaged","description":"The vase arrived cracked.","language":"en"}'
  curl -s $API/v1/disputes -H "Authorization: Bearer $SELLER"
  curl -s -X POST $API/v1/queue/claim -H "Authorization: Bearer $REVIEWER"

`, base, orders[0].ID, orders[1].ID)
	return nil
}

// storeSeedFiles puts the files generated evidence refers to into blob
// storage, before any row refers to them, cleaned as an upload is. The
// blobs are content-addressed, so a second load stores nothing new.
func storeSeedFiles(ctx context.Context, blobs *blob.Store) error {
	for _, f := range seed.Files() {
		clean := evidence.Clean(bytes.NewReader(f.Content), f.ContentType)
		obj, err := blobs.Put(ctx, clean, int64(len(f.Content)))
		clean.Close()
		if err != nil {
			return fmt.Errorf("seed file %s: %w", f.Name, err)
		}
		if obj.Key != f.SHA256 {
			return fmt.Errorf("seed file %s: stored as %s, its rows name %s", f.Name, obj.Key, f.SHA256)
		}
	}
	return nil
}

// seedCases bulk-loads n generated disputes, generating and inserting
// batches on every core, with a progress bar on out.
func seedCases(ctx context.Context, db *store.DB, n int, seedValue uint64, out io.Writer) error {
	const batch = 1000
	start := time.Now()
	var done atomic.Int64
	jobs := make(chan int)
	g, ctx := errgroup.WithContext(ctx)
	for w := range runtime.GOMAXPROCS(0) + 1 {
		g.Go(func() error {
			gen := seed.New(seedValue+uint64(w)*1_000_003, start)
			// A constant number of disputes per user, whatever n: about
			// 20 per buyer and 200 per seller.
			gen.Buyers, gen.Sellers = max(1, n/20), max(1, n/200)
			for first := range jobs {
				var b store.Bulk
				for i := first; i < min(first+batch, n); i++ {
					c, err := gen.Next(ctx, i)
					if err != nil {
						return err
					}
					b.Orders, b.Disputes = append(b.Orders, c.Order), append(b.Disputes, c.Dispute)
					b.Records, b.Messages = append(b.Records, c.Records...), append(b.Messages, c.Messages...)
					b.ReportEvents = append(b.ReportEvents, c.ReportEvents...)
					b.Evidence = append(b.Evidence, c.Evidence...)
				}
				if err := db.BulkInsert(ctx, b); err != nil {
					return err
				}
				done.Add(int64(len(b.Disputes)))
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(jobs)
		for first := 0; first < n; first += batch {
			select {
			case jobs <- first:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	p := newProgress(out, n, start)
	stop := make(chan struct{})
	bar := make(chan struct{})
	go func() {
		defer close(bar)
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			p.show(done.Load())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	err := g.Wait()
	close(stop)
	<-bar
	p.finish(done.Load())
	return err
}

// fillSearchIndex indexes the texts of the disputes loaded in bulk, which
// bypass the service and so its indexing, in one pass after the load.
func fillSearchIndex(ctx context.Context, db *store.DB, out io.Writer) error {
	start := time.Now()
	fmt.Fprintln(out, "indexing the texts for search")
	n, err := db.FillSearchIndex(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "indexed %d texts for search in %s\n", n, time.Since(start).Round(time.Second))
	return nil
}

// progress shows how far a bulk load is. On a terminal it redraws one line
// in place; elsewhere (a log file, a pipe, CI) it writes a line per step,
// and only when the count has moved, so the output reads as a log.
type progress struct {
	out      io.Writer
	n        int
	start    time.Time
	terminal bool
	every    time.Duration
	shown    int64
}

func newProgress(out io.Writer, n int, start time.Time) *progress {
	p := &progress{out: out, n: n, start: start, terminal: isTerminal(out), every: 500 * time.Millisecond, shown: -1}
	if !p.terminal {
		p.every = 2 * time.Second
	}
	return p
}

func (p *progress) show(done int64) {
	if !p.terminal {
		if done == p.shown {
			return
		}
		fmt.Fprintln(p.out, p.line(done))
		p.shown = done
		return
	}
	fmt.Fprint(p.out, "\r"+p.line(done))
}

// finish shows the final count and ends the line.
func (p *progress) finish(done int64) {
	if p.terminal {
		fmt.Fprintln(p.out, "\r"+p.line(done))
		return
	}
	if done != p.shown {
		fmt.Fprintln(p.out, p.line(done))
	}
}

func (p *progress) line(done int64) string {
	const width = 30
	filled := int(done) * width / max(p.n, 1)
	rate := float64(done) / max(time.Since(p.start).Seconds(), 0.001)
	return fmt.Sprintf("seeding [%s%s] %d/%d disputes, %.0f/s, %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		done, p.n, rate, time.Since(p.start).Round(time.Second))
}

// isTerminal reports whether w is a terminal (a character device), where a
// line may be redrawn with a carriage return.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
