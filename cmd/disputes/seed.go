package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
)

// runSeed loads demo data into the database.
func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("seed", stderr)
	commonFlags(fs, &cfg, getenv)
	demo := fs.Bool("demo", false, "seed a demo marketplace: orders, a buyer, a seller and reviewers of every team")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demo {
		return usageError{"seed needs --demo"}
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	svc := dispute.NewService(db, dispute.Options{})
	var secret []byte
	if s := getenv("DISPUTES_JWT_SECRET"); s != "" {
		secret = []byte(s)
	}
	return seedDemo(ctx, svc, secret, "http://"+envOr(getenv, "DISPUTES_ADDR", "127.0.0.1:8080"), stdout)
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

// seedDemo writes three fresh orders between the demo buyer and seller and
// prints tokens and curl lines to walk a dispute through. Order ids are new
// on every run, so the walk-through works again after a restart.
func seedDemo(ctx context.Context, svc *dispute.Service, secret []byte, base string, out io.Writer) error {
	var b [3]byte
	_, _ = rand.Read(b[:])
	run := hex.EncodeToString(b[:])
	system := dispute.Actor{ID: demoSystem, Roles: []dispute.Role{dispute.RoleSystem}}
	delivered := time.Now().UTC().Add(-48 * time.Hour)
	orders := []dispute.Order{
		{ID: "ord_demo_" + run + "_1", ListingIDs: []string{"lst_demo_vase"}, ItemCount: 1, Total: dispute.Money{Amount: "240.00", Currency: "EUR"}, DeliveredAt: &delivered},
		{ID: "ord_demo_" + run + "_2", ListingIDs: []string{"lst_demo_lamp", "lst_demo_chair"}, ItemCount: 2, Total: dispute.Money{Amount: "1250.00", Currency: "EUR"}},
		{ID: "ord_demo_" + run + "_3", ListingIDs: []string{"lst_demo_watch"}, ItemCount: 1, Total: dispute.Money{Amount: "3900.00", Currency: "EUR"}, DeliveredAt: &delivered},
	}
	for _, o := range orders {
		o.BuyerID, o.SellerID = demoBuyer, demoSeller
		if _, _, err := svc.UpsertOrder(ctx, system, o); err != nil {
			return fmt.Errorf("seed demo order %s: %w", o.ID, err)
		}
	}
	fmt.Fprintf(out, "\nDemo marketplace: orders %s, %s, %s (buyer %s, seller %s)\n", orders[0].ID, orders[1].ID, orders[2].ID, demoBuyer, demoSeller)
	if len(secret) == 0 {
		fmt.Fprintln(out, "Set DISPUTES_JWT_SECRET and use `disputes token` to mint tokens for these users.")
		return nil
	}
	type who struct {
		env, sub string
		roles    []string
		teams    []string
	}
	users := []who{
		{"BUYER", demoBuyer, nil, nil},
		{"SELLER", demoSeller, nil, nil},
		{"REVIEWER", demoReviewer, []string{"reviewer"}, allTeams},
		{"SENIOR", demoSenior, []string{"senior_reviewer"}, allTeams},
		{"LEAD", demoLead, []string{"lead"}, allTeams},
		{"SYSTEM", demoSystem, []string{"system"}, nil},
	}
	fmt.Fprintln(out, "\nTokens (valid 24 hours; paste into your shell):")
	now := time.Now()
	for _, u := range users {
		tok, err := auth.Mint(secret, u.sub, u.roles, u.teams, 24*time.Hour, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "export %s=%s\n", u.env, tok)
	}
	fmt.Fprintf(out, `export API=%s ORDER=%s

Walk a dispute through (see README.md for the whole tour):
  curl -s -X POST $API/v1/disputes -H "Authorization: Bearer $BUYER" -H 'Content-Type: application/json' \
    -d '{"order_id":"'$ORDER'","reason":"item_damaged","description":"The vase arrived cracked.","language":"en"}'
  curl -s $API/v1/disputes -H "Authorization: Bearer $SELLER"
  curl -s -X POST $API/v1/queue/claim -H "Authorization: Bearer $REVIEWER"

`, base, orders[0].ID)
	return nil
}
