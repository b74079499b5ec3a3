package dispute

import "encoding/json"

// MarshalJSON writes a message with its text under "message", the name
// every request and the timeline use, and again under "body", its name
// before, which is deprecated and will be dropped in the next release.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message // the same fields without this method
	return json.Marshal(struct {
		plain
		DeprecatedBody string `json:"body"`
	}{plain(m), m.Body})
}
