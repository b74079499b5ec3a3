// Package ratelimit keeps the service's abuse limits in Redis, so that every
// instance of `disputes serve` draws on the same allowances: a GCRA limiter
// per caller (github.com/go-redis/redis_rate) and a count of failed
// authentications per client address. pkg/httpapi uses it through its
// SharedLimits interface and counts in its own process whenever Redis does
// not answer in time (DefaultTimeout unless set otherwise).
//
// Keys, with the deployment's prefix (such as "disputes:"):
//
//	rate:<prefix>requests:<caller>      the caller's GCRA state (redis_rate adds "rate:")
//	<prefix>auth_failures:<address>     the address's failures in its current window
//
// Every key expires on its own once it no longer matters.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultTimeout bounds every call to Redis, connecting included, unless
// Open is given another: a limit that cannot be checked in that time is
// checked in the process instead.
const DefaultTimeout = 100 * time.Millisecond

// maxEmission caps the time between two requests of an allowance, so that
// a rate below one request a day does not overflow a duration (the
// in-process limiter caps its waits the same way).
const maxEmission = 24 * time.Hour

// ParseURL reads a Redis URL: redis://[user:password@]host:port/db,
// rediss:// for TLS, or unix:///path/to/socket. Its errors never quote the
// URL, which may hold a password.
func ParseURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return nil, errors.New("must be a URL such as redis://127.0.0.1:6379/0")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("must be a URL such as redis://127.0.0.1:6379/0: %v", err)
	}
	return opts, nil
}

// Redis keeps the limits of one deployment, named by its key prefix.
type Redis struct {
	client  *redis.Client
	limiter *redis_rate.Limiter
	prefix  string
	timeout time.Duration
}

// Open returns the limits kept at the Redis server of rawURL (see
// ParseURL) under keys that start with prefix, each call bounded by
// timeout (0: DefaultTimeout). It does not connect: the first call does,
// and a server that is down is only a failed call.
func Open(rawURL, prefix string, timeout time.Duration) (*Redis, error) {
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Short timeouts and no retries: a slow answer is no answer, and the
	// caller decides in its own process instead.
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries, opts.DialerRetries = -1, 1
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	// The client's own log lines (a failed dial, once a second while Redis
	// is down) are dropped: the server says once that the shared limits are
	// unavailable, and once that they are back.
	redis.SetLogger(&logging.VoidLogger{})
	c := redis.NewClient(opts)
	return &Redis{client: c, limiter: redis_rate.NewLimiter(c), prefix: prefix, timeout: timeout}, nil
}

// Close closes the connections to Redis.
func (r *Redis) Close() error { return r.client.Close() }

// Addr names the server, without credentials (for logs).
func (r *Redis) Addr() string { return r.client.Options().Addr }

// Take takes one request from key's allowance, refilled at perSecond and
// holding at most burst, on Redis's clock. It reports the requests left
// and, when there was none, how long until there is one.
func (r *Redis) Take(ctx context.Context, key string, perSecond float64, burst int) (bool, time.Duration, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	emission := maxEmission
	if s := 1 / perSecond; s < maxEmission.Seconds() {
		emission = time.Duration(s * float64(time.Second))
	}
	res, err := r.limiter.Allow(ctx, r.prefix+"requests:"+key, redis_rate.Limit{Rate: 1, Period: emission, Burst: burst})
	if err != nil {
		return false, 0, 0, err
	}
	// ResetAfter is how long until the allowance is full again: the
	// requests it lacks, at one an emission interval.
	left := float64(burst) - res.ResetAfter.Seconds()/emission.Seconds()
	if res.Allowed > 0 {
		return true, 0, math.Max(0, left), nil
	}
	return false, res.RetryAfter, left, nil
}

// Failures reports key's failed authentications in its current window and
// how long that window still runs (0 when none does).
func (r *Redis) Failures(ctx context.Context, key string) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	k := r.prefix + "auth_failures:" + key
	var n *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		n, ttl = p.Get(ctx, k), p.PTTL(ctx, k)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	count, err := n.Int()
	if err != nil {
		return 0, 0, err
	}
	return count, max(0, ttl.Val()), nil
}

// Fail counts one failed authentication of key. The window of window starts
// at key's first failure; Fail reports the failures in it, this one
// included, and how long it still runs.
func (r *Redis) Fail(ctx context.Context, key string, window time.Duration) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	k := r.prefix + "auth_failures:" + key
	var n *redis.IntCmd
	var ttl *redis.DurationCmd
	// One transaction: the counter never exists without its expiry.
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SetNX(ctx, k, 0, window)
		n, ttl = p.Incr(ctx, k), p.PTTL(ctx, k)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return int(n.Val()), max(0, ttl.Val()), nil
}
