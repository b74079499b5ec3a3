package evidence

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"golang.org/x/image/webp"
)

// webpKept lists the chunks Strip keeps; EXIF, XMP and unknown chunks go.
var webpKept = map[string]bool{
	"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true,
	"ICCP": true, "ANIM": true, "ANMF": true,
}

// VP8X feature flags (WebP container specification).
const (
	vp8xEXIF = 0x08
	vp8xXMP  = 0x04
)

// stripWebP rewrites a WebP's RIFF container without its EXIF and XMP
// chunks, clearing their flags in VP8X and setting the RIFF size to what
// is left. The RIFF header comes first and carries the size, so the kept
// chunks are held in memory (at most MaxWebPSize) until the end. The image
// data itself is copied verbatim; its header is decoded with
// golang.org/x/image/webp.
func stripWebP(w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil || string(hdr[:4]) != "RIFF" || string(hdr[8:]) != "WEBP" {
		return malformed("webp", "no RIFF WEBP header")
	}
	riffSize := binary.LittleEndian.Uint32(hdr[4:8])
	if riffSize < 4 || riffSize%2 != 0 {
		return malformed("webp", "RIFF size %d", riffSize)
	}
	if riffSize > MaxWebPSize {
		return malformed("webp", "larger than %d bytes", MaxWebPSize)
	}
	var kept bytes.Buffer
	kept.Write(hdr[:])
	var image []byte // the VP8 or VP8L chunk, header included, for checking
	left := riffSize - 4
	first := true
	var vp8x int = -1 // offset of the VP8X payload in kept
	frames := 0
	for left > 0 {
		var ch [8]byte
		if left < 8 {
			return malformed("webp", "chunk header past the RIFF end")
		}
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return malformed("webp", "truncated")
		}
		fourcc := string(ch[:4])
		size := binary.LittleEndian.Uint32(ch[4:])
		padded := uint64(size) + uint64(size&1)
		if 8+padded > uint64(left) {
			return malformed("webp", "chunk %q past the RIFF end", fourcc)
		}
		left -= 8 + uint32(padded)
		if fourcc == "VP8X" && !first {
			return malformed("webp", "VP8X is not the first chunk")
		}
		if first {
			switch fourcc {
			case "VP8X":
				vp8x = kept.Len() + 8
			case "VP8 ", "VP8L":
			default:
				return malformed("webp", "first chunk %q", fourcc)
			}
			first = false
		}
		if !webpKept[fourcc] || vp8x < 0 && image != nil {
			// Dropped: metadata, unknown chunks, anything after the
			// image of a simple file.
			if _, err := br.Discard(int(padded)); err != nil {
				return malformed("webp", "truncated")
			}
			continue
		}
		start := kept.Len()
		kept.Write(ch[:])
		if _, err := io.CopyN(&kept, br, int64(padded)); err != nil {
			if errors.Is(err, io.EOF) {
				return malformed("webp", "truncated")
			}
			return err
		}
		switch fourcc {
		case "VP8 ", "VP8L":
			if image != nil {
				return malformed("webp", "two images")
			}
			image = kept.Bytes()[start : start+8+int(size)]
		case "ANMF":
			frames++
		}
	}
	out := kept.Bytes()
	if vp8x >= 0 {
		if len(out) < vp8x+10 {
			return malformed("webp", "short VP8X")
		}
		out[vp8x] &^= vp8xEXIF | vp8xXMP
	}
	if image == nil && frames == 0 {
		return malformed("webp", "no image data")
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	cfg, err := webp.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		return malformed("webp", "%v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return malformed("webp", "%dx%d pixels", cfg.Width, cfg.Height)
	}
	if image != nil && vp8x >= 0 {
		// DecodeConfig stops at VP8X; decode the bitstream's own header too.
		if err := checkWebPBitstream(image); err != nil {
			return err
		}
	}
	_, err = w.Write(out)
	return err
}

// checkWebPBitstream decodes the header of a VP8 or VP8L chunk, read as a
// simple file of its own (without copying it).
func checkWebPBitstream(chunk []byte) error {
	hdr := []byte("RIFF\x00\x00\x00\x00WEBP")
	pad := []byte{}
	if len(chunk)%2 != 0 {
		pad = []byte{0}
	}
	binary.LittleEndian.PutUint32(hdr[4:8], uint32(4+len(chunk)+len(pad)))
	r := io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(chunk), bytes.NewReader(pad))
	if _, err := webp.DecodeConfig(r); err != nil {
		return malformed("webp", "%v", err)
	}
	return nil
}
