package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
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

// TestGuardRefusesEverySpecialPurposeRange: an address of every entry of the
// IANA IPv4 and IPv6 Special-Purpose Address Registries (and multicast) is
// refused both in a URL at registration and when a delivery dials it, and
// public addresses just beside those ranges are not.
func TestGuardRefusesEverySpecialPurposeRange(t *testing.T) {
	strict := webhook.Guard{}
	refused := []struct{ name, addr string }{
		{"ThisNetwork", "0.1.2.3"},
		{"Unspecified4", "0.0.0.0"},
		{"Private10", "10.20.30.40"},
		{"SharedCGNAT", "100.64.0.1"},
		{"SharedCGNATTop", "100.127.255.254"},
		{"AlibabaMetadata", "100.100.100.200"},
		{"Loopback4", "127.0.0.1"},
		{"Loopback4Far", "127.255.0.9"},
		{"LinkLocal4", "169.254.1.1"},
		{"CloudMetadata", "169.254.169.254"},
		{"Private172", "172.31.255.1"},
		{"IETFProtocolAssignments", "192.0.0.9"},
		{"DSLite", "192.0.0.1"},
		{"NAT64Discovery", "192.0.0.170"},
		{"TestNet1", "192.0.2.1"},
		{"AS112v4", "192.31.196.1"},
		{"AMT", "192.52.193.1"},
		{"SixToFourRelayAnycast", "192.88.99.1"},
		{"Private192", "192.168.0.1"},
		{"AS112DirectDelegation", "192.175.48.1"},
		{"Benchmarking", "198.18.0.1"},
		{"BenchmarkingTop", "198.19.255.254"},
		{"TestNet2", "198.51.100.7"},
		{"TestNet3", "203.0.113.7"},
		{"Multicast4", "224.0.0.1"},
		{"Multicast4Top", "239.255.255.250"},
		{"Reserved240", "240.0.0.1"},
		{"Reserved254", "254.1.2.3"},
		{"Broadcast", "255.255.255.255"},

		{"Unspecified6", "::"},
		{"Loopback6", "::1"},
		{"IPv4Compatible", "::127.0.0.1"},
		{"IPv4CompatiblePublic", "::93.184.216.34"},
		{"IPv4MappedLoopback", "::ffff:127.0.0.1"},
		{"IPv4MappedPrivate", "::ffff:10.0.0.1"},
		{"NAT64", "64:ff9b::7f00:1"},
		{"NAT64Public", "64:ff9b::5db8:d822"},
		{"NAT64LocalUse", "64:ff9b:1::a00:1"},
		{"DiscardOnly", "100::1"},
		{"DummyPrefix", "100:0:0:1::1"},
		{"Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"},
		{"TeredoLoopback", "2001::ffff:7f00:1"},
		{"IETFProtocolAssignments6", "2001:1::1"},
		{"Benchmarking6", "2001:2::1"},
		{"AMT6", "2001:3::1"},
		{"AS112v6", "2001:4:112::1"},
		{"ORCHID", "2001:10::1"},
		{"ORCHIDv2", "2001:20::1"},
		{"DroneRemoteID", "2001:30::1"},
		{"IETFProtocolAssignmentsTop", "2001:1ff::1"},
		{"Documentation6", "2001:db8::1"},
		{"SixToFourLoopback", "2002:7f00:1::"},
		{"SixToFourPublic", "2002:5db8:d822::1"},
		{"AS112DirectDelegation6", "2620:4f:8000::1"},
		{"Documentation3fff", "3fff::1"},
		{"SegmentRouting", "5f00::1"},
		{"UniqueLocal", "fc00::1"},
		{"UniqueLocalFD", "fd12:3456::1"},
		{"AWSMetadata6", "fd00:ec2::254"},
		{"LinkLocal6", "fe80::1"},
		{"SiteLocal", "fec0::1"},
		{"Multicast6", "ff02::1"},
		{"Multicast6Global", "ff0e::1"},
		{"ReservedOutsideGlobalUnicast", "4000::1"},
		{"ReservedLow", "1::1"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			ip := netip.MustParseAddr(c.addr)
			url := "https://" + netip.AddrPortFrom(ip, 443).String() + "/hooks"
			err := strict.CheckURL(context.Background(), url)
			if !errors.Is(err, webhook.ErrForbiddenAddress) {
				t.Errorf("registration of %s: got %v, want ErrForbiddenAddress", url, err)
			}
			if err := strict.Control("tcp", netip.AddrPortFrom(ip, 443).String()); !errors.Is(err, webhook.ErrForbiddenAddress) {
				t.Errorf("dialling %s: got %v, want ErrForbiddenAddress", c.addr, err)
			}
			// Development mode lifts the address check.
			if err := (webhook.Guard{AllowPrivate: true}).CheckURL(context.Background(), url); err != nil {
				t.Errorf("development: %s refused: %v", url, err)
			}
		})
	}
	allowed := []string{
		"93.184.216.34", "8.8.8.8", "1.1.1.1",
		"100.63.255.255", "100.128.0.1", // beside shared address space
		"192.0.1.1", "192.0.3.1", // beside 192.0.0.0/24 and TEST-NET-1
		"198.17.255.254", "198.20.0.1", // beside benchmarking
		"223.255.255.254",
		"2606:2800:220:1:248:1893:25c8:1946", "2a00:1450:4001:830::200e",
		"2001:200::1", // beside 2001::/23
		"2003::1",     // beside 6to4
	}
	for _, a := range allowed {
		t.Run("Public"+a, func(t *testing.T) {
			ap := netip.AddrPortFrom(netip.MustParseAddr(a), 443)
			if err := strict.CheckURL(context.Background(), "https://"+ap.String()+"/hooks"); err != nil {
				t.Errorf("registration refused: %v", err)
			}
			if err := strict.Control("tcp", ap.String()); err != nil {
				t.Errorf("dialling refused: %v", err)
			}
		})
	}
	// A resolver may hand back an IPv4 answer in its IPv4-mapped form: when
	// dialling, the IPv4 address inside is what is judged.
	if err := strict.Control("tcp", "[::ffff:93.184.216.34]:443"); err != nil {
		t.Errorf("dialling a public IPv4 address in mapped form: %v", err)
	}
	// Errors for an address written in the URL name its range.
	err := strict.CheckURL(context.Background(), "https://[2002:7f00:1::]/hooks")
	if err == nil || !strings.Contains(err.Error(), "6to4") {
		t.Errorf("6to4 refusal says %v", err)
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
