package dispute_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestFirersCoverTheLifecycle: the table names every event of the
// machine, no other, and its system events are exactly the machine's.
func TestFirersCoverTheLifecycle(t *testing.T) {
	for _, tr := range dispute.Transitions {
		if len(dispute.Firers[tr.Event].Roles) == 0 || dispute.Firers[tr.Event].Place == "" {
			t.Errorf("Firers gives no roles or place for %s", tr.Event)
		}
	}
	for e := range dispute.Firers {
		if !slices.ContainsFunc(dispute.Transitions, func(tr dispute.Transition) bool { return tr.Event == e }) {
			t.Errorf("Firers names %s, which the machine does not have", e)
		}
	}
	for e, f := range dispute.Firers {
		system := slices.Equal(f.Roles, []dispute.Role{dispute.RoleSystem})
		if system != slices.Contains(dispute.SystemEvents, e) {
			t.Errorf("%s fired by %v, but SystemEvents says system: %v", e, f.Roles, slices.Contains(dispute.SystemEvents, e))
		}
		if slices.Contains(dispute.UserEvents, e) && slices.Contains(f.Roles, dispute.RoleSystem) {
			t.Errorf("user event %s may be fired by the system", e)
		}
	}
}

// TestDiagramShowsTheFirers: each row of the generated table lists the
// roles Firers gives its event.
func TestDiagramShowsTheFirers(t *testing.T) {
	d := dispute.StateDiagram()
	for _, tr := range dispute.Transitions {
		var row string
		for line := range strings.Lines(d) {
			if strings.HasPrefix(line, "| `"+string(tr.Event)+"`") {
				row = line
				break
			}
		}
		if row == "" {
			t.Errorf("no row for %s", tr.Event)
			continue
		}
		cells := strings.Split(row, "|")
		firedBy := cells[len(cells)-2]
		for _, r := range dispute.Firers[tr.Event].Roles {
			if !strings.Contains(firedBy, "`"+string(r)+"`") {
				t.Errorf("the row of %s does not name %s: %s", tr.Event, r, row)
			}
		}
		for _, r := range append([]dispute.Role{dispute.RoleBuyer, dispute.RoleSeller}, dispute.GrantableRoles...) {
			if !dispute.MayFireAs(tr.Event, r) && strings.Contains(firedBy, "`"+string(r)+"`") {
				t.Errorf("the row of %s names %s, which Firers does not give it: %s", tr.Event, r, row)
			}
		}
	}
}
