// Command gen-diagram prints docs/state-machine.md from the state machine
// definition. Run it with `make generate`.
package main

import (
	"fmt"

	"github.com/opendispute/disputes/pkg/dispute"
)

func main() {
	fmt.Print(dispute.StateDiagram())
}
