package evidence

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxFilenameBytes bounds a sanitised file name, in bytes of UTF-8.
const MaxFilenameBytes = 200

// SanitizeFilename turns the name a client declared into one that is safe to
// store, to show and to send back in a Content-Disposition header: the last
// element of any path (with / or \ as separator), in Unicode NFC, without
// control, format (bidirectional overrides included) or invalid characters,
// without characters that Windows forbids in names, without leading dots or
// spaces (no hidden files, no "..") or trailing ones, at most
// MaxFilenameBytes long with the extension kept where possible. A name that
// comes out empty, or that Windows reserves for a device, becomes "file".
func SanitizeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = norm.NFC.String(name)
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			r = ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		b.WriteRune(r)
	}
	name = strings.Join(strings.Fields(b.String()), " ")
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	name = truncateName(name, MaxFilenameBytes)
	if name == "" || reservedOnWindows(name) {
		return "file"
	}
	return name
}

// truncateName shortens name to max bytes on a character boundary, keeping
// an extension of up to 16 bytes.
func truncateName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
		name = name[:i]
	}
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return strings.TrimRight(name[:cut], ". ") + ext
}

func reservedOnWindows(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	switch strings.ToUpper(strings.TrimSpace(base)) {
	case "CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return true
	}
	return false
}
