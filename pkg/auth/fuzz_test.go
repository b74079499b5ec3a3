package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/dispute"
)

// fzSecret signs the fuzzed tokens; fzOther is someone else's secret.
var (
	fzSecret = []byte("fuzz-secret-0123456789abcdefghijklmnop")
	fzOther  = []byte("another-secret-0123456789abcdefghijklm")
	fzNow    = time.Date(2025, time.June, 1, 12, 0, 0, 0, time.UTC)
)

// fzGrant is one token the fuzz mints with fzSecret at fzNow.
type fzGrant struct {
	sub          string
	roles, teams []string
	ttl          time.Duration
	at           time.Time
}

var fzGrants = []fzGrant{
	{sub: "usr_buyer", ttl: time.Hour, at: fzNow},
	{sub: "rev_anna", roles: []string{"reviewer"}, teams: []string{"logistics", "payments"}, ttl: 8 * time.Hour, at: fzNow},
	{sub: "adm_ada", roles: []string{"admin", "system"}, ttl: time.Hour, at: fzNow.Add(-time.Minute)},
	{sub: "svc_market", roles: []string{"system"}, ttl: 365 * 24 * time.Hour, at: fzNow.Add(-24 * time.Hour)},
	// Expired and not yet issued: minted with the secret, refused at fzNow.
	{sub: "usr_expired", ttl: time.Minute, at: fzNow.Add(-time.Hour)},
	{sub: "usr_future", ttl: time.Hour, at: fzNow.Add(time.Hour)},
}

func fzMint(tb testing.TB, g fzGrant) string {
	tb.Helper()
	tok, err := auth.Mint(fzSecret, g.sub, g.roles, g.teams, g.ttl, g.at)
	if err != nil {
		tb.Fatalf("mint %s: %v", g.sub, err)
	}
	return tok
}

// fzSign signs claims with the method and key, whatever they are.
func fzSign(tb testing.TB, m jwt.SigningMethod, claims jwt.Claims, key any) string {
	tb.Helper()
	tok, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	return tok
}

// fzRaw builds a token from a header and claims, signed with HMAC-SHA256
// over whatever the header says.
func fzRaw(tb testing.TB, header, claims string, key []byte) string {
	tb.Helper()
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	sig, err := jwt.SigningMethodHS256.Sign(signing, key)
	if err != nil {
		tb.Fatal(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func fzClaims(sub string, roles []string, iat, exp time.Time) auth.Claims {
	return auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: sub, IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp)},
		Roles:            roles,
	}
}

// FuzzVerify feeds arbitrary strings to the verifier: it never panics, and
// it accepts a token only if the token is, byte for byte, one minted with
// the secret and still valid, and then returns exactly that token's actor.
// The seeds are valid tokens and their near misses: another algorithm, alg
// none, another secret, changed claims, truncations, changed encodings.
func FuzzVerify(f *testing.F) {
	valid := map[string]dispute.Actor{}
	for _, g := range fzGrants {
		tok := fzMint(f, g)
		f.Add(tok)
		if !g.at.After(fzNow) && g.at.Add(g.ttl).After(fzNow) {
			valid[tok] = auth.ActorFromClaims(auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: g.sub}, Roles: g.roles, Teams: g.teams})
		}
	}
	good := fzMint(f, fzGrants[1])
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding
	payload, _ := enc.DecodeString(parts[1])
	exp := fzNow.Add(time.Hour)

	var seeds []string
	// Other algorithms and keys.
	seeds = append(seeds,
		fzSign(f, jwt.SigningMethodHS384, fzClaims("usr_x", nil, fzNow, exp), fzSecret),
		fzSign(f, jwt.SigningMethodHS512, fzClaims("usr_x", []string{"admin"}, fzNow, exp), fzSecret),
		fzSign(f, jwt.SigningMethodHS256, fzClaims("usr_x", []string{"admin"}, fzNow, exp), fzOther),
		fzSign(f, jwt.SigningMethodNone, fzClaims("usr_x", []string{"admin"}, fzNow, exp), jwt.UnsafeAllowNoneSignatureType),
		enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))+"."+parts[1]+".",
		enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))+"."+parts[1]+"."+parts[2],
		fzRaw(f, `{"alg":"RS256","typ":"JWT"}`, string(payload), fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT","kid":"../../etc/passwd"}`, string(payload), fzOther),
		fzRaw(f, `{"alg":"hs256","typ":"JWT"}`, string(payload), fzSecret),
	)
	// Signed with the secret, but not as Mint would: refused all the same.
	seeds = append(seeds,
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"usr_x","iat":1748779200}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"iat":1748779200,"exp":1748782800}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"usr\u0000x","iat":1748779200,"exp":1748782800}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"`+strings.Repeat("x", 129)+`","iat":1748779200,"exp":1748782800}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"usr_x","iat":1748790000,"exp":1748793600}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"sub":"usr_x","iat":"now","exp":1748782800}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `{"sub":["usr_x"],"iat":1748779200,"exp":1748782800}`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT"}`, `[]`, fzSecret),
		fzRaw(f, `{"alg":"HS256","typ":"JWT","crit":["exp"]}`, `{"sub":"usr_x","iat":1748779200,"exp":1e400}`, fzSecret),
	)
	// Changed claims under the original signature, and broken framing.
	escalated := strings.Replace(string(payload), `"reviewer"`, `"admin"`, 1)
	seeds = append(seeds,
		parts[0]+"."+enc.EncodeToString([]byte(escalated))+"."+parts[2],
		parts[0]+"."+strings.TrimRight(base64.URLEncoding.EncodeToString(payload), "=")+"=."+parts[2],
		parts[0]+"."+parts[1]+"."+parts[2]+"=",
		parts[0]+"."+parts[1]+"."+parts[2]+".",
		parts[0]+"."+parts[1]+"."+parts[2]+"."+parts[2],
		parts[0]+"."+parts[1],
		parts[0]+"."+parts[1]+".",
		good[:len(good)-1],
		good[:len(good)/2],
		" "+good,
		good+" ",
		"Bearer "+good,
		strings.ToUpper(good),
		"..", ".", "", "null", "e30.e30.", strings.Repeat("A", 4096)+"."+strings.Repeat("B", 4096)+"."+strings.Repeat("C", 43),
	)
	// Other spellings of the same signature: the decoder must not accept
	// them, or one minted token has several accepted forms.
	// A 32-byte signature ends in a character whose two low bits are
	// padding; flipping them spells the same bytes.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, good[len(good)-1])
	seeds = append(seeds, good[:len(good)-1]+string(alphabet[i^1]))
	seeds = append(seeds, good[:len(good)-10]+"\n"+good[len(good)-10:])
	for _, s := range seeds {
		f.Add(s)
	}

	v, err := auth.NewVerifier(fzSecret, func() time.Time { return fzNow })
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		a, err := v.Verify(tok)
		want, ok := valid[tok]
		switch {
		case err == nil && !ok:
			t.Fatalf("Verify accepted %q, which is no token minted with the secret, as %+v", tok, a)
		case err == nil && (a.ID != want.ID || !slices.Equal(a.Roles, want.Roles) || !slices.Equal(a.Teams, want.Teams)):
			t.Fatalf("Verify(%q) = %+v, want %+v", tok, a, want)
		case err != nil && ok:
			t.Fatalf("Verify refused the valid token %q: %v", tok, err)
		case err != nil && dispute.ErrorCode(err) != dispute.EUNAUTHORIZED:
			t.Fatalf("Verify(%q) refused with %v, want unauthorized", tok, err)
		}
	})
}

// fzPick returns the items of xs whose bit is set in bits.
func fzPick(xs []string, bits uint8) []string {
	var out []string
	for i, x := range xs {
		if bits&(1<<i) != 0 {
			out = append(out, x)
		}
	}
	return out
}

// FuzzMintVerifyRoundTrip mints tokens for arbitrary subjects, roles, teams,
// lifetimes and times: Mint refuses exactly the inputs it documents, and
// every token it mints verifies at its issue time as exactly the subject,
// roles and teams it was minted for, but not after it expired, not before it
// was issued, and not under another secret.
func FuzzMintVerifyRoundTrip(f *testing.F) {
	f.Add("usr_buyer", uint8(0), uint8(0), int64(3600), int64(1748779200))
	f.Add("rev_anna", uint8(0b0001), uint8(0b00011), int64(8*3600), int64(1748779200))
	f.Add("adm", uint8(0b1111_1111), uint8(0b1111_1111), int64(60), int64(1000000000))
	f.Add("sen", uint8(0b0000_0010), uint8(0b0000_0100), int64(1), int64(4102444799))
	f.Add("", uint8(0), uint8(0), int64(3600), int64(1748779200))
	f.Add("usr_x", uint8(0), uint8(0), int64(0), int64(1748779200))
	f.Add("usr_x", uint8(0), uint8(0), int64(-5), int64(1748779200))
	f.Add(strings.Repeat("u", 128), uint8(0), uint8(0), int64(3600), int64(1748779200))
	f.Add(strings.Repeat("u", 129), uint8(0), uint8(0), int64(3600), int64(1748779200))
	f.Add("usr\x7f", uint8(0), uint8(0), int64(3600), int64(1748779200))
	f.Add("usr\u2028é😀", uint8(0), uint8(0), int64(3600), int64(1748779200))
	f.Add(`usr"},"roles":["admin"],"x":{"`, uint8(0), uint8(0), int64(3600), int64(1748779200))
	// Not UTF-8: the subject must come back as minted, or Mint must refuse it.
	f.Add("usr_\xff", uint8(0), uint8(0), int64(3600), int64(1748779200))

	roles := []string{"reviewer", "senior_reviewer", "lead", "admin", "system", "reviewer", "buyer"}
	teams := []string{"logistics", "object_experts", "trust_safety", "payments", "customer_support", "logistics", "moon"}
	const (
		minUnix  = 946684800            // 2000-01-01
		span     = 4102444800 - minUnix // until 2100
		maxTTL   = 100 * 365 * 24 * 3600
		leeway   = 30 * time.Second
		beyondIt = leeway + time.Second
	)
	f.Fuzz(func(t *testing.T, sub string, roleBits, teamBits uint8, ttlSec, unix int64) {
		rs, ts := fzPick(roles, roleBits), fzPick(teams, teamBits)
		ttl := time.Duration(ttlSec%maxTTL) * time.Second
		now := time.Unix(minUnix+((unix%span)+span)%span, 0).UTC()

		wantErr := sub == "" || len(sub) > 128 || strings.ContainsFunc(sub, unicode.IsControl) || ttl <= 0 ||
			slices.Contains(rs, "buyer") || slices.Contains(ts, "moon")
		// A subject that is not UTF-8 is not plain text: Mint may refuse it,
		// and if it does not, the round trip below must still give it back.
		mayErr := !utf8.ValidString(sub)
		tok, err := auth.Mint(fzSecret, sub, rs, ts, ttl, now)
		if (err == nil && wantErr) || (err != nil && !wantErr && !mayErr) {
			t.Fatalf("Mint(%q, %v, %v, %s) error = %v, want error %t", sub, rs, ts, ttl, err, wantErr)
		}
		if err != nil {
			return
		}
		again, err := auth.Mint(fzSecret, sub, rs, ts, ttl, now)
		if err != nil || again != tok {
			t.Fatalf("minting twice gave %q and %q (%v)", tok, again, err)
		}

		at := func(tm time.Time) *auth.Verifier {
			v, err := auth.NewVerifier(fzSecret, func() time.Time { return tm })
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		a, err := at(now).Verify(tok)
		if err != nil {
			t.Fatalf("a token minted for %q at %s does not verify then: %v", sub, now, err)
		}
		var wantRoles []dispute.Role
		for _, r := range rs {
			if !slices.Contains(wantRoles, dispute.Role(r)) {
				wantRoles = append(wantRoles, dispute.Role(r))
			}
		}
		var wantTeams []dispute.Team
		for _, tm := range ts {
			if !slices.Contains(wantTeams, dispute.Team(tm)) {
				wantTeams = append(wantTeams, dispute.Team(tm))
			}
		}
		if a.ID != sub || !slices.Equal(a.Roles, wantRoles) || !slices.Equal(a.Teams, wantTeams) {
			got, _ := json.Marshal(a)
			t.Fatalf("token minted for %q %v %v verifies as %s", sub, rs, ts, got)
		}
		if _, err := at(now.Add(ttl + beyondIt)).Verify(tok); err == nil {
			t.Fatalf("token of %s accepted %s after it expired", ttl, beyondIt)
		}
		if _, err := at(now.Add(-beyondIt)).Verify(tok); err == nil {
			t.Fatalf("token accepted %s before it was issued", beyondIt)
		}
		other, err := auth.NewVerifier(fzOther, func() time.Time { return now })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Verify(tok); err == nil {
			t.Fatalf("token accepted under another secret")
		}
	})
}
