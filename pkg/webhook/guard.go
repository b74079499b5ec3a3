package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// Guard decides which webhook URLs and addresses are allowed.
type Guard struct {
	// AllowHTTP permits plain http URLs (development only).
	AllowHTTP bool
	// AllowPrivate permits loopback and private addresses (tests and
	// development only).
	AllowPrivate bool
	// Resolver looks names up; nil is net.DefaultResolver.
	Resolver *net.Resolver
}

var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),      // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved
	netip.MustParsePrefix("64:ff9b::/96"),       // NAT64, which can reach IPv4 internals
	netip.MustParsePrefix("fd00:ec2::/32"),      // cloud metadata over IPv6
	netip.MustParsePrefix("169.254.0.0/16"),     // link-local, with 169.254.169.254 metadata
	netip.MustParsePrefix("100.100.100.200/32"), // metadata of some clouds
}

// ErrForbiddenAddress says a URL leads to an address webhooks may not reach.
var ErrForbiddenAddress = errors.New("the URL resolves to a loopback, private, link-local, multicast or metadata address")

// allowedAddr reports whether deliveries may connect to ip.
func (g Guard) allowedAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if g.AllowPrivate {
		return ip.IsValid()
	}
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL vets a webhook URL at registration: https (or http when
// allowed), a host, no credentials, and every address it resolves to
// allowed.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return errors.New("must be an absolute https URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && g.AllowHTTP:
	default:
		return errors.New("must use https")
	}
	if u.User != nil {
		return errors.New("must not carry credentials")
	}
	if len(raw) > 2048 {
		return errors.New("must be at most 2048 characters")
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") ||
		strings.EqualFold(strings.TrimSuffix(host, "."), "metadata.google.internal") {
		if !g.AllowPrivate {
			return ErrForbiddenAddress
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !g.allowedAddr(ip) {
			return ErrForbiddenAddress
		}
		return nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("the host %s does not resolve", host)
	}
	for _, a := range addrs {
		if !g.allowedAddr(a) {
			return ErrForbiddenAddress
		}
	}
	return nil
}

// control refuses, at connect time, any address the guard does not allow:
// it sees the address actually dialled, after DNS resolution.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: cannot check address %q: %w", address, err)
	}
	if !g.allowedAddr(ap.Addr()) {
		return ErrForbiddenAddress
	}
	return nil
}
