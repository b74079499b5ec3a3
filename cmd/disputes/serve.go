package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/opendispute/disputes/api"
	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/console"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/metrics"
	"github.com/opendispute/disputes/pkg/ratelimit"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/tdb"
	"github.com/opendispute/disputes/pkg/webhook"
	"github.com/opendispute/disputes/pkg/worker"
)

func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newMetrics returns the process's metrics, named for this build.
func newMetrics() *metrics.Metrics {
	return metrics.New(metrics.Build{Version: version, Commit: buildCommit()})
}

// openService connects to the database, applies pending migrations and
// returns the domain service over it.
func openService(ctx context.Context, cfg config, log *slog.Logger, m *metrics.Metrics) (*store.DB, *dispute.Service, error) {
	opts := store.Options{MaxOpenConns: cfg.DBMaxConns, Logger: log}
	replicaOptions(cfg.Replicas, m, &opts)
	db, err := store.Open(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		return nil, nil, err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	log.Info("database ready", "dialect", db.Dialect(), "migrations_applied", n)
	log.Info("routing", "table", cfg.Routing.String())
	m.WatchDatabase(db.Stats)
	watchReplicas(db, m, log)
	return db, dispute.NewService(db, dispute.Options{
		Deadlines: cfg.Deadlines, Routing: cfg.Routing, CheckWebhookURL: cfg.WebhookGuard.CheckURL, OnFired: m.Fired,
		EvidenceMaxFiles: cfg.Evidence.MaxFiles,
		Redress:          cfg.Redress, RedressCountry: cfg.RedressCountry,
		Strikes: cfg.Strikes,
	}), nil
}

// openBlobs opens the storage of evidence files.
func openBlobs(ctx context.Context, cfg config, log *slog.Logger) (*blob.Store, error) {
	blobs, err := blob.Open(ctx, cfg.Evidence.BlobURL)
	if err != nil {
		return nil, fmt.Errorf("DISPUTES_BLOB_URL: %w", err)
	}
	log.Info("evidence storage ready", "max_bytes", cfg.Evidence.MaxBytes, "max_files", cfg.Evidence.MaxFiles,
		"retention", cfg.Evidence.Retention)
	return blobs, nil
}

// orphanAge is how old a stored file that no evidence refers to must be
// before it is deleted: an upload writes its file before its row, so a
// younger one may belong to an upload still under way.
const orphanAge = 24 * time.Hour

// housekeeping deletes the files of disputes closed longer than the
// retention period, then the stored files nothing refers to.
func housekeeping(cfg config, svc *dispute.Service, blobs *blob.Store, log *slog.Logger) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		now := time.Now()
		n, err := svc.PurgeEvidence(ctx, now.Add(-cfg.Evidence.Retention), func(ctx context.Context, sha string) error {
			if err := blobs.Delete(ctx, sha); err != nil && !errors.Is(err, blob.ErrNotFound) {
				return err
			}
			return nil
		})
		if n > 0 {
			log.Info("evidence past its retention period purged", "files", n)
		}
		if err != nil {
			return err
		}
		res, err := blobs.Sweep(ctx, now.Add(-orphanAge), svc.EvidenceReferenced)
		if res.Blobs+res.Temporary > 0 {
			log.Info("orphan evidence files swept", "blobs", res.Blobs, "temporary", res.Temporary, "bytes", res.Bytes)
		}
		return err
	}
}

// runBackground runs the deadline worker (with its evidence housekeeping),
// the webhook dispatcher and, with DISPUTES_TDB_URL set, the submission of
// statements of reasons to the EU Transparency Database until ctx ends, and
// returns once all have stopped.
func runBackground(ctx context.Context, cfg config, svc *dispute.Service, db *store.DB, blobs *blob.Store, log *slog.Logger, m *metrics.Metrics) {
	w := worker.New(worker.Config{Service: svc, Tick: cfg.WorkerTick, Purger: db, Logger: log.With("component", "worker"), OnRun: m.WorkerRan,
		Housekeeping: housekeeping(cfg, svc, blobs, log.With("component", "worker"))})
	d := webhook.New(webhook.Config{Store: db, Sequencer: svc, Guard: cfg.WebhookGuard, Logger: log.With("component", "webhooks"),
		OnAttempt: func(o webhook.Outcome, took time.Duration) { m.WebhookAttempted(string(o), took) }})
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	submitted := make(chan struct{})
	go func() {
		defer close(submitted)
		if cfg.TDBURL == "" {
			return
		}
		s := tdb.Worker{Service: svc, Client: &tdb.Client{URL: cfg.TDBURL, Token: cfg.TDBToken}, Logger: log.With("component", "tdb")}
		s.Run(ctx)
	}()
	w.Run(ctx)
	<-done
	<-submitted
}

// warnWebhookSwitches says so when webhooks may go to plain http or to
// loopback and private addresses.
func warnWebhookSwitches(cfg config, log *slog.Logger) {
	if cfg.WebhookGuard.AllowHTTP || cfg.WebhookGuard.AllowPrivate {
		log.Warn("webhook development switches are on (never in production): webhook URLs may be plain http or reach loopback and private addresses",
			"DISPUTES_WEBHOOK_ALLOW_HTTP", cfg.WebhookGuard.AllowHTTP, "DISPUTES_WEBHOOK_ALLOW_PRIVATE", cfg.WebhookGuard.AllowPrivate)
	}
}

// runWorker runs the background work of runBackground without the API, until
// ctx ends.
func runWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadServeConfig(args, getenv, stdout, true)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	warnWebhookSwitches(cfg, log)
	m := newMetrics()
	db, svc, err := openService(ctx, cfg, log, m)
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := openBlobs(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer blobs.Close()
	if cfg.AdminAddr != "" {
		addr, stopAdmin, err := serveAdmin(cfg.AdminAddr, m.Handler(), log)
		if err != nil {
			return err
		}
		defer stopAdmin()
		fmt.Fprintf(stdout, "admin endpoints (metrics, profiling) on http://%s\n", addr)
	}
	fmt.Fprintf(stdout, "disputes %s worker running every %s (database: %s)\n", version, cfg.WorkerTick, db.Dialect())
	runBackground(ctx, cfg, svc, db, blobs, log, m)
	return nil
}

// newConsole returns the reviewers' console: signing in through the
// configured OpenID Connect provider and, under --demo, as the demo staff.
func newConsole(cfg config, svc *dispute.Service, db *store.DB, blobs *blob.Store, base string, log *slog.Logger) (*console.Console, error) {
	c := console.Config{Service: svc, Sessions: db, Blobs: blobs, SessionTTL: cfg.Console.SessionTTL, Logger: log.With("component", "console")}
	if cfg.Console.OIDCIssuer != "" {
		public := cfg.Console.PublicURL
		if public == "" {
			public = base
		}
		c.OIDC = &console.OIDC{Issuer: cfg.Console.OIDCIssuer, ClientID: cfg.Console.OIDCClientID,
			ClientSecret: cfg.Console.OIDCClientSecret, RedirectURL: public + console.Prefix + "oidc/callback"}
	}
	if cfg.Demo {
		c.Demo = demoStaff()
	}
	return console.New(c)
}

// runServe serves the API until ctx ends, then drains in-flight requests.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadServeConfig(args, getenv, stdout, false)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch {
	case cfg.DevSecret:
		secret, created, warning, err := devSecret(devSecretFile)
		if err != nil {
			return err
		}
		cfg.JWTSecret = secret
		how := "using the development secret kept in"
		if created {
			how = "created the development secret"
		}
		log.Warn("DISPUTES_JWT_SECRET is not set: "+how+" "+devSecretFile+" (development only; never used with a configured secret, a JWKS URL or another database); disputes token signs with it too and tokens survive restarts",
			"file", devSecretFile)
		if warning != "" {
			log.Warn(warning)
		}
	case cfg.SecretIsTemp && cfg.JWKSURL == "":
		log.Warn("DISPUTES_JWT_SECRET is not set: using a random secret for this run only (development use); tokens stop working at restart")
	}
	warnWebhookSwitches(cfg, log)
	m := newMetrics()
	db, svc, err := openService(ctx, cfg, log, m)
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := openBlobs(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer blobs.Close()

	var verifier httpapi.Authenticator
	if cfg.JWKSURL != "" {
		// Tokens come from an OpenID Connect provider (RS256/ES256).
		verifier, err = auth.NewJWKSVerifier(ctx, cfg.JWKSURL, auth.JWKSOptions{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience})
	} else {
		verifier, err = auth.NewVerifier(cfg.JWTSecret, nil)
	}
	if err != nil {
		return err
	}
	var shared httpapi.SharedLimits
	if cfg.HTTP.RedisURL != "" {
		r, err := ratelimit.Open(cfg.HTTP.RedisURL, cfg.HTTP.RedisPrefix, cfg.HTTP.RedisTimeout)
		if err != nil {
			return fmt.Errorf("DISPUTES_REDIS_URL %w", err)
		}
		defer r.Close()
		shared = r
		log.Info("abuse limits shared with the other instances through Redis", "redis", r.Addr(), "prefix", cfg.HTTP.RedisPrefix,
			"timeout", cfg.HTTP.RedisTimeout)
	}
	srv := httpapi.New(httpapi.Config{
		Service: svc, Auth: verifier, Idempotency: db, DB: db, OpenAPI: api.OpenAPI,
		Logger: log, BodyLimit: cfg.BodyLimit, Contact: cfg.Contact,
		RateLimit: cfg.HTTP.RateLimit, RateBurst: cfg.HTTP.RateBurst, TrustedProxies: cfg.HTTP.TrustedProxies,
		AuthFailureLimit: cfg.HTTP.AuthFailureLimit, AuthFailureWindow: cfg.HTTP.AuthFailureWindow, PageConcurrency: cfg.HTTP.PageConcurrency, PageMaxWait: cfg.HTTP.PageMaxWait, SharedLimits: shared,
		Metrics: m.Registry, Blobs: blobs, EvidenceMaxBytes: cfg.Evidence.MaxBytes, Crash: crashAt(cfg.FaultPoint),
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if cfg.Demo {
		if err := seedDemo(ctx, svc, blobs, cfg.JWTSecret, base, stdout); err != nil {
			_ = ln.Close()
			return err
		}
	}

	if cfg.AdminAddr != "" {
		addr, stopAdmin, err := serveAdmin(cfg.AdminAddr, m.Handler(), log)
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer stopAdmin()
		fmt.Fprintf(stdout, "admin endpoints (metrics, profiling) on http://%s\n", addr)
	}

	pages, err := newConsole(cfg, svc, db, blobs, base, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/console", pages)
	mux.Handle(console.Prefix, pages)
	mux.Handle("/", srv)
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	workerDone := make(chan struct{})
	workerCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	if cfg.NoWorkers {
		close(workerDone)
	} else {
		go func() {
			defer close(workerDone)
			runBackground(workerCtx, cfg, svc, db, blobs, log, m)
		}()
	}
	fmt.Fprintf(stdout, "disputes %s listening on %s (database: %s)\n", version, base, db.Dialect())

	select {
	case err := <-errc:
		stopWorker()
		<-workerDone
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	stopWorker()
	<-workerDone
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// crashAt returns the hook that kills the process with SIGKILL, as a
// crash would, when a keyed request passes the point: the fault tests' way to
// stop the service exactly there. "" means no hook.
func crashAt(point string) func(string) {
	if point == "" {
		return nil
	}
	return func(p string) {
		if p == point {
			if self, err := os.FindProcess(os.Getpid()); err == nil {
				_ = self.Kill() // SIGKILL
			}
			select {} // the signal is on its way
		}
	}
}
