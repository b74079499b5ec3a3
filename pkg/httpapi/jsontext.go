package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/opendispute/disputes/pkg/dispute"
)

// checkJSONText refuses what encoding/json would accept but change on the
// way in: text that is not UTF-8 and \u escapes of lone surrogates (both
// would become U+FFFD and be stored so), and a member named twice in one
// object (the last would win, while a proxy or a log reading the first
// would see another request). JSON is UTF-8 (RFC 8259, section 8.1), and
// I-JSON (RFC 7493) has unique names; refusing both keeps what the service
// acts on the same as what was sent. Syntax errors are left to the strict
// decoder, which names them.
func checkJSONText(body []byte) error {
	if !utf8.Valid(body) {
		return dispute.Errorf(dispute.EINVALID, dispute.CodeInvalidCharacter, "the request body is not valid UTF-8")
	}
	if loneSurrogate(body) {
		return dispute.Errorf(dispute.EINVALID, dispute.CodeInvalidCharacter, "the request body escapes half of a UTF-16 surrogate pair, which is no character")
	}
	if path, ok := repeatedMember(body); ok {
		return dispute.Invalid(dispute.CodeValidationFailed, path, "is given more than once in one object")
	}
	return nil
}

// loneSurrogate reports a \u escape of a high surrogate not followed by one
// of a low surrogate, or of a low surrogate on its own, in any string of
// the JSON text b.
func loneSurrogate(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			r, ok := escapedRune(b, i)
			if !ok {
				i++ // an escape of one character, or broken syntax
				continue
			}
			switch {
			case r >= 0xd800 && r < 0xdc00:
				low, ok := escapedRune(b, i+6)
				if !ok || low < 0xdc00 || low > 0xdfff {
					return true
				}
				i += 11
			case r >= 0xdc00 && r <= 0xdfff:
				return true
			default:
				i += 5
			}
		}
	}
	return false
}

// escapedRune reads the \uXXXX escape at b[i], if there is one.
func escapedRune(b []byte, i int) (rune, bool) {
	if i+5 >= len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
	return rune(v), err == nil
}

// maxJSONDepth is the nesting encoding/json reads at most.
const maxJSONDepth = 10000

// repeatedMember finds a member named twice in one object of the JSON text
// b and returns its path as problems name fields (offer.remedies[0].type).
// Text that is not JSON reports nothing. It keeps one frame per open object
// or array, each knowing its parent, so its work and memory grow with the
// body, not with the square of its nesting; the path is written only for
// the member it reports.
func repeatedMember(b []byte) (string, bool) {
	type frame struct {
		parent  *frame
		names   map[string]struct{} // an object's names so far; nil for an array
		wantKey bool
		member  string // an object's member whose value comes next
		index   int    // an array's next index
	}
	var top *frame
	depth := 0
	// path writes where the value now being read sits, name last.
	path := func(name string) string {
		var parts []string
		if name != "" {
			parts = append(parts, name)
		}
		for f := top; f != nil; f = f.parent {
			if f.parent == nil {
				break
			}
			if p := f.parent; p.names != nil {
				parts = append(parts, p.member)
			} else {
				parts = append(parts, fmt.Sprintf("[%d]", p.index))
			}
		}
		var w strings.Builder
		for i := len(parts) - 1; i >= 0; i-- {
			if w.Len() > 0 && !strings.HasPrefix(parts[i], "[") {
				w.WriteByte('.')
			}
			w.WriteString(parts[i])
		}
		return w.String()
	}
	// done moves past a complete value in the enclosing frame.
	done := func() {
		switch {
		case top == nil:
		case top.names != nil:
			top.wantKey = true
		default:
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // the end, or a syntax error the decoder names
		}
		if top != nil && top.names != nil && top.wantKey {
			name, ok := tok.(string)
			if !ok { // the object's closing brace
				depth--
				top = top.parent
				done()
				continue
			}
			if _, seen := top.names[name]; seen {
				return path(name), true
			}
			top.names[name] = struct{}{}
			top.wantKey, top.member = false, name
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			// Deeper than encoding/json reads: the decoder refuses it.
			if depth++; depth > maxJSONDepth {
				return "", false
			}
			top = &frame{parent: top}
			if tok == json.Delim('{') {
				top.names, top.wantKey = map[string]struct{}{}, true
			}
		case json.Delim(']'):
			depth--
			top = top.parent
			done()
		default:
			done()
		}
	}
}
