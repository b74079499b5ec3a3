package httpapi

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

func TestCheckJSONText(t *testing.T) {
	tests := []struct {
		name, body   string
		reason, path string // "" reason: accepted
	}{
		{"plain", `{"a":"b","c":[1,{"d":2}]}`, "", ""},
		{"pair escaped", `{"a":"\ud83d\ude00"}`, "", ""},
		{"pair in upper case", `{"a":"\uD83D\uDE00"}`, "", ""},
		{"other escapes", `{"a":"\\ud800 \" \n \u00e9"}`, "", ""},
		{"same name in sibling objects", `{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}`, "", ""},
		{"not UTF-8", "{\"a\":\"caf\xe9\"}", dispute.CodeInvalidCharacter, ""},
		{"high surrogate alone", `{"a":"x\ud800y"}`, dispute.CodeInvalidCharacter, ""},
		{"high surrogate at the end", `{"a":"\ud800"}`, dispute.CodeInvalidCharacter, ""},
		{"high then not low", `{"a":"\ud800\u0041"}`, dispute.CodeInvalidCharacter, ""},
		{"low surrogate alone", `{"a":"\udc00"}`, dispute.CodeInvalidCharacter, ""},
		{"surrogate in a name", `{"\udfff":1}`, dispute.CodeInvalidCharacter, ""},
		{"repeated at the top", `{"reason":"a","x":1,"reason":"b"}`, dispute.CodeValidationFailed, "reason"},
		{"repeated, once escaped", `{"message":"a","m\u0065ssage":"b"}`, dispute.CodeValidationFailed, "message"},
		{"repeated deep", `{"offer":{"remedies":[{"type":"a"},{"type":"b","type":"c"}]}}`, dispute.CodeValidationFailed, "offer.remedies[1].type"},
		{"repeated after a nested value", `{"a":{"b":[1,2]},"a":3}`, dispute.CodeValidationFailed, "a"},
		{"broken syntax is the decoder's", `{"a":1,"b"`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkJSONText([]byte(tt.body))
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *dispute.Error
			if !errors.As(err, &e) || e.Reason != tt.reason {
				t.Fatalf("got %v, want %s", err, tt.reason)
			}
			if tt.path != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tt.path) {
				t.Errorf("fields %+v, want %s", e.Fields, tt.path)
			}
		})
	}
}

func FuzzCheckJSONText(f *testing.F) {
	for _, s := range []string{`{"a":"\ud83d\ude00"}`, `{"a":1,"a":2}`, `[{"a":[{"b":1}]}]`, `"\u`, `{"\\":"\\u"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = checkJSONText(b) // never panics, never loops
	})
}

// TestCheckJSONTextDeepNesting: a body as deep as the body limit allows
// costs memory in proportion to its size, not to the square of its depth.
func TestCheckJSONTextDeepNesting(t *testing.T) {
	for _, open := range []string{"[", `{"a":`, `[{"a":[`} {
		body := bytes.Repeat([]byte(open), (1<<20)/len(open))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_ = checkJSONText(body)
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 32<<20 {
			t.Errorf("%q nested 1 MiB deep: %d MiB allocated", open, n>>20)
		}
	}
}
