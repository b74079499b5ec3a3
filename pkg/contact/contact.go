// Package contact suggests how a buyer should contact the marketplace before
// opening a dispute, following the marketplace's help article: live chat for
// quick questions and updates, e-mail for problems about more than three
// objects, phone for some cases involving two or three objects; every channel
// only in the languages it serves and only while it is open.
package contact

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the opening hours' time zones work on hosts without zoneinfo

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/locale"
)

// Channel is a way to reach the marketplace's support.
type Channel string

// The channels.
const (
	Chat  Channel = "chat"
	Email Channel = "email"
	Phone Channel = "phone"
)

// Languages each channel serves.
var (
	PhoneLanguages   = []string{"en", "es", "it", "fr", "nl", "de"}
	WrittenLanguages = []string{"en", "es", "it", "fr", "nl", "de", "zh", "pt", "pl"}
)

// DefaultPhoneReasons are the reasons for which a call is offered for 2 or 3
// objects: problems that are easier to talk through than to write down.
var DefaultPhoneReasons = []dispute.Reason{
	dispute.ReasonItemNotReceived, dispute.ReasonItemDamaged, dispute.ReasonItemNotAsDescribed,
	dispute.ReasonReturnIssue, dispute.ReasonPaymentIssue,
}

// Config says when each channel is open and for which reasons phone is offered.
type Config struct {
	Location     *time.Location
	Hours        map[Channel]Hours
	PhoneReasons []dispute.Reason
}

// DefaultConfig returns the defaults: Europe/Amsterdam; chat weekdays
// 08:00-22:00 and weekends 09:00-17:00; phone weekdays 09:00-17:00; e-mail
// always (answered on working days).
func DefaultConfig() (Config, error) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return Config{}, err
	}
	chat, _ := ParseHours("mon-fri 08:00-22:00; sat-sun 09:00-17:00")
	phone, _ := ParseHours("mon-fri 09:00-17:00")
	email, _ := ParseHours("mon-sun 00:00-24:00")
	return Config{Location: loc, Hours: map[Channel]Hours{Chat: chat, Phone: phone, Email: email}, PhoneReasons: DefaultPhoneReasons}, nil
}

// Option is one suggested channel.
type Option struct {
	Channel   Channel
	Available bool
	Why       string
	Hours     string
	// NextOpenAt is when a closed channel opens next.
	NextOpenAt *time.Time
}

// Query is what the suggestion depends on.
type Query struct {
	Reason    dispute.Reason
	ItemCount int
	Language  string
	At        time.Time
}

// Validate names the first bad field of a query.
func (q Query) Validate() error {
	var fields []dispute.FieldError
	if !q.Reason.Valid() {
		fields = append(fields, dispute.FieldError{Field: "reason", Message: "unknown reason"})
	}
	if q.ItemCount < 1 {
		fields = append(fields, dispute.FieldError{Field: "item_count", Message: "must be at least 1"})
	}
	if !slices.Contains(WrittenLanguages, q.Language) {
		fields = append(fields, dispute.FieldError{Field: "language", Message: "must be one of " + strings.Join(WrittenLanguages, ", ")})
	}
	if len(fields) > 0 {
		return &dispute.Error{Code: dispute.EINVALID, Reason: dispute.CodeValidationFailed, Message: "the query is invalid", Fields: fields}
	}
	return nil
}

// Suggest returns the channels that fit the query, explained in English; see
// SuggestIn.
func (c Config) Suggest(q Query) ([]Option, error) {
	return c.SuggestIn(q, locale.Default)
}

// SuggestIn returns the channels that fit the query, the best first: open
// channels before closed ones, and among them in the order the help article
// recommends. Each says why it fits in lang, the reader's language, which
// need not be the language the channel would serve.
func (c Config) SuggestIn(q Query, lang string) ([]Option, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var opts []Option
	add := func(ch Channel, why string) {
		h := c.Hours[ch]
		o := Option{Channel: ch, Why: why, Hours: h.String() + " (" + c.Location.String() + ")"}
		local := q.At.In(c.Location)
		o.Available = h.Open(local)
		if !o.Available {
			if next, ok := h.Next(local); ok {
				u := next.UTC()
				o.NextOpenAt = &u
			}
		}
		opts = append(opts, o)
	}
	phoneOK := slices.Contains(PhoneLanguages, q.Language) && slices.Contains(c.PhoneReasons, q.Reason)
	switch {
	case q.ItemCount > 3:
		add(Email, locale.Text(lang, "ContactEmailManyObjects", locale.Args{"Count": q.ItemCount}))
		add(Chat, locale.Text(lang, "ContactChatQuestions", nil))
	case q.ItemCount >= 2 && phoneOK:
		add(Phone, locale.Text(lang, "ContactPhoneFewObjects", locale.Args{"Count": q.ItemCount}))
		add(Chat, locale.Text(lang, "ContactChatQuestions", nil))
	default:
		add(Chat, locale.Text(lang, "ContactChatQuickest", nil))
	}
	slices.SortStableFunc(opts, func(a, b Option) int {
		switch {
		case a.Available == b.Available:
			return 0
		case a.Available:
			return -1
		}
		return 1
	})
	return opts, nil
}

// Load builds a configuration from settings; empty settings keep the
// defaults. hours maps a channel to a spec such as "mon-fri 09:00-17:00".
func Load(timeZone string, hours map[Channel]string, phoneReasons []string) (Config, error) {
	c, err := DefaultConfig()
	if err != nil {
		return c, err
	}
	if timeZone != "" {
		loc, err := time.LoadLocation(timeZone)
		if err != nil {
			return c, fmt.Errorf("contact: unknown time zone %q", timeZone)
		}
		c.Location = loc
	}
	for ch, spec := range hours {
		if spec == "" {
			continue
		}
		h, err := ParseHours(spec)
		if err != nil {
			return c, fmt.Errorf("%s hours: %w", ch, err)
		}
		c.Hours[ch] = h
	}
	if len(phoneReasons) > 0 {
		c.PhoneReasons = nil
		for _, r := range phoneReasons {
			if !dispute.Reason(r).Valid() {
				return c, fmt.Errorf("contact: phone reasons: unknown reason %q", r)
			}
			c.PhoneReasons = append(c.PhoneReasons, dispute.Reason(r))
		}
	}
	return c, nil
}
