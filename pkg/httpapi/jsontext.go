package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
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

// repeatedMember finds a member named twice in one object of the JSON text
// b and returns its path as problems name fields (offer.remedies[0].type).
// Text that is not JSON reports nothing.
func repeatedMember(b []byte) (string, bool) {
	// A frame is an open object or array: the names seen in an object, the
	// index reached in an array, and the path to the frame.
	type frame struct {
		names   map[string]struct{}
		object  bool
		wantKey bool
		index   int
		path    string
		member  string // the path of the member whose value comes next
	}
	var stack []*frame
	// valuePath is the path of the value the next token starts.
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.object {
			return top.member
		}
		return fmt.Sprintf("%s[%d]", top.path, top.index)
	}
	// done moves past a complete value in the enclosing frame.
	done := func() {
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		if top.object {
			top.wantKey = true
		} else {
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
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey {
			top := stack[len(stack)-1]
			name, ok := tok.(string)
			if !ok { // the object's closing brace
				stack = stack[:len(stack)-1]
				done()
				continue
			}
			path := name
			if top.path != "" {
				path = top.path + "." + name
			}
			if _, seen := top.names[name]; seen {
				return path, true
			}
			top.names[name] = struct{}{}
			top.wantKey, top.member = false, path
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{names: map[string]struct{}{}, object: true, wantKey: true, path: valuePath()})
		case json.Delim('['):
			stack = append(stack, &frame{path: valuePath()})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}
