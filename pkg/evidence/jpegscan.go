package evidence

import (
	"bufio"
	"encoding/binary"
	"io"
)

// jpegFrame is what the entropy-coded data of a JPEG is decoded against:
// the frame header, the Huffman tables and the restart interval, as the
// segments that define them pass. Decoding a scan walks every Huffman code
// of every block the frame announces, without keeping coefficients or
// pixels, so a scan that is cut short, holds a code no table defines, or
// runs past a block's 64 coefficients is refused while the memory used
// stays that of the tables.
type jpegFrame struct {
	seen        bool
	progressive bool
	width       int
	height      int
	comps       []jpegComponent
	hmax, vmax  int
	restart     int
	dc, ac      [4]*huffTable
}

type jpegComponent struct {
	id   byte
	h, v int
}

// segment reads the segments the decoding needs: a frame header (SOF0,
// SOF1 or SOF2; the header check refuses the others), Huffman tables and
// the restart interval.
func (f *jpegFrame) segment(m byte, p []byte) error {
	switch {
	case m == 0xC0 || m == 0xC1 || m == 0xC2:
		if f.seen {
			return malformed("jpeg", "a second frame header")
		}
		if len(p) < 6 {
			return malformed("jpeg", "short frame header")
		}
		f.seen, f.progressive = true, m == 0xC2
		f.height, f.width = int(binary.BigEndian.Uint16(p[1:])), int(binary.BigEndian.Uint16(p[3:]))
		n := int(p[5])
		if n < 1 || n > 4 || len(p) != 6+3*n {
			return malformed("jpeg", "frame header of %d components in %d bytes", n, len(p))
		}
		for i := range n {
			c := jpegComponent{id: p[6+3*i], h: int(p[7+3*i] >> 4), v: int(p[7+3*i] & 15)}
			if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
				return malformed("jpeg", "sampling factors %dx%d", c.h, c.v)
			}
			f.comps = append(f.comps, c)
			f.hmax, f.vmax = max(f.hmax, c.h), max(f.vmax, c.v)
		}
	case m == mDHT:
		for len(p) > 0 {
			if len(p) < 17 {
				return malformed("jpeg", "short Huffman table")
			}
			class, id := p[0]>>4, p[0]&15
			if class > 1 || id > 3 {
				return malformed("jpeg", "Huffman table %d of class %d", id, class)
			}
			t, n, err := newHuffTable(p[1:17], p[17:])
			if err != nil {
				return err
			}
			if class == 0 {
				f.dc[id] = t
			} else {
				f.ac[id] = t
			}
			p = p[17+n:]
		}
	case m == mDRI:
		if len(p) != 2 {
			return malformed("jpeg", "restart interval of %d bytes", len(p))
		}
		f.restart = int(binary.BigEndian.Uint16(p))
	}
	return nil
}

// scanComponent is a component of a scan with its tables.
type scanComponent struct {
	comp   jpegComponent
	dc, ac *huffTable
}

// scan copies the entropy-coded data that follows the scan header sos to
// w, decoding it, and returns the marker that ends it.
func (f *jpegFrame) scan(w io.Writer, br *bufio.Reader, sos []byte) (byte, error) {
	if !f.seen {
		return 0, malformed("jpeg", "image data before the frame header")
	}
	if len(sos) < 1 || len(sos) != 4+2*int(sos[0]) || sos[0] < 1 || int(sos[0]) > len(f.comps) {
		return 0, malformed("jpeg", "scan header of %d bytes", len(sos))
	}
	n := int(sos[0])
	ss, se, ah, al := int(sos[1+2*n]), int(sos[2+2*n]), int(sos[3+2*n]>>4), int(sos[3+2*n]&15)
	comps := make([]scanComponent, n)
	for i := range n {
		id, tables := sos[1+2*i], sos[2+2*i]
		found := false
		for _, c := range f.comps {
			if c.id == id {
				comps[i].comp, found = c, true
			}
		}
		if !found || tables>>4 > 3 || tables&15 > 3 {
			return 0, malformed("jpeg", "scan of an unknown component or table")
		}
		comps[i].dc, comps[i].ac = f.dc[tables>>4], f.ac[tables&15]
	}
	// What each block holds in this scan, and which tables that needs.
	var kind int
	switch {
	case !f.progressive:
		if ss != 0 || se != 63 || ah != 0 || al != 0 {
			return 0, malformed("jpeg", "sequential scan of coefficients %d to %d", ss, se)
		}
		kind = blockAll
	case ss > se || se > 63 || ss == 0 && se != 0 || ss > 0 && n != 1 || al > 13:
		return 0, malformed("jpeg", "progressive scan of coefficients %d to %d", ss, se)
	case ss == 0 && ah == 0:
		kind = blockDCFirst
	case ss == 0:
		kind = blockDCRefine
	case ah == 0:
		kind = blockACFirst
	default:
		// Refining AC coefficients reads a bit for each coefficient that
		// earlier scans made non-zero, which only a decoder that keeps
		// them all can know: these scans are checked for structure.
		return copyEntropy(w, br)
	}
	for _, c := range comps {
		if (kind == blockAll || kind == blockDCFirst) && c.dc == nil || (kind == blockAll || kind == blockACFirst) && c.ac == nil {
			return 0, malformed("jpeg", "scan with an undefined Huffman table")
		}
	}
	// The units of the scan: single blocks of a lone component, or
	// MCUs of every component of the scan.
	units, perUnit := 0, 0
	if n == 1 {
		c := comps[0].comp
		cw := (f.width*c.h + f.hmax - 1) / f.hmax
		ch := (f.height*c.v + f.vmax - 1) / f.vmax
		units, perUnit = ((cw+7)/8)*((ch+7)/8), 1
	} else {
		units = ((f.width + 8*f.hmax - 1) / (8 * f.hmax)) * ((f.height + 8*f.vmax - 1) / (8 * f.vmax))
	}
	d := &scanDecoder{br: br, w: w, raw: make([]byte, 0, 32<<10)}
	eobrun := 0
	for u := range units {
		if f.restart > 0 && u > 0 && u%f.restart == 0 {
			if err := d.restart((u/f.restart - 1) % 8); err != nil {
				return 0, err
			}
			eobrun = 0
		}
		for _, c := range comps {
			blocks := perUnit
			if blocks == 0 {
				blocks = c.comp.h * c.comp.v
			}
			for range blocks {
				var err error
				switch kind {
				case blockAll:
					err = d.block(c.dc, c.ac, 1, 63, &eobrun, false)
				case blockDCFirst:
					err = d.dc(c.dc)
				case blockDCRefine:
					_, err = d.bits(1)
				case blockACFirst:
					err = d.block(nil, c.ac, ss, se, &eobrun, true)
				}
				if err != nil {
					return 0, err
				}
			}
		}
	}
	return d.end()
}

// What a scan codes of each block.
const (
	blockAll = iota
	blockDCFirst
	blockDCRefine
	blockACFirst
)

// huffTable is a canonical Huffman table with a lookup of the codes of up
// to lookupBits bits.
type huffTable struct {
	lookup  [1 << lookupBits]uint16 // length<<8 | symbol; 0 when the code is longer
	mincode [17]int32
	maxcode [17]int32 // -1 when there is no code of that length
	valptr  [17]int32
	vals    []byte
}

const lookupBits = 9

// newHuffTable builds a table from the 16 counts of codes of each length
// and the symbols that follow them, and returns how many symbols it used.
func newHuffTable(counts, rest []byte) (*huffTable, int, error) {
	total := 0
	for _, c := range counts {
		total += int(c)
	}
	if total == 0 || total > 256 || total > len(rest) {
		return nil, 0, malformed("jpeg", "Huffman table of %d symbols", total)
	}
	t := &huffTable{vals: rest[:total:total]}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		t.mincode[l], t.valptr[l], t.maxcode[l] = code, k, -1
		for range counts[l-1] {
			if code >= 1<<l {
				return nil, 0, malformed("jpeg", "Huffman table with too many codes of %d bits", l)
			}
			if l <= lookupBits {
				shift := lookupBits - l
				for s := range int32(1) << shift {
					t.lookup[code<<shift|s] = uint16(l)<<8 | uint16(t.vals[k])
				}
			}
			t.maxcode[l] = code
			code++
			k++
		}
		code <<= 1
	}
	return t, total, nil
}

// scanDecoder reads the bits of entropy-coded data, removing the stuffed
// zero after each 0xFF, and copies every byte it reads to w.
type scanDecoder struct {
	br     *bufio.Reader
	w      io.Writer
	raw    []byte // bytes read and not yet written to w
	acc    uint64 // the bits read and not consumed, in the low nbits
	nbits  int
	marker byte // the marker that ended the data, once reached
	ended  bool
}

// fill reads bytes until at least 32 bits are buffered or a marker is
// reached.
func (d *scanDecoder) fill() error {
	for d.nbits <= 32 && !d.ended {
		b, err := d.br.ReadByte()
		if err != nil {
			return malformed("jpeg", "truncated image data")
		}
		if b == 0xFF {
			next, err := d.br.ReadByte()
			for err == nil && next == 0xFF {
				next, err = d.br.ReadByte()
			}
			if err != nil {
				return malformed("jpeg", "truncated image data")
			}
			if next != 0 {
				d.marker, d.ended = next, true
				break
			}
			d.raw = append(d.raw, 0xFF, 0)
		} else {
			d.raw = append(d.raw, b)
		}
		d.acc = d.acc<<8 | uint64(b)
		d.nbits += 8
		if len(d.raw) >= 32<<10 {
			if err := d.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *scanDecoder) flush() error {
	_, err := d.w.Write(d.raw)
	d.raw = d.raw[:0]
	return err
}

// peek returns the next n (at most 32) bits, padded with ones past the
// end of the data.
func (d *scanDecoder) peek(n int) (uint32, error) {
	if d.nbits < n {
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
	if d.nbits >= n {
		return uint32(d.acc>>(d.nbits-n)) & (1<<n - 1), nil
	}
	pad := n - d.nbits
	return uint32(d.acc<<pad|(1<<pad-1)) & (1<<n - 1), nil
}

// consume drops n bits; the bits above nbits in acc are never read.
func (d *scanDecoder) consume(n int) error {
	if n > d.nbits {
		return malformed("jpeg", "image data ends before the last block")
	}
	d.nbits -= n
	return nil
}

func (d *scanDecoder) bits(n int) (uint32, error) {
	if d.nbits >= n {
		d.nbits -= n
		return uint32(d.acc>>d.nbits) & (1<<n - 1), nil
	}
	v, err := d.peek(n)
	if err != nil {
		return 0, err
	}
	return v, d.consume(n)
}

func (d *scanDecoder) decode(t *huffTable) (byte, error) {
	var p uint32
	if d.nbits >= 16 || d.fill() == nil && d.nbits >= 16 {
		p = uint32(d.acc>>(d.nbits-16)) & 0xFFFF
	} else {
		var err error
		if p, err = d.peek(16); err != nil {
			return 0, err
		}
	}
	if e := t.lookup[p>>(16-lookupBits)]; e != 0 {
		return byte(e), d.consume(int(e >> 8))
	}
	for l := lookupBits + 1; l <= 16; l++ {
		code := int32(p >> (16 - l))
		if t.maxcode[l] >= 0 && code >= t.mincode[l] && code <= t.maxcode[l] {
			return t.vals[t.valptr[l]+code-t.mincode[l]], d.consume(l)
		}
	}
	return 0, malformed("jpeg", "a Huffman code that no table defines")
}

// dc reads a DC difference.
func (d *scanDecoder) dc(t *huffTable) error {
	s, err := d.decode(t)
	if err != nil {
		return err
	}
	if s > 16 {
		return malformed("jpeg", "DC difference of %d bits", s)
	}
	_, err = d.bits(int(s))
	return err
}

// block reads a block's coefficients from ss to se, with its DC
// difference first when dc is not nil. In progressive first scans (eobs)
// a run of end-of-band codes skips whole blocks.
func (d *scanDecoder) block(dc, ac *huffTable, ss, se int, eobrun *int, eobs bool) error {
	if dc != nil {
		if err := d.dc(dc); err != nil {
			return err
		}
	}
	if *eobrun > 0 {
		*eobrun--
		return nil
	}
	for k := ss; k <= se; {
		rs, err := d.decode(ac)
		if err != nil {
			return err
		}
		r, s := int(rs>>4), int(rs&15)
		if s == 0 {
			if r < 15 {
				if eobs {
					*eobrun = 1<<r - 1
					if r > 0 {
						extra, err := d.bits(r)
						if err != nil {
							return err
						}
						*eobrun += int(extra)
					}
				} else if r != 0 {
					return malformed("jpeg", "end-of-band run in a sequential scan")
				}
				return nil
			}
			k += 16
		} else {
			k += r
			if _, err := d.bits(s); err != nil {
				return err
			}
			k++
		}
		if k > se+1 {
			return malformed("jpeg", "a block of more than 64 coefficients")
		}
	}
	return nil
}

// restart expects the n-th restart marker (modulo 8) after the bits that
// pad the last byte.
func (d *scanDecoder) restart(n int) error {
	d.acc, d.nbits = 0, 0
	for !d.ended {
		if err := d.fill(); err != nil {
			return err
		}
		d.acc, d.nbits = 0, 0
	}
	if d.marker != mRST0+byte(n) {
		return malformed("jpeg", "expected restart marker %d, found %#x", n, d.marker)
	}
	d.raw = append(d.raw, 0xFF, d.marker)
	d.ended = false
	return nil
}

// end copies what follows the last block up to the next marker, as
// decoders ignore it, and returns that marker.
func (d *scanDecoder) end() (byte, error) {
	if err := d.flush(); err != nil {
		return 0, err
	}
	if !d.ended {
		return copyEntropy(d.w, d.br)
	}
	if d.marker >= mRST0 && d.marker <= mRST7 {
		if _, err := d.w.Write([]byte{0xFF, d.marker}); err != nil {
			return 0, err
		}
		return copyEntropy(d.w, d.br)
	}
	return d.marker, nil
}
