// Command explain-queue loads a million synthetic disputes into a throwaway
// PostgreSQL database and prints the plans of the review-queue queries, to
// show they stay index-only scans at that size. Run it with
// scripts/explain-queue.sh (or make explain-queue).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "explain-queue:", err)
		os.Exit(1)
	}
}

func run() error {
	def := os.Getenv("TEST_DATABASE_URL")
	if def == "" {
		def = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin := flag.String("admin-url", def, "a PostgreSQL URL whose user may create databases")
	n := flag.Int("n", 1_000_000, "how many disputes to load")
	flag.Parse()
	ctx := context.Background()

	g, err := gorm.Open(postgres.Open(*admin), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "disputes_explain_" + hex.EncodeToString(b[:])
	if err := g.Exec("CREATE DATABASE " + name).Error; err != nil {
		return err
	}
	defer g.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	u, err := url.Parse(*admin)
	if err != nil {
		return err
	}
	u.Path = "/" + name

	db, err := store.Open(ctx, u.String(), store.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := db.LoadSynthetic(ctx, *n); err != nil {
		return err
	}
	fmt.Printf("loaded %d disputes in %s\n\n", *n, time.Since(start).Round(time.Millisecond))
	for _, f := range []dispute.QueueFilter{
		{Teams: []dispute.Team{dispute.TeamLogistics}, States: []dispute.State{dispute.StateEscalated}, Limit: 51},
		{Teams: []dispute.Team{dispute.TeamTrustSafety}, States: []dispute.State{dispute.StateEscalated, dispute.StateAppealed}, Limit: 51},
		{Teams: []dispute.Team{dispute.TeamLogistics, dispute.TeamPayments}, States: []dispute.State{dispute.StateEscalated}, Limit: 51},
	} {
		plan, err := db.ExplainQueue(ctx, f)
		if err != nil {
			return err
		}
		fmt.Println(plan)
		fmt.Println()
	}
	return nil
}
