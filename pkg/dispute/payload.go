package dispute

import (
	"encoding/json"

	"github.com/opendispute/disputes/pkg/audit"
)

// AuditPayload returns the canonical audit payload of an event's input: an
// OpenInput for open, a Command for every other event.
func AuditPayload(in any) (json.RawMessage, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return audit.CanonicalPayload(raw)
}

// DecodeOpenPayload reads the audit payload of open.
func DecodeOpenPayload(payload []byte) (OpenInput, error) {
	var in OpenInput
	err := json.Unmarshal(payload, &in)
	return in, err
}

// DecodeCommandPayload reads the audit payload of any event but open.
func DecodeCommandPayload(payload []byte) (Command, error) {
	var cmd Command
	err := json.Unmarshal(payload, &cmd)
	return cmd, err
}
