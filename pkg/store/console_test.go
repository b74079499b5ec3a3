package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/store/storetest"
)

func TestConsoleSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		if err := db.PutConsoleSession(ctx, "h1", "session", []byte(`{"user_id":"a"}`), now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.PutConsoleSession(ctx, "h2", "sign_in", []byte(`{}`), now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		data, ok, err := db.ConsoleSession(ctx, "h1", "session", now)
		if err != nil || !ok || string(data) != `{"user_id":"a"}` {
			t.Fatalf("session: %q %v %v", data, ok, err)
		}
		// A row of another kind is not a session.
		if _, ok, err := db.ConsoleSession(ctx, "h2", "session", now); ok || err != nil {
			t.Fatalf("a sign-in read as a session: %v %v", ok, err)
		}
		// Expired rows are not found, and are removed by the sweep.
		if _, ok, _ := db.ConsoleSession(ctx, "h2", "sign_in", now.Add(time.Minute)); ok {
			t.Fatal("an expired sign-in was found")
		}
		n, err := db.DeleteExpiredConsoleSessions(ctx, now.Add(2*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("swept %d, %v; want 1", n, err)
		}
		if err := db.DeleteConsoleSession(ctx, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := db.ConsoleSession(ctx, "h1", "session", now); ok {
			t.Fatal("a deleted session was found")
		}
		if err := db.DeleteConsoleSession(ctx, "h1"); err != nil {
			t.Fatalf("deleting a missing session: %v", err)
		}
	})
}
