package dispute

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/opendispute/disputes/pkg/locale"
)

// SettlementBody is an out-of-court dispute settlement body a party may
// turn to (EU Digital Services Act, Article 21), or the register that
// lists the bodies certified in a country.
type SettlementBody struct {
	Name string
	URL  string
}

// RedressTable lists, by ISO 3166-1 alpha-2 country code, the out-of-court
// dispute settlement bodies the statement of reasons names for a party of
// that country. The key "EU" is the fallback for countries without an
// entry. The EU Online Dispute Resolution platform is never one of them: it
// closed on 20 July 2025.
type RedressTable map[string][]SettlementBody

// DefaultRedress is the table the service starts with, read from the
// embedded odsbodies.json: for the Netherlands, where the marketplace is
// established, the register of the bodies certified by the Authority for
// Consumers and Markets (ACM), the Dutch Digital Services Coordinator, and
// Appeals Centre Europe, certified for disputes over the application of
// online platforms' terms and conditions; elsewhere, the Commission's list
// of the bodies certified in every member state, any of which a user of the
// Union may choose (Article 21(1)). Operators replace entries with
// DISPUTES_REDRESS_BODIES_FILE.
var DefaultRedress = mustParseRedress(defaultRedressFile)

//go:embed odsbodies.json
var defaultRedressFile []byte

func mustParseRedress(b []byte) RedressTable {
	t, err := ParseRedressTable(b)
	if err != nil {
		panic("dispute: odsbodies.json: " + err.Error())
	}
	return t
}

// ParseRedressTable reads a table written as JSON, an object from country
// code ("EU" for the fallback) to a list of {"name", "url"}, refusing
// unknown fields and anything after the object, and validates it.
func ParseRedressTable(b []byte) (RedressTable, error) {
	var doc map[string][]struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a JSON object of country codes to lists of {\"name\", \"url\"}: %w", err)
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	t := RedressTable{}
	for country, bodies := range doc {
		t[country] = []SettlementBody{}
		for _, b := range bodies {
			t[country] = append(t[country], SettlementBody{Name: b.Name, URL: b.URL})
		}
	}
	return t, t.Validate()
}

// closedODRPlatform is the address of the EU Online Dispute Resolution
// platform, which closed in July 2025 and must never be pointed to.
const closedODRPlatform = "ec.europa.eu/consumers/odr"

// Validate refuses a table that points to the closed EU Online Dispute
// Resolution platform, has a body without a name or an https address, or a
// key that is neither "EU" nor an EU or EEA country.
func (t RedressTable) Validate() error {
	var errs []string
	for _, country := range slices.Sorted(maps.Keys(t)) {
		if country != "EU" && !slices.Contains(EUCountries, country) && !slices.Contains(EEACountries, country) {
			errs = append(errs, country+": must be EU or the ISO code of an EU or EEA country, in capitals")
		}
		for _, b := range t[country] {
			switch {
			case strings.TrimSpace(b.Name) == "":
				errs = append(errs, country+": a body has no name")
			case !strings.HasPrefix(b.URL, "https://"):
				errs = append(errs, country+": the address of "+b.Name+" must start with https://")
			case strings.Contains(strings.ToLower(b.URL), closedODRPlatform):
				errs = append(errs, country+": the EU Online Dispute Resolution platform closed in July 2025")
			}
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Bodies returns the bodies for a country, else those of "EU".
func (t RedressTable) Bodies(country string) []SettlementBody {
	if b, ok := t[country]; ok {
		return b
	}
	return t["EU"]
}

// Redress is how a party may contest a decision (Articles 17(3)(f), 20, 21):
// the platform's internal appeal and until when, out-of-court dispute
// settlement bodies, and the courts.
type Redress struct {
	// InternalAppeal is false for a decision taken on appeal, which ends
	// the internal complaint handling.
	InternalAppeal bool
	// AppealUntil is until when the internal appeal is open; nil when it
	// is not, or not known.
	AppealUntil *time.Time
	// Country is the country whose bodies are named.
	Country string
	Bodies  []SettlementBody
	// Courts says, in the party's language, that the courts remain open.
	Courts string
}

// BuildRedress is the redress of a decision for a party of country, its
// text in lang.
func BuildRedress(table RedressTable, onAppeal bool, appealUntil *time.Time, country, lang string) Redress {
	r := Redress{InternalAppeal: !onAppeal, Country: country, Bodies: slices.Clone(table.Bodies(country)),
		Courts: locale.Text(lang, "RedressCourts", nil)}
	if !onAppeal && appealUntil != nil {
		until := appealUntil.UTC()
		r.AppealUntil = &until
	}
	return r
}
