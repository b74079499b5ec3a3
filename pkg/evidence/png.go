package evidence

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"image/png"
	"io"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngKept lists the chunks Strip keeps: the critical ones and those that
// say how to show the colours. Everything else goes, the text chunks
// (tEXt, zTXt, iTXt), EXIF (eXIf), the time (tIME), animation and private
// chunks (content credentials, editors' data) included.
var pngKept = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true,
	"sBIT": true, "pHYs": true, "bKGD": true, "cICP": true, "mDCV": true,
	"cLLI": true,
}

// stripPNG copies a PNG chunk by chunk, dropping the chunks that pngKept
// does not list and whatever follows IEND. It checks every CRC, decodes the
// header with the standard library and inflates the whole image data to
// check that it holds exactly the bytes the header announces.
func stripPNG(w io.Writer, r io.Reader) error {
	p := &pngStripper{w: w, br: bufio.NewReaderSize(r, 64<<10)}
	return p.run()
}

type pngStripper struct {
	w       io.Writer
	br      *bufio.Reader
	head    bytes.Buffer // signature, IHDR and PLTE, for png.DecodeConfig
	expect  uint64       // bytes of filtered image data IHDR announces
	pending *chunkHeader // a header read ahead by the IDAT reader
}

type chunkHeader struct {
	length uint32
	typ    string
	raw    [8]byte
}

func (p *pngStripper) run() error {
	sig := make([]byte, len(pngSignature))
	if _, err := io.ReadFull(p.br, sig); err != nil || !bytes.Equal(sig, pngSignature) {
		return malformed("png", "no signature")
	}
	if _, err := p.w.Write(sig); err != nil {
		return err
	}
	p.head.Write(sig)
	first, seenIDAT := true, false
	for {
		h, err := p.nextHeader()
		if err != nil {
			return err
		}
		if first != (h.typ == "IHDR") {
			return malformed("png", "IHDR is not the first chunk")
		}
		first = false
		switch {
		case h.typ == "IDAT":
			if seenIDAT {
				return malformed("png", "image data is not contiguous")
			}
			seenIDAT = true
			if err := p.imageData(h); err != nil {
				return err
			}
			continue
		case h.typ == "IEND":
			if !seenIDAT {
				return malformed("png", "no image data")
			}
			return p.copyChunk(h, nil)
		case pngKept[h.typ]:
			var keep *bytes.Buffer
			if h.typ == "IHDR" || h.typ == "PLTE" {
				keep = &p.head
			}
			if err := p.copyChunk(h, keep); err != nil {
				return err
			}
		case h.typ[0]&0x20 == 0:
			// An unknown critical chunk: no decoder could show the image.
			return malformed("png", "unknown critical chunk %q", h.typ)
		default:
			if _, err := p.br.Discard(int(h.length) + 4); err != nil {
				return malformed("png", "truncated chunk %q", h.typ)
			}
		}
	}
}

func (p *pngStripper) nextHeader() (chunkHeader, error) {
	if p.pending != nil {
		h := *p.pending
		p.pending = nil
		return h, nil
	}
	var h chunkHeader
	if _, err := io.ReadFull(p.br, h.raw[:]); err != nil {
		return h, malformed("png", "truncated before IEND")
	}
	h.length = binary.BigEndian.Uint32(h.raw[:4])
	h.typ = string(h.raw[4:])
	if h.length > 1<<31-1 {
		return h, malformed("png", "chunk length %d", h.length)
	}
	for i := 0; i < 4; i++ {
		c := h.typ[i] | 0x20
		if c < 'a' || c > 'z' {
			return h, malformed("png", "bad chunk type %q", h.typ)
		}
	}
	return h, nil
}

// copyChunk copies a chunk to w, and to also if not nil, checking its CRC.
func (p *pngStripper) copyChunk(h chunkHeader, also *bytes.Buffer) error {
	dst := p.w
	if also != nil {
		if h.length > 1<<10 {
			return malformed("png", "%s of %d bytes", h.typ, h.length)
		}
		dst = io.MultiWriter(p.w, also)
	}
	if _, err := dst.Write(h.raw[:]); err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	crc.Write(h.raw[4:])
	if _, err := io.CopyN(io.MultiWriter(dst, crc), p.br, int64(h.length)); err != nil {
		if errors.Is(err, io.EOF) {
			return malformed("png", "truncated chunk %q", h.typ)
		}
		return err
	}
	if err := p.checkCRC(dst, h.typ, crc); err != nil {
		return err
	}
	if h.typ == "IHDR" {
		b := also.Bytes()
		return p.readIHDR(b[len(b)-4-int(h.length) : len(b)-4])
	}
	return nil
}

func (p *pngStripper) checkCRC(dst io.Writer, typ string, crc hash.Hash32) error {
	var sum [4]byte
	if _, err := io.ReadFull(p.br, sum[:]); err != nil {
		return malformed("png", "truncated chunk %q", typ)
	}
	if binary.BigEndian.Uint32(sum[:]) != crc.Sum32() {
		return malformed("png", "CRC mismatch in %q", typ)
	}
	_, err := dst.Write(sum[:])
	return err
}

// readIHDR works out from the header how many bytes the image data must
// inflate to: one filter byte and the packed samples for each row, of each
// interlace pass if the image is interlaced.
func (p *pngStripper) readIHDR(ihdr []byte) error {
	if len(ihdr) != 13 {
		return malformed("png", "IHDR of %d bytes", len(ihdr))
	}
	width := uint64(binary.BigEndian.Uint32(ihdr[0:4]))
	height := uint64(binary.BigEndian.Uint32(ihdr[4:8]))
	depth, colour, interlace := uint64(ihdr[8]), ihdr[9], ihdr[12]
	if width == 0 || height == 0 || width*height > MaxPixels {
		return malformed("png", "%dx%d pixels", width, height)
	}
	channels := map[byte]uint64{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
	if channels == 0 {
		return malformed("png", "colour type %d", colour)
	}
	bits := depth * channels
	rows := func(w, h uint64) uint64 { return h * (1 + (w*bits+7)/8) }
	switch interlace {
	case 0:
		p.expect = rows(width, height)
	case 1:
		for _, pass := range [7][4]uint64{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			if width <= pass[0] || height <= pass[1] {
				continue
			}
			pw := (width - pass[0] + pass[2] - 1) / pass[2]
			ph := (height - pass[1] + pass[3] - 1) / pass[3]
			p.expect += rows(pw, ph)
		}
	default:
		return malformed("png", "interlace method %d", interlace)
	}
	return nil
}

// imageData copies the run of IDAT chunks that begins with h, inflating it
// on the way.
func (p *pngStripper) imageData(h chunkHeader) error {
	// The header and palette are complete once image data begins.
	if _, err := png.DecodeConfig(bytes.NewReader(p.head.Bytes())); err != nil {
		return malformed("png", "%v", err)
	}
	ir := &idatReader{p: p}
	if err := ir.start(h); err != nil {
		return err
	}
	zr, err := zlib.NewReader(ir)
	if err != nil {
		return ir.failure(malformed("png", "image data: %v", err))
	}
	n, err := io.CopyN(io.Discard, zr, int64(p.expect)+1)
	switch {
	case err == nil:
		return malformed("png", "more image data than the header announces")
	case err != io.EOF:
		return ir.failure(malformed("png", "image data: %v", err))
	case uint64(n) != p.expect:
		return malformed("png", "image data of %d bytes, expected %d", n, p.expect)
	}
	// Copy what may follow the zlib stream in the last IDAT chunks.
	if _, err := io.Copy(io.Discard, ir); err != nil {
		return ir.failure(err)
	}
	return nil
}

// idatReader reads the data of consecutive IDAT chunks, copying the chunks
// to the output as it goes and checking their CRCs. At the first other
// chunk it stops and leaves that chunk's header for the main loop.
type idatReader struct {
	p    *pngStripper
	left uint32 // data bytes left in the current chunk
	crc  hash.Hash32
	done bool
	err  error // an error of the stream itself, which wins over zlib's
}

func (ir *idatReader) start(h chunkHeader) error {
	if _, err := ir.p.w.Write(h.raw[:]); err != nil {
		return err
	}
	ir.left = h.length
	ir.crc = crc32.NewIEEE()
	ir.crc.Write(h.raw[4:])
	return nil
}

func (ir *idatReader) failure(err error) error {
	if ir.err != nil {
		return ir.err
	}
	return err
}

func (ir *idatReader) Read(b []byte) (int, error) {
	for ir.left == 0 {
		if ir.done {
			return 0, io.EOF
		}
		if ir.err = ir.p.checkCRC(ir.p.w, "IDAT", ir.crc); ir.err != nil {
			return 0, ir.err
		}
		h, err := ir.p.nextHeader()
		if err != nil {
			ir.err = err
			return 0, err
		}
		if h.typ != "IDAT" {
			ir.p.pending = &h
			ir.done = true
			return 0, io.EOF
		}
		if ir.err = ir.start(h); ir.err != nil {
			return 0, ir.err
		}
	}
	if uint32(len(b)) > ir.left {
		b = b[:ir.left]
	}
	n, err := ir.p.br.Read(b)
	ir.left -= uint32(n)
	ir.crc.Write(b[:n])
	if _, werr := ir.p.w.Write(b[:n]); werr != nil {
		ir.err = werr
		return n, werr
	}
	if err == io.EOF {
		ir.err = malformed("png", "truncated image data")
		return n, ir.err
	}
	return n, err
}
