package console

import (
	"net/url"
	"testing"
	"time"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestInfoDueDateOfTheLastDay: a request for information due on the 30th
// day, the last the service allows, is due as late as it may be, not at the
// end of that day, which is past the limit.
func TestInfoDueDateOfTheLastDay(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	due := func(day time.Time) *time.Time {
		t.Helper()
		cmd, err := commandOf(url.Values{"event": {"request_info"}, "party": {"buyer"}, "question": {"Photos?"},
			"due_at": {day.Format("2006-01-02")}}, now)
		if err != nil {
			t.Fatal(err)
		}
		return cmd.DueAt
	}
	if got := due(now.AddDate(0, 0, 3)); !got.Equal(time.Date(2026, 3, 4, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("due on the 3rd day: %v, want its end", got)
	}
	if got := due(now.Add(dispute.MaxInfoWait)); !got.Equal(now.Add(dispute.MaxInfoWait)) {
		t.Errorf("due on the last day: %v, want %v", got, now.Add(dispute.MaxInfoWait))
	}
	if got := due(now.AddDate(0, 0, 40)); !got.After(now.Add(dispute.MaxInfoWait)) {
		t.Errorf("due after the limit: %v, left for the service to refuse", got)
	}
}
