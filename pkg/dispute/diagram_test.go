package dispute_test

import (
	"os"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestStateDiagramIsCurrent fails when docs/state-machine.md no longer
// matches the state machine definition; `make generate` rewrites it.
func TestStateDiagramIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../docs/state-machine.md")
	if err != nil {
		t.Fatalf("read the diagram: %v (run make generate)", err)
	}
	if want := dispute.StateDiagram(); string(got) != want {
		t.Fatal("docs/state-machine.md is stale: run make generate")
	}
}

func TestStateDiagramShowsEveryTransition(t *testing.T) {
	d := dispute.StateDiagram()
	for _, tr := range dispute.Transitions {
		for _, from := range tr.From {
			src := string(from)
			if from == dispute.StateNew {
				src = "[*]"
			}
			if !strings.Contains(d, src+" --> "+string(tr.To)+":") {
				t.Errorf("diagram lacks %s --> %s", src, tr.To)
			}
		}
		if _, ok := dispute.Firers[tr.Event]; !ok {
			t.Errorf("no firer documented for %s", tr.Event)
		}
	}
}
