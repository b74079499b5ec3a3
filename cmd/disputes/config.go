package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi"
	"github.com/opendispute/disputes/pkg/ratelimit"
	"github.com/opendispute/disputes/pkg/store"
	"github.com/opendispute/disputes/pkg/webhook"
)

// config is the service's configuration, read from flags and the
// environment and validated before anything starts.
type config struct {
	Addr         string
	DatabaseURL  string
	JWTSecret    []byte
	SecretIsTemp bool // generated at start: tokens die with the process
	DevSecret    bool // sign with the development secret kept in devSecretFile
	JWKSURL      string
	JWTIssuer    string
	JWTAudience  string
	Demo         bool
	LogLevel     slog.Level
	LogFormat    string
	BodyLimit    int64
	// FaultPoint, for the fault tests only, names a point of a keyed
	// request (httpapi.CrashPoints) where the process kills itself.
	FaultPoint   string
	DBMaxConns   int
	Replicas     replicaSettings
	Deadlines    dispute.Deadlines
	Contact      contact.Config
	NoWorkers    bool
	AdminAddr    string // admin-only metrics and profiling endpoints; empty is off
	WorkerTick   time.Duration
	WebhookGuard webhook.Guard
	Routing      dispute.RoutingTable
	// Strikes says how long strikes stay active and how many make a seller
	// a repeat offender.
	Strikes dispute.StrikePolicy
	// Redress and RedressCountry name the out-of-court dispute settlement
	// bodies in statements of reasons.
	Redress        dispute.RedressTable
	RedressCountry string
	// TDBURL and TDBToken reach the EU Transparency Database; unset,
	// statements of reasons wait in their outbox.
	TDBURL   string
	TDBToken string
	HTTP     httpSettings // serve only
	Evidence evidenceSettings
	Console  consoleSettings
}

// consoleSettings configure the reviewers' console's sign-in.
type consoleSettings struct {
	// OIDCIssuer, OIDCClientID and OIDCClientSecret reach the OpenID
	// Connect provider staff sign in with; unset, only `serve --demo`
	// offers a sign-in.
	OIDCIssuer, OIDCClientID, OIDCClientSecret string
	// PublicURL is the service's address as browsers reach it, for the
	// provider's redirect back to /console/oidc/callback; empty means the
	// listen address.
	PublicURL  string
	SessionTTL time.Duration
}

// evidenceSettings say where files of evidence are kept and how many and how
// large they may be.
type evidenceSettings struct {
	BlobURL  string // DISPUTES_BLOB_URL; default a folder beside the SQLite database
	MaxBytes int64  // one file
	MaxFiles int    // one dispute
	// Retention is how long after a dispute closed its files are kept.
	Retention time.Duration
}

// defaultBlobURL is the folder "blobs" beside the embedded database (for
// PostgreSQL, beside where the embedded one would be): zero set-up, like
// SQLite itself.
func defaultBlobURL(databaseURL string) string {
	path := store.DefaultSQLitePath
	if p, ok := strings.CutPrefix(databaseURL, "sqlite:"); ok {
		p, _, _ = strings.Cut(strings.TrimPrefix(p, "//"), "?")
		if p != "" && p != ":memory:" {
			path = p
		}
	}
	return filepath.Join(filepath.Dir(path), "blobs")
}

func loadEvidenceSettings(getenv func(string) string, databaseURL string, add func(string, ...any)) evidenceSettings {
	return evidenceSettings{
		BlobURL:   envOr(getenv, "DISPUTES_BLOB_URL", defaultBlobURL(databaseURL)),
		MaxBytes:  int64(intSetting(getenv, "DISPUTES_EVIDENCE_MAX_BYTES", 10<<20, 1024, 1<<30, add)),
		MaxFiles:  intSetting(getenv, "DISPUTES_EVIDENCE_MAX_FILES", dispute.DefaultEvidenceMaxFiles, 1, 10000, add),
		Retention: durationSetting(getenv, "DISPUTES_EVIDENCE_RETENTION", 3*365*24*time.Hour, add),
	}
}

// envOr returns the environment value of key, or def.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// commonFlags registers the settings every database command shares.
func commonFlags(fs *flag.FlagSet, cfg *config, getenv func(string) string) {
	fs.StringVar(&cfg.DatabaseURL, "database-url", getenv("DATABASE_URL"), "postgres://... or sqlite:PATH (env DATABASE_URL; default sqlite:data/disputes.db)")
}

// loadServeConfig reads the flags and environment of serve (and, with
// worker set, of the worker command, which takes no HTTP settings). Usage
// asked for with --help goes to stdout.
func loadServeConfig(args []string, getenv func(string) string, stdout io.Writer, worker bool) (config, error) {
	var cfg config
	name, synopsis := "serve", "serve [flags]"
	if worker {
		name, synopsis = "worker", "worker [flags]   (the background work alone: deadlines, webhooks, Transparency Database submissions, evidence housekeeping)"
	}
	fs := newFlagSet(name, synopsis)
	commonFlags(fs, &cfg, getenv)
	if !worker {
		fs.StringVar(&cfg.Addr, "addr", envOr(getenv, "DISPUTES_ADDR", "127.0.0.1:8080"), "listen address (env DISPUTES_ADDR)")
		fs.BoolVar(&cfg.Demo, "demo", false, "seed a demo marketplace and print tokens and curl lines")
		fs.BoolVar(&cfg.NoWorkers, "no-workers", false, "do not run the background work in this process (deadlines, webhook deliveries, Transparency Database submissions, evidence housekeeping); run disputes worker for it")
	}
	// --pprof-addr and DISPUTES_PPROF_ADDR are the older names of the
	// admin address, from when it served profiling only.
	admin := envOr(getenv, "DISPUTES_ADMIN_ADDR", getenv("DISPUTES_PPROF_ADDR"))
	fs.StringVar(&cfg.AdminAddr, "admin-addr", admin, "serve /metrics and Go profiling endpoints on this admin-only address, e.g. 127.0.0.1:6060 (env DISPUTES_ADMIN_ADDR)")
	fs.StringVar(&cfg.AdminAddr, "pprof-addr", admin, "older name of --admin-addr (env DISPUTES_PPROF_ADDR)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Sprintf("%s takes no arguments, got %q", name, fs.Args())}
	}
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if !worker {
		// Checked here, with everything else, so a typo is reported before
		// the database is opened or created.
		if err := checkListenAddr(cfg.Addr); err != nil {
			add("--addr / DISPUTES_ADDR %q: %v", cfg.Addr, err)
		}
	}
	if cfg.AdminAddr != "" {
		if err := checkListenAddr(cfg.AdminAddr); err != nil {
			add("--admin-addr / DISPUTES_ADMIN_ADDR %q: %v", cfg.AdminAddr, err)
		}
	}

	switch secret := getenv("DISPUTES_JWT_SECRET"); {
	case secret != "":
		cfg.JWTSecret = []byte(secret)
		if len(cfg.JWTSecret) < auth.MinSecretLen {
			add("DISPUTES_JWT_SECRET must be at least %d bytes", auth.MinSecretLen)
		}
	case usesDevSecret(getenv, cfg.DatabaseURL):
		// Read (or made) by serve once the configuration is valid.
		cfg.DevSecret = true
	default:
		cfg.JWTSecret, cfg.SecretIsTemp = randomSecret(), true
	}
	cfg.JWKSURL, cfg.JWTIssuer, cfg.JWTAudience = getenv("DISPUTES_JWKS_URL"), getenv("DISPUTES_JWT_ISSUER"), getenv("DISPUTES_JWT_AUDIENCE")
	if cfg.JWKSURL != "" && !strings.HasPrefix(cfg.JWKSURL, "https://") && !strings.HasPrefix(cfg.JWKSURL, "http://") {
		add("DISPUTES_JWKS_URL must be an http(s) URL")
	}
	switch lvl := strings.ToLower(envOr(getenv, "DISPUTES_LOG_LEVEL", "info")); lvl {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info":
		cfg.LogLevel = slog.LevelInfo
	case "warn":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		add("DISPUTES_LOG_LEVEL must be debug, info, warn or error, not %q", lvl)
	}
	cfg.LogFormat = envOr(getenv, "DISPUTES_LOG_FORMAT", "text")
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		add("DISPUTES_LOG_FORMAT must be text or json, not %q", cfg.LogFormat)
	}
	cfg.BodyLimit = int64(intSetting(getenv, "DISPUTES_BODY_LIMIT", 1<<20, 1024, 64<<20, add))
	cfg.DBMaxConns = intSetting(getenv, "DISPUTES_DB_MAX_CONNS", 32, 1, 1000, add)
	cfg.Replicas = loadReplicas(getenv, cfg.DatabaseURL, add)
	cfg.WorkerTick = durationSetting(getenv, "DISPUTES_WORKER_TICK", 5*time.Second, add)
	cfg.Evidence = loadEvidenceSettings(getenv, cfg.DatabaseURL, add)
	if !worker {
		cfg.HTTP = loadHTTPSettings(getenv, cfg.DBMaxConns, add)
	}
	if p := getenv("DISPUTES_FAULT_POINT"); p != "" {
		if !slices.Contains(httpapi.CrashPoints, p) {
			add("DISPUTES_FAULT_POINT must be one of %s, not %q", strings.Join(httpapi.CrashPoints, ", "), p)
		}
		cfg.FaultPoint = p
	}
	cfg.WebhookGuard.AllowHTTP = boolSetting(getenv, "DISPUTES_WEBHOOK_ALLOW_HTTP", add)
	cfg.WebhookGuard.AllowPrivate = boolSetting(getenv, "DISPUTES_WEBHOOK_ALLOW_PRIVATE", add)
	cfg.Deadlines = dispute.Deadlines{
		SellerResponse:                durationSetting(getenv, "DISPUTES_SELLER_RESPONSE_TIMEOUT", dispute.DefaultDeadlines.SellerResponse, add),
		BuyerResponse:                 durationSetting(getenv, "DISPUTES_BUYER_RESPONSE_TIMEOUT", dispute.DefaultDeadlines.BuyerResponse, add),
		InfoResponse:                  durationSetting(getenv, "DISPUTES_INFO_RESPONSE_TIMEOUT", dispute.DefaultDeadlines.InfoResponse, add),
		AppealWindow:                  durationSetting(getenv, "DISPUTES_APPEAL_WINDOW", dispute.DefaultDeadlines.AppealWindow, add),
		AppealWindowRestrictiveMonths: intSetting(getenv, "DISPUTES_APPEAL_WINDOW_RESTRICTIVE_MONTHS", 6, 6, 120, add),
		Review:                        durationSetting(getenv, "DISPUTES_REVIEW_TIME", dispute.DefaultDeadlines.Review, add),
		ReviewSafety:                  durationSetting(getenv, "DISPUTES_REVIEW_TIME_SAFETY", dispute.DefaultDeadlines.ReviewSafety, add),
	}
	cfg.Strikes = dispute.StrikePolicy{
		TTL:            durationSetting(getenv, "DISPUTES_STRIKE_TTL", dispute.DefaultStrikeTTL, add),
		RepeatOffender: intSetting(getenv, "DISPUTES_REPEAT_OFFENDER_STRIKES", dispute.DefaultRepeatOffenderStrikes, 1, 1000, add),
	}
	routing := getenv("DISPUTES_ROUTING")
	if file := getenv("DISPUTES_ROUTING_FILE"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			add("DISPUTES_ROUTING_FILE: %v", err)
		}
		// The file holds reason=team lines; '#' starts a comment. The
		// environment's overrides apply after it.
		var lines []string
		for _, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			lines = append(lines, strings.TrimSpace(line))
		}
		routing = strings.Join(lines, ",") + "," + routing
	}
	var rerr error
	if cfg.Routing, rerr = dispute.ParseRouting(routing); rerr != nil {
		add("DISPUTES_ROUTING: %v", rerr)
	}
	cfg.Redress, cfg.RedressCountry = loadRedress(getenv, add)
	cfg.TDBURL, cfg.TDBToken = getenv("DISPUTES_TDB_URL"), getenv("DISPUTES_TDB_TOKEN")
	switch u, err := url.Parse(cfg.TDBURL); {
	case (cfg.TDBURL == "") != (cfg.TDBToken == ""):
		add("DISPUTES_TDB_URL and DISPUTES_TDB_TOKEN are set together or not at all")
	case cfg.TDBURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == ""):
		add("DISPUTES_TDB_URL must be an http(s) URL such as https://transparency.dsa.ec.europa.eu, not %q", cfg.TDBURL)
	}
	cfg.Console = loadConsole(getenv, add)
	var phoneReasons []string
	if v := getenv("DISPUTES_PHONE_REASONS"); v != "" {
		phoneReasons = strings.Split(v, ",")
	}
	var err error
	cfg.Contact, err = contact.Load(getenv("DISPUTES_CONTACT_TIMEZONE"), map[contact.Channel]string{
		contact.Chat:  getenv("DISPUTES_CONTACT_HOURS_CHAT"),
		contact.Email: getenv("DISPUTES_CONTACT_HOURS_EMAIL"),
		contact.Phone: getenv("DISPUTES_CONTACT_HOURS_PHONE"),
	}, phoneReasons)
	if err != nil {
		add("%v", err)
	}
	if len(problems) > 0 {
		return cfg, usageError{"invalid configuration:\n  " + strings.Join(problems, "\n  ")}
	}
	return cfg, nil
}

// checkListenAddr checks that addr is host:port with a port from 0 to
// 65535 and a host that is empty, an IP address or a name.
func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port, such as 127.0.0.1:8080 or :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("the port must be a number from 0 to 65535")
	}
	if strings.ContainsAny(host, " /?#@") {
		return errors.New("the host must be an IP address or a name")
	}
	return nil
}

func intSetting(getenv func(string) string, key string, def, lo, hi int, add func(string, ...any)) int {
	v := getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		add("%s must be an integer from %d to %d, not %q", key, lo, hi, v)
		return def
	}
	return n
}

// boolSetting reads true/false (1/0); unset is false.
func boolSetting(getenv func(string) string, key string, add func(string, ...any)) bool {
	v := getenv(key)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		add("%s must be true or false, not %q", key, v)
	}
	return b
}

func durationSetting(getenv func(string) string, key string, def time.Duration, add func(string, ...any)) time.Duration {
	v := getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		add("%s must be a positive duration such as 72h, not %q", key, v)
		return def
	}
	return d
}

func randomSecret() []byte {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return []byte(base64.RawURLEncoding.EncodeToString(b[:]))
}

// defaultPageConcurrency is the default of DISPUTES_PAGE_CONCURRENCY: twice
// the CPUs Go uses (enough to keep them busy while others wait on the
// database), at most half the connections of the pool (and at least one),
// so that page reads leave connections to single reads and transitions
// whenever the pool has more than one.
func defaultPageConcurrency(dbMaxConns int) int {
	return max(1, min(2*runtime.GOMAXPROCS(0), dbMaxConns/2))
}

// httpSettings are serve's protections against slow and abusive clients.
type httpSettings struct {
	ReadHeaderTimeout time.Duration // to read a request's headers
	ReadTimeout       time.Duration // to read a whole request, body included
	WriteTimeout      time.Duration // from the end of the headers to the end of the response
	IdleTimeout       time.Duration // a keep-alive connection's wait for its next request
	ShutdownTimeout   time.Duration // how long in-flight requests may take to finish at shutdown
	RateLimit         float64       // requests a second per caller; 0: off
	RateBurst         int
	AuthFailureLimit  int           // failed authentications per client address and window; 0: off
	PageConcurrency   int           // page reads run at once; 0: unbounded
	PageMaxWait       time.Duration // the longest a page read waits for its turn
	AuthFailureWindow time.Duration
	TrustedProxies    []*net.IPNet
	// RedisURL is the Redis server where every instance counts the two
	// limits above; empty: each process counts alone. RedisPrefix starts
	// its keys, so several deployments can share one server; RedisTimeout
	// bounds each call, after which the process counts alone.
	RedisURL     string
	RedisPrefix  string
	RedisTimeout time.Duration
}

func loadHTTPSettings(getenv func(string) string, dbMaxConns int, add func(string, ...any)) httpSettings {
	h := httpSettings{
		ReadHeaderTimeout: durationSetting(getenv, "DISPUTES_READ_HEADER_TIMEOUT", 5*time.Second, add),
		ReadTimeout:       durationSetting(getenv, "DISPUTES_READ_TIMEOUT", 30*time.Second, add),
		WriteTimeout:      durationSetting(getenv, "DISPUTES_WRITE_TIMEOUT", 30*time.Second, add),
		IdleTimeout:       durationSetting(getenv, "DISPUTES_IDLE_TIMEOUT", 120*time.Second, add),
		ShutdownTimeout:   durationSetting(getenv, "DISPUTES_SHUTDOWN_TIMEOUT", 20*time.Second, add),
		RateLimit:         floatSetting(getenv, "DISPUTES_RATE_LIMIT", 50, 0, 1e6, add),
		RateBurst:         intSetting(getenv, "DISPUTES_RATE_BURST", 100, 1, 1_000_000, add),
		AuthFailureLimit:  intSetting(getenv, "DISPUTES_AUTH_FAILURE_LIMIT", 20, 0, 1_000_000, add),
		AuthFailureWindow: durationSetting(getenv, "DISPUTES_AUTH_FAILURE_WINDOW", time.Minute, add),
		PageConcurrency:   intSetting(getenv, "DISPUTES_PAGE_CONCURRENCY", defaultPageConcurrency(dbMaxConns), 0, 10_000, add),
		PageMaxWait:       durationSetting(getenv, "DISPUTES_PAGE_MAX_WAIT", 0, add),
		RedisURL:          getenv("DISPUTES_REDIS_URL"),
		RedisPrefix:       envOr(getenv, "DISPUTES_REDIS_PREFIX", "disputes:"),
		RedisTimeout:      durationSetting(getenv, "DISPUTES_REDIS_TIMEOUT", ratelimit.DefaultTimeout, add),
	}
	if h.RedisURL != "" {
		if _, err := ratelimit.ParseURL(h.RedisURL); err != nil {
			add("DISPUTES_REDIS_URL %v", err)
		}
	}
	// A page read's wait counts against the write timeout: at most half of
	// it, so that the read and its answer have the other half.
	switch {
	case h.PageMaxWait == 0:
		h.PageMaxWait = min(10*time.Second, h.WriteTimeout/2)
	case h.PageMaxWait > h.WriteTimeout/2:
		add("DISPUTES_PAGE_MAX_WAIT (%s) must be at most half of DISPUTES_WRITE_TIMEOUT (%s), which includes the wait", h.PageMaxWait, h.WriteTimeout)
	}
	if h.ReadHeaderTimeout > h.ReadTimeout {
		add("DISPUTES_READ_HEADER_TIMEOUT (%s) must not be longer than DISPUTES_READ_TIMEOUT (%s), which includes the headers", h.ReadHeaderTimeout, h.ReadTimeout)
	}
	for _, v := range strings.Split(getenv("DISPUTES_TRUSTED_PROXIES"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		cidr := v
		if !strings.Contains(v, "/") {
			if ip := net.ParseIP(v); ip != nil && ip.To4() != nil {
				cidr += "/32"
			} else {
				cidr += "/128"
			}
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			add("DISPUTES_TRUSTED_PROXIES must be a comma-separated list of addresses or CIDR networks, not %q", v)
			continue
		}
		h.TrustedProxies = append(h.TrustedProxies, n)
	}
	return h
}

func floatSetting(getenv func(string) string, key string, def, lo, hi float64, add func(string, ...any)) float64 {
	v := getenv(key)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= lo && f <= hi) { // NaN fails both comparisons
		add("%s must be a number from %g to %g, not %q", key, lo, hi, v)
		return def
	}
	return f
}

// loadRedress reads the out-of-court dispute settlement bodies statements
// of reasons name: DISPUTES_REDRESS_BODIES_FILE, a JSON object from country
// code ("EU" for the rest) to a list of {"name", "url"}, replaces the
// default entries of the countries it lists; DISPUTES_REDRESS_COUNTRY (NL by
// default) is the country whose bodies are named.
func loadRedress(getenv func(string) string, add func(string, ...any)) (dispute.RedressTable, string) {
	table := maps.Clone(dispute.DefaultRedress)
	if file := getenv("DISPUTES_REDRESS_BODIES_FILE"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			add("DISPUTES_REDRESS_BODIES_FILE: %v", err)
			return table, "NL"
		}
		override, err := dispute.ParseRedressTable(b)
		if err != nil {
			add("DISPUTES_REDRESS_BODIES_FILE %s: %v", file, err)
			return table, "NL"
		}
		maps.Copy(table, override)
	}
	country := envOr(getenv, "DISPUTES_REDRESS_COUNTRY", "NL")
	if !slices.Contains(dispute.EUCountries, country) && !slices.Contains(dispute.EEACountries, country) {
		add("DISPUTES_REDRESS_COUNTRY must be the ISO code of an EU or EEA country, in capitals, not %q", country)
	}
	return table, country
}

// loadConsole reads the console's settings: the OpenID Connect issuer and
// client id come together or not at all; the client secret is optional
// (sign-in uses PKCE, so a public client has none).
func loadConsole(getenv func(string) string, add func(string, ...any)) consoleSettings {
	c := consoleSettings{
		OIDCIssuer: getenv("DISPUTES_OIDC_ISSUER"), OIDCClientID: getenv("DISPUTES_OIDC_CLIENT_ID"),
		OIDCClientSecret: getenv("DISPUTES_OIDC_CLIENT_SECRET"), PublicURL: strings.TrimSuffix(getenv("DISPUTES_PUBLIC_URL"), "/"),
		SessionTTL: durationSetting(getenv, "DISPUTES_CONSOLE_SESSION_TTL", 8*time.Hour, add),
	}
	if (c.OIDCIssuer == "") != (c.OIDCClientID == "") {
		add("DISPUTES_OIDC_ISSUER and DISPUTES_OIDC_CLIENT_ID are set together or not at all")
	}
	if u, err := url.Parse(c.OIDCIssuer); c.OIDCIssuer != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		add("DISPUTES_OIDC_ISSUER must be the provider's issuer URL, such as https://login.example.com/realms/staff, not %q", c.OIDCIssuer)
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "") {
		add("DISPUTES_PUBLIC_URL must be the service's public origin, such as https://disputes.example.com, not %q", c.PublicURL)
	}
	return c
}
