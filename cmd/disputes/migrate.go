package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/opendispute/disputes/pkg/store"
)

// runMigrate applies, rolls back or lists schema migrations. Only up
// creates a SQLite database that does not exist yet; status and down report
// that it is missing.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlagSet("migrate", "migrate up|down|status [--database-url URL]")
	commonFlags(fs, &cfg, getenv)
	// The action comes first (migrate up --database-url ...), or after the
	// flags (migrate --database-url ... up).
	var action string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	rest := fs.Args()
	if action == "" && len(rest) > 0 {
		action, rest = rest[0], rest[1:]
	}
	if action == "" {
		return usageError{"migrate needs up, down or status (see disputes migrate --help)"}
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("migrate %s takes no arguments, got %q", action, rest)}
	}
	if action != "up" && action != "down" && action != "status" {
		return usageError{fmt.Sprintf("migrate needs up, down or status, not %q", action)}
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{MaxOpenConns: 2, MustExist: action != "up"})
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		n, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	case "down":
		m, err := db.MigrateDown(ctx)
		if err != nil {
			return err
		}
		if m == nil {
			fmt.Fprintln(stdout, "no migration to roll back")
			return nil
		}
		fmt.Fprintf(stdout, "rolled back %04d_%s\n", m.Version, m.Name)
	case "status":
		ms, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED AT")
		for _, m := range ms {
			at := "pending"
			if m.AppliedAt != nil {
				at = m.AppliedAt.Format("2006-01-02T15:04:05Z")
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, at)
		}
		return tw.Flush()
	}
	return nil
}
