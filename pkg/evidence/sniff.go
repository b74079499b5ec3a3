package evidence

import (
	"bytes"
	"unicode/utf8"
)

// Sniff judges the type of a file from its first bytes (SniffLen of them,
// or the whole file if shorter), never from a declared type or a name. It
// recognises JPEG, PNG, WebP, PDF and plain UTF-8 text, and refuses
// everything else, an empty file included. Text that looks like HTML, XML,
// SVG or script is refused, so a page named photo.jpg or notes.txt is not
// stored for a browser to render.
//
// A recognised image may still be refused by Strip, which checks that it
// decodes.
func Sniff(head []byte) (contentType string, ok bool) {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case len(head) == 0:
		return "", false
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, true
	case bytes.HasPrefix(head, pngSignature):
		return TypePNG, true
	case isWebP(head):
		return TypeWebP, true
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF, true
	case isPlainText(head):
		return TypeText, true
	}
	return "", false
}

func isWebP(head []byte) bool {
	if len(head) < 16 || string(head[:4]) != "RIFF" || string(head[8:12]) != "WEBP" {
		return false
	}
	switch string(head[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return true
	}
	return false
}

// markup lists what marks a text as something a browser would interpret.
// They are looked for anywhere in the head, in lower case, because some
// browsers sniff past leading text.
var markup = [][]byte{
	[]byte("<!doctype"), []byte("<html"), []byte("<head"), []byte("<body"),
	[]byte("<script"), []byte("<iframe"), []byte("<frame"), []byte("<object"),
	[]byte("<embed"), []byte("<svg"), []byte("<?xml"), []byte("<xml"),
	[]byte("<meta"), []byte("<style"), []byte("<link"), []byte("<form"),
	[]byte("<img"), []byte("<base"), []byte("<math"), []byte("<!--"),
	[]byte("<![cdata["), []byte("javascript:"), []byte("<?php"),
}

func isPlainText(head []byte) bool {
	if !textBytesOK(head, true) {
		return false
	}
	body := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) == 0 {
		return false
	}
	// A text that starts like a tag (or an XML declaration or comment) is
	// markup whatever follows.
	if body[0] == '<' && len(body) > 1 {
		c := body[1]
		if c == '!' || c == '?' || c == '/' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
			return false
		}
	}
	lower := bytes.ToLower(body)
	for _, m := range markup {
		if bytes.Contains(lower, m) {
			return false
		}
	}
	return true
}

// textBytesOK reports whether b is UTF-8 without control characters other
// than tab, carriage return and line feed. With partialEnd, b may end in
// the middle of a character, as a head cut from a longer file does.
func textBytesOK(b []byte, partialEnd bool) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return partialEnd && !utf8.FullRune(b[i:]) && len(b)-i < utf8.UTFMax
		}
		// C1 controls (U+0080 to U+009F) are as unprintable as C0 ones.
		if r >= 0x80 && r <= 0x9F {
			return false
		}
		i += size
	}
	return true
}
