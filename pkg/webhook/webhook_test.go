package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/webhook"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1_790_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"dispute.opened"}`)
	header := webhook.Sign("whsec_test", now, body)
	if !strings.HasPrefix(header, "t=1790000000,v1=") {
		t.Fatalf("header %q", header)
	}
	if err := webhook.Verify("whsec_test", header, body, 5*time.Minute, now.Add(time.Minute)); err != nil {
		t.Fatalf("a genuine delivery is refused: %v", err)
	}
	cases := []struct {
		name, secret, header string
		body                 []byte
		at                   time.Time
	}{
		{"WrongSecret", "whsec_other", header, body, now},
		{"AlteredBody", "whsec_test", header, []byte(`{"id":"evt_2","type":"dispute.opened"}`), now},
		{"Stale", "whsec_test", header, body, now.Add(6 * time.Minute)},
		{"FromTheFuture", "whsec_test", header, body, now.Add(-6 * time.Minute)},
		{"NoSignature", "whsec_test", "t=1790000000", body, now},
		{"NoTimestamp", "whsec_test", strings.Split(header, ",")[1], body, now},
		{"Garbage", "whsec_test", "nonsense", body, now},
		{"ReplayedWithNewTime", "whsec_test", "t=1790000060," + strings.Split(header, ",")[1], body, now.Add(time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := webhook.Verify(c.secret, c.header, c.body, 5*time.Minute, c.at); !errors.Is(err, webhook.ErrBadSignature) {
				t.Fatalf("got %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestGuardCheckURL(t *testing.T) {
	strict := webhook.Guard{}
	dev := webhook.Guard{AllowHTTP: true, AllowPrivate: true}
	cases := []struct {
		url      string
		strictOK bool
		devOK    bool
	}{
		{"https://93.184.216.34/hooks", true, true},
		{"https://[2606:2800:220:1:248:1893:25c8:1946]/hooks", true, true},
		{"http://93.184.216.34/hooks", false, true},
		{"ftp://93.184.216.34/hooks", false, false},
		{"https://127.0.0.1/hooks", false, true},
		{"https://localhost:8443/hooks", false, true},
		{"https://10.1.2.3/hooks", false, true},
		{"https://172.16.0.1/hooks", false, true},
		{"https://192.168.1.1/hooks", false, true},
		{"https://169.254.169.254/latest/meta-data", false, true},
		{"https://metadata.google.internal/computeMetadata", false, false}, // does not resolve here
		{"https://[::1]/hooks", false, true},
		{"https://[fe80::1]/hooks", false, true},
		{"https://[fc00::1]/hooks", false, true},
		{"https://[::ffff:127.0.0.1]/hooks", false, true},
		{"https://224.0.0.1/hooks", false, true},
		{"https://0.0.0.0/hooks", false, true},
		{"https://100.64.0.1/hooks", false, true},
		{"https://user:pass@93.184.216.34/hooks", false, false},
		{"/relative/path", false, false},
		{"https://", false, false},
		{"not a url", false, false},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			if err := strict.CheckURL(context.Background(), c.url); (err == nil) != c.strictOK {
				t.Errorf("strict: got %v, want ok=%v", err, c.strictOK)
			}
			if err := dev.CheckURL(context.Background(), c.url); (err == nil) != c.devOK {
				t.Errorf("development: got %v, want ok=%v", err, c.devOK)
			}
		})
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for attempt := 1; attempt <= 12; attempt++ {
		d := webhook.Backoff(attempt)
		nominal := 10 * time.Second << (attempt - 1)
		nominal = min(nominal, time.Hour)
		if d < nominal*8/10 || d > nominal*12/10 {
			t.Fatalf("attempt %d waits %s, want %s ±20%%", attempt, d, nominal)
		}
		if attempt <= 8 && d <= prev*8/12 {
			t.Fatalf("attempt %d waits %s, not more than before (%s)", attempt, d, prev)
		}
		prev = d
	}
	_ = http.StatusOK
}
