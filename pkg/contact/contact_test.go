package contact_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/contact"
	"github.com/opendispute/disputes/pkg/dispute"
)

func defaults(t *testing.T) contact.Config {
	t.Helper()
	c, err := contact.DefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// amsterdam returns a moment in Amsterdam local time.
func amsterdam(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Amsterdam")
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func channels(opts []contact.Option) []contact.Channel {
	var out []contact.Channel
	for _, o := range opts {
		out = append(out, o.Channel)
	}
	return out
}

// TestSuggestEveryLanguageAndItemCount checks the help article's rules for
// every language and item counts 1 to 6, at a moment every channel is open.
func TestSuggestEveryLanguageAndItemCount(t *testing.T) {
	c := defaults(t)
	open := amsterdam(t, "2026-11-24 10:00") // a Tuesday
	phoneLangs := map[string]bool{"en": true, "es": true, "it": true, "fr": true, "nl": true, "de": true}
	for _, lang := range []string{"en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"} {
		for items := 1; items <= 6; items++ {
			t.Run(fmt.Sprintf("%s/%d", lang, items), func(t *testing.T) {
				opts, err := c.Suggest(contact.Query{Reason: dispute.ReasonItemDamaged, ItemCount: items, Language: lang, At: open})
				if err != nil {
					t.Fatal(err)
				}
				var want []contact.Channel
				switch {
				case items > 3:
					want = []contact.Channel{contact.Email, contact.Chat}
				case items >= 2 && phoneLangs[lang]:
					want = []contact.Channel{contact.Phone, contact.Chat}
				default:
					want = []contact.Channel{contact.Chat}
				}
				if got := channels(opts); !slices.Equal(got, want) {
					t.Fatalf("got %v, want %v", got, want)
				}
				for _, o := range opts {
					if !o.Available || o.Why == "" {
						t.Errorf("%s: available=%v why=%q; want open with a reason", o.Channel, o.Available, o.Why)
					}
					if o.Channel == contact.Phone && !phoneLangs[lang] {
						t.Errorf("phone suggested in %s, which it does not serve", lang)
					}
				}
			})
		}
	}
}

func TestPhoneOnlyForConfiguredReasons(t *testing.T) {
	c := defaults(t)
	at := amsterdam(t, "2026-11-24 10:00")
	for _, r := range []dispute.Reason{dispute.ReasonCounterfeit, dispute.ReasonFraud, dispute.ReasonOther} {
		opts, err := c.Suggest(contact.Query{Reason: r, ItemCount: 2, Language: "en", At: at})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(channels(opts), contact.Phone) {
			t.Errorf("%s: phone offered, but the reason is not configured for it", r)
		}
	}
	c, err := contact.Load("", nil, []string{"other"})
	if err != nil {
		t.Fatal(err)
	}
	opts, _ := c.Suggest(contact.Query{Reason: dispute.ReasonOther, ItemCount: 3, Language: "de", At: at})
	if got := channels(opts); !slices.Equal(got, []contact.Channel{contact.Phone, contact.Chat}) {
		t.Errorf("configured phone reason: got %v", got)
	}
}

// TestHoursAroundOpeningAndClosing drives the clock across the default
// opening and closing times (Europe/Amsterdam, including a DST change).
func TestHoursAroundOpeningAndClosing(t *testing.T) {
	c := defaults(t)
	cases := []struct {
		name      string
		at        string
		items     int
		channel   contact.Channel
		available bool
		nextOpen  string // Amsterdam local time, when closed
	}{
		{"PhoneJustBeforeOpening", "2026-11-24 08:59", 2, contact.Phone, false, "2026-11-24 09:00"},
		{"PhoneAtOpening", "2026-11-24 09:00", 2, contact.Phone, true, ""},
		{"PhoneJustBeforeClosing", "2026-11-24 16:59", 2, contact.Phone, true, ""},
		{"PhoneAtClosing", "2026-11-24 17:00", 2, contact.Phone, false, "2026-11-25 09:00"},
		{"PhoneFridayEvening", "2026-11-27 18:00", 3, contact.Phone, false, "2026-11-30 09:00"},
		{"PhoneSaturday", "2026-11-28 12:00", 2, contact.Phone, false, "2026-11-30 09:00"},
		{"ChatJustBeforeOpening", "2026-11-24 07:59", 1, contact.Chat, false, "2026-11-24 08:00"},
		{"ChatAtOpening", "2026-11-24 08:00", 1, contact.Chat, true, ""},
		{"ChatJustBeforeClosing", "2026-11-24 21:59", 1, contact.Chat, true, ""},
		{"ChatAtClosing", "2026-11-24 22:00", 1, contact.Chat, false, "2026-11-25 08:00"},
		{"ChatSaturdayMorning", "2026-11-28 08:30", 1, contact.Chat, false, "2026-11-28 09:00"},
		{"ChatSaturdayAfternoon", "2026-11-28 16:59", 1, contact.Chat, true, ""},
		{"ChatSundayEvening", "2026-11-29 17:00", 1, contact.Chat, false, "2026-11-30 08:00"},
		{"ChatOnDSTSunday", "2026-03-29 09:30", 1, contact.Chat, true, ""},
		{"EmailAtNight", "2026-11-24 03:00", 5, contact.Email, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := c.Suggest(contact.Query{Reason: dispute.ReasonItemDamaged, ItemCount: tc.items, Language: "en", At: amsterdam(t, tc.at).UTC()})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(opts, func(o contact.Option) bool { return o.Channel == tc.channel })
			if i < 0 {
				t.Fatalf("%s not suggested: %v", tc.channel, channels(opts))
			}
			o := opts[i]
			if o.Available != tc.available {
				t.Fatalf("available = %v, want %v", o.Available, tc.available)
			}
			if tc.nextOpen == "" {
				if o.NextOpenAt != nil {
					t.Fatalf("open channel has next_open_at %v", o.NextOpenAt)
				}
				return
			}
			if o.NextOpenAt == nil || !o.NextOpenAt.Equal(amsterdam(t, tc.nextOpen)) {
				t.Fatalf("next_open_at = %v, want %s Amsterdam", o.NextOpenAt, tc.nextOpen)
			}
		})
	}
}

func TestClosedChannelsComeAfterOpenOnes(t *testing.T) {
	c := defaults(t)
	// Tuesday 18:00: phone closed, chat open.
	opts, err := c.Suggest(contact.Query{Reason: dispute.ReasonItemDamaged, ItemCount: 2, Language: "en", At: amsterdam(t, "2026-11-24 18:00")})
	if err != nil {
		t.Fatal(err)
	}
	if got := channels(opts); !slices.Equal(got, []contact.Channel{contact.Chat, contact.Phone}) || opts[1].Available {
		t.Fatalf("got %v (%+v), want open chat before closed phone", got, opts)
	}
}

func TestInvalidQueryNamesTheField(t *testing.T) {
	c := defaults(t)
	cases := []struct {
		name  string
		q     contact.Query
		field string
	}{
		{"UnknownReason", contact.Query{Reason: "lost_temper", ItemCount: 1, Language: "en"}, "reason"},
		{"UnknownLanguage", contact.Query{Reason: dispute.ReasonOther, ItemCount: 1, Language: "ja"}, "language"},
		{"NoItems", contact.Query{Reason: dispute.ReasonOther, ItemCount: 0, Language: "en"}, "item_count"},
		{"NegativeItems", contact.Query{Reason: dispute.ReasonOther, ItemCount: -2, Language: "en"}, "item_count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Suggest(tc.q)
			e, ok := err.(*dispute.Error)
			if !ok || e.Code != dispute.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Fatalf("got %v, want an invalid error naming %s", err, tc.field)
			}
		})
	}
}

func TestParseHours(t *testing.T) {
	good := []string{"mon-fri 09:00-17:00", "sat-sun 10:00-14:00; mon 08:00-24:00", "fri-mon 00:00-24:00", "wed 09:00-12:00; wed 13:00-17:00"}
	for _, s := range good {
		if _, err := contact.ParseHours(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := []string{"", "weekdays 09:00-17:00", "mon-fri 9-17", "mon-fri 17:00-09:00", "mon 25:00-26:00", "mon 09:00-09:00", "mon 09:60-10:00"}
	for _, s := range bad {
		if _, err := contact.ParseHours(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if _, err := contact.Load("Mars/Olympus_Mons", nil, nil); err == nil {
		t.Error("unknown time zone accepted")
	}
	if _, err := contact.Load("", nil, []string{"bribery"}); err == nil {
		t.Error("unknown phone reason accepted")
	}
}
