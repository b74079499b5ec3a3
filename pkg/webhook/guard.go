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

// specialRange is one block of addresses webhooks may not reach, with what
// it is, for error messages and the documentation.
type specialRange struct {
	prefix netip.Prefix
	what   string
}

func special(prefix, what string) specialRange {
	return specialRange{netip.MustParsePrefix(prefix), what}
}

// specialPurpose lists every entry of the IANA IPv4 and IPv6 Special-Purpose
// Address Registries (RFC 6890 and its updates), the multicast blocks, and
// known cloud metadata addresses. None of them is a seller's public endpoint;
// several lead into the service's own network (loopback, private, link-local)
// or, through a translation mechanism, to an IPv4 address the guard would
// refuse if it were dialled directly (IPv4-mapped and -compatible, NAT64,
// 6to4, Teredo). Narrower ranges come first so that errors name them.
var specialPurpose = []specialRange{
	special("0.0.0.0/8", `"this network" (RFC 791)`),
	special("10.0.0.0/8", "private (RFC 1918)"),
	special("100.100.100.200/32", "a cloud metadata address"),
	special("100.64.0.0/10", "shared address space (RFC 6598)"),
	special("127.0.0.0/8", "loopback (RFC 1122)"),
	special("169.254.0.0/16", "link-local, with cloud metadata at 169.254.169.254 (RFC 3927)"),
	special("172.16.0.0/12", "private (RFC 1918)"),
	special("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
	special("192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"),
	special("192.31.196.0/24", "AS112 (RFC 7535)"),
	special("192.52.193.0/24", "automatic multicast tunneling (RFC 7450)"),
	special("192.88.99.0/24", "6to4 relay anycast (RFC 7526)"),
	special("192.168.0.0/16", "private (RFC 1918)"),
	special("192.175.48.0/24", "AS112 direct delegation (RFC 7534)"),
	special("198.18.0.0/15", "benchmarking (RFC 2544)"),
	special("198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"),
	special("203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"),
	special("224.0.0.0/4", "multicast (RFC 5771)"),
	special("255.255.255.255/32", "limited broadcast (RFC 919)"),
	special("240.0.0.0/4", "reserved (RFC 1112)"),

	special("::/128", "the unspecified address (RFC 4291)"),
	special("::1/128", "loopback (RFC 4291)"),
	special("::ffff:0:0/96", "IPv4-mapped (RFC 4291)"),
	special("::/96", "IPv4-compatible (RFC 4291)"),
	special("64:ff9b::/96", "IPv4/IPv6 translation, NAT64 (RFC 6052)"),
	special("64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"),
	special("100::/64", "discard-only (RFC 6666)"),
	special("100:0:0:1::/64", "dummy prefix (RFC 9780)"),
	special("2001::/32", "Teredo (RFC 4380)"),
	special("2001:2::/48", "benchmarking (RFC 5180)"),
	special("2001:3::/32", "automatic multicast tunneling (RFC 7450)"),
	special("2001:4:112::/48", "AS112 (RFC 7535)"),
	special("2001:10::/28", "ORCHID (RFC 4843)"),
	special("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
	special("2001:30::/28", "drone remote ID (RFC 9374)"),
	special("2001::/23", "IETF protocol assignments (RFC 2928)"),
	special("2001:db8::/32", "documentation (RFC 3849)"),
	special("2002::/16", "6to4 (RFC 3056)"),
	special("2620:4f:8000::/48", "AS112 direct delegation (RFC 7534)"),
	special("3fff::/20", "documentation (RFC 9637)"),
	special("5f00::/16", "segment routing SIDs (RFC 9602)"),
	special("fd00:ec2::/32", "a cloud metadata address"),
	special("fc00::/7", "unique local, private (RFC 4193)"),
	special("fe80::/10", "link-local (RFC 4291)"),
	special("fec0::/10", "site-local (RFC 3879)"),
	special("ff00::/8", "multicast (RFC 4291)"),
}

// globalUnicast is the only IPv6 block IANA allocates for public unicast
// addresses; everything outside it is reserved, local or multicast.
var globalUnicast = netip.MustParsePrefix("2000::/3")

// ErrForbiddenAddress says a URL leads to an address webhooks may not reach.
var ErrForbiddenAddress = errors.New("the URL leads to a special-purpose address (loopback, private, link-local, shared, " +
	"documentation, benchmarking, reserved, multicast, IPv4-in-IPv6 translation or metadata)")

// specialPurposeOf names the special-purpose range ip lies in, or returns ""
// for an address deliveries may reach. It takes ip as written: an
// IPv4-mapped address is reported as such.
func specialPurposeOf(ip netip.Addr) string {
	if !ip.IsValid() {
		return "not an address"
	}
	if ip.Zone() != "" {
		return "scoped to a network interface"
	}
	for _, r := range specialPurpose {
		if r.prefix.Contains(ip) {
			return r.what
		}
	}
	if ip.Is6() && !globalUnicast.Contains(ip) {
		return "outside the IPv6 global unicast space (2000::/3)"
	}
	return ""
}

// allowedAddr reports whether deliveries may connect to ip, an address a
// resolver returned or a dialler is about to connect to. Resolvers may give
// an IPv4 answer in its IPv4-mapped form; the IPv4 address is what is
// reached, so that is what is checked.
func (g Guard) allowedAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if g.AllowPrivate {
		return ip.IsValid()
	}
	return specialPurposeOf(ip) == ""
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
		// An address written in the URL is judged as written, so an
		// IPv4-mapped or IPv4-compatible form is refused as such.
		if g.AllowPrivate {
			return nil
		}
		if why := specialPurposeOf(ip); why != "" {
			return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, ip, why)
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
