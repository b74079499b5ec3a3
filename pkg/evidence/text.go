package evidence

import (
	"io"
	"unicode/utf8"
)

// copyText copies r to w, refusing the file at the first byte that is not
// clean UTF-8 text. Sniff only saw the head; this sees the rest. Markup is
// not looked for past the head: the file is served as an attachment, with
// nosniff, so only the head could ever make a browser render it.
func copyText(w io.Writer, r io.Reader) error {
	buf := make([]byte, 32<<10)
	carry := 0 // bytes of a character cut at the end of the previous read
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		if n > 0 {
			// Keep an incomplete character for the next read.
			end := n
			for back := 1; back < utf8.UTFMax && back <= n; back++ {
				if utf8.RuneStart(buf[n-back]) {
					if !utf8.FullRune(buf[n-back : n]) {
						end = n - back
					}
					break
				}
			}
			if err != nil {
				end = n // no more bytes will complete it
			}
			if !textBytesOK(buf[:end], false) {
				return malformed("text", "not UTF-8 text without control characters")
			}
			if _, werr := w.Write(buf[:end]); werr != nil {
				return werr
			}
			carry = copy(buf, buf[end:n])
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
