package dispute_test

import (
	"strings"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

func TestRedressTable(t *testing.T) {
	if err := dispute.DefaultRedress.Validate(); err != nil {
		t.Fatalf("the default table: %v", err)
	}
	for name, table := range map[string]dispute.RedressTable{
		"ClosedODRPlatform": {"DE": {{Name: "ODR", URL: "https://ec.europa.eu/consumers/odr/main/"}}},
		"NotHTTPS":          {"NL": {{Name: "Body", URL: "http://example.org"}}},
		"NoName":            {"NL": {{URL: "https://example.org"}}},
		"NotACountry":       {"US": {{Name: "Body", URL: "https://example.org"}}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := table.Validate(); err == nil {
				t.Errorf("%v accepted", table)
			}
		})
	}
	t.Run("CountryElseEU", func(t *testing.T) {
		if b := dispute.DefaultRedress.Bodies("NL"); len(b) != 2 || !strings.Contains(b[0].URL, "acm.nl") || !strings.Contains(b[1].Name, "Appeals Centre Europe") {
			t.Errorf("NL: %v", b)
		}
		for _, country := range []string{"PL", "FR", "XX", ""} {
			if b := dispute.DefaultRedress.Bodies(country); len(b) != 1 || !strings.Contains(b[0].URL, "digital-strategy.ec.europa.eu") {
				t.Errorf("%q: %v", country, b)
			}
		}
	})
	t.Run("ParseTheFile", func(t *testing.T) {
		table, err := dispute.ParseRedressTable([]byte(`{"DE": [{"name": "Schlichtungsstelle", "url": "https://schlichtung.example"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if b := table.Bodies("DE"); len(b) != 1 || b[0].Name != "Schlichtungsstelle" || b[0].URL != "https://schlichtung.example" {
			t.Errorf("DE: %v", b)
		}
		for name, doc := range map[string]string{
			"NotJSON":       `NL = ACM`,
			"UnknownField":  `{"NL": [{"name": "Body", "link": "https://example.org"}]}`,
			"NotAList":      `{"NL": {"name": "Body", "url": "https://example.org"}}`,
			"TwoValues":     `{} {}`,
			"ClosedODR":     `{"EU": [{"name": "ODR", "url": "https://ec.europa.eu/consumers/odr"}]}`,
			"LowerCaseCode": `{"nl": [{"name": "Body", "url": "https://example.org"}]}`,
		} {
			if _, err := dispute.ParseRedressTable([]byte(doc)); err == nil {
				t.Errorf("%s: %s accepted", name, doc)
			}
		}
	})
	t.Run("AppealUntilOnlyBeforeTheAppeal", func(t *testing.T) {
		until := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		r := dispute.BuildRedress(dispute.DefaultRedress, false, &until, "NL", "de")
		if !r.InternalAppeal || r.AppealUntil == nil || !r.AppealUntil.Equal(until) || r.Courts == "" || !strings.Contains(r.Courts, "Gericht") {
			t.Errorf("first decision: %+v", r)
		}
		r = dispute.BuildRedress(dispute.DefaultRedress, true, &until, "NL", "en")
		if r.InternalAppeal || r.AppealUntil != nil {
			t.Errorf("appeal decision: %+v", r)
		}
	})
}
