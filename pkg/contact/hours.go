package contact

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Hours are a channel's weekly opening hours in local time: for each weekday,
// zero or more [from, to) ranges in minutes since midnight.
type Hours struct {
	spec   string
	ranges [7][][2]int
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func dayIndex(s string) (int, bool) {
	for i, d := range dayNames {
		if d == s {
			return i, true
		}
	}
	return 0, false
}

// ParseHours reads a spec such as "mon-fri 09:00-17:00; sat 10:00-14:00".
// Day ranges wrap (sat-sun, fri-mon); "24:00" ends a day.
func ParseHours(spec string) (Hours, error) {
	h := Hours{spec: strings.TrimSpace(spec)}
	if h.spec == "" {
		return h, fmt.Errorf("contact: empty hours")
	}
	for _, part := range strings.Split(spec, ";") {
		part = strings.TrimSpace(part)
		days, times, ok := strings.Cut(part, " ")
		if !ok {
			return h, fmt.Errorf("contact: %q: want DAYS HH:MM-HH:MM", part)
		}
		from, to, ok := strings.Cut(days, "-")
		if !ok {
			to = from
		}
		d0, ok0 := dayIndex(strings.ToLower(from))
		d1, ok1 := dayIndex(strings.ToLower(to))
		if !ok0 || !ok1 {
			return h, fmt.Errorf("contact: %q: days are mon, tue, wed, thu, fri, sat, sun", part)
		}
		t0s, t1s, ok := strings.Cut(strings.TrimSpace(times), "-")
		if !ok {
			return h, fmt.Errorf("contact: %q: want HH:MM-HH:MM", part)
		}
		t0, err0 := minutes(t0s)
		t1, err1 := minutes(t1s)
		if err0 != nil || err1 != nil || t0 >= t1 {
			return h, fmt.Errorf("contact: %q: times must be HH:MM-HH:MM with the start before the end", part)
		}
		for d := d0; ; d = (d + 1) % 7 {
			h.ranges[d] = append(h.ranges[d], [2]int{t0, t1})
			if d == d1 {
				break
			}
		}
	}
	for d := range h.ranges {
		slices.SortFunc(h.ranges[d], func(a, b [2]int) int { return a[0] - b[0] })
	}
	return h, nil
}

func minutes(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

func (h Hours) String() string { return h.spec }

// Open reports whether the channel is open at t (in the channel's location).
func (h Hours) Open(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	for _, r := range h.ranges[t.Weekday()] {
		if m >= r[0] && m < r[1] {
			return true
		}
	}
	return false
}

// Next returns when the channel next opens after t, within a week.
func (h Hours) Next(t time.Time) (time.Time, bool) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for i := 0; i <= 7; i++ {
		d := day.AddDate(0, 0, i)
		for _, r := range h.ranges[d.Weekday()] {
			start := time.Date(d.Year(), d.Month(), d.Day(), r[0]/60, r[0]%60, 0, 0, t.Location())
			if start.After(t) {
				return start, true
			}
		}
	}
	return time.Time{}, false
}
