package evidence_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Fixtures are built here rather than stored, so each shows how it was made.

// gradient is a small image with distinct pixels, so a decoder that went
// wrong would show.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 3), 255})
		}
	}
	return img
}

// Secrets planted in the metadata of the fixtures; none may survive Strip.
var secrets = []string{
	"SECRET-GPS-DATUM", "SECRET-CAMERA-SERIAL", "SECRET-XMP", "SECRET-IPTC",
	"SECRET-COMMENT", "SECRET-THUMBNAIL", "SECRET-TRAILER", "SECRET-TEXT",
	"SECRET-TIME", "SECRET-PRIVATE", "SECRET-MPF",
}

// plainJPEG encodes img with the standard library, which writes no
// metadata: SOI, DQT, SOF0, DHT, SOS, the scan, EOI.
func plainJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func segment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// exifWithGPS builds an APP1 EXIF payload: a big-endian TIFF header, IFD0
// with the camera's serial number and a pointer to a GPS IFD holding a
// latitude and a map datum.
func exifWithGPS() []byte {
	var t bytes.Buffer
	be := binary.BigEndian
	w16 := func(v uint16) { _ = binary.Write(&t, be, v) }
	w32 := func(v uint32) { _ = binary.Write(&t, be, v) }
	serial := "SECRET-CAMERA-SERIAL\x00" // 21 bytes
	datum := "SECRET-GPS-DATUM\x00"      // 17 bytes
	t.WriteString("MM\x00\x2A")
	w32(8) // IFD0 at 8
	// IFD0: 2 entries (12 bytes each) and the next-IFD offset.
	ifd0End := uint32(8 + 2 + 2*12 + 4)
	gpsIFD := ifd0End + uint32(len(serial)) + 1 // keep it even
	w16(2)
	w16(0xA431) // BodySerialNumber, ASCII
	w16(2)
	w32(uint32(len(serial)))
	w32(ifd0End)
	w16(0x8825) // GPSInfo, LONG
	w16(4)
	w32(1)
	w32(gpsIFD)
	w32(0)
	t.WriteString(serial)
	t.WriteByte(0)
	// GPS IFD: GPSLatitudeRef "N", GPSLatitude 3 rationals, GPSMapDatum.
	gpsEnd := gpsIFD + 2 + 3*12 + 4
	w16(3)
	w16(0x0001)
	w16(2)
	w32(2)
	t.WriteString("N\x00\x00\x00")
	w16(0x0002)
	w16(5)
	w32(3)
	w32(gpsEnd)
	w16(0x0012)
	w16(2)
	w32(uint32(len(datum)))
	w32(gpsEnd + 24)
	w32(0)
	for _, v := range []uint32{48, 1, 51, 1, 2956, 100} { // 48°51'29.56"
		w32(v)
	}
	t.WriteString(datum)
	return append([]byte("Exif\x00\x00"), t.Bytes()...)
}

var (
	jfifPayload = []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00")
	iccPayload  = append([]byte("ICC_PROFILE\x00\x01\x01"), bytes.Repeat([]byte{0x42}, 200)...)
)

// jpegWithMetadata splices metadata into a plain JPEG: JFIF, a JFXX
// thumbnail, EXIF with GPS, XMP, an ICC profile, multi-picture data, IPTC,
// a comment, and a trailer after EOI. It also returns what Strip should
// produce: the plain JPEG with only JFIF and the ICC profile added.
func jpegWithMetadata(t *testing.T, img image.Image) (dirty, want []byte) {
	t.Helper()
	plain := plainJPEG(t, img)
	rest := plain[2:]
	dirty = append(dirty, 0xFF, 0xD8)
	dirty = append(dirty, segment(0xE0, jfifPayload)...)
	dirty = append(dirty, segment(0xE0, []byte("JFXX\x00\x10SECRET-THUMBNAIL"))...)
	dirty = append(dirty, segment(0xE1, exifWithGPS())...)
	dirty = append(dirty, segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>SECRET-XMP</x:xmpmeta>"))...)
	dirty = append(dirty, segment(0xE2, iccPayload)...)
	dirty = append(dirty, segment(0xE2, []byte("MPF\x00SECRET-MPF"))...)
	dirty = append(dirty, segment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04SECRET-IPTC"))...)
	dirty = append(dirty, segment(0xFE, []byte("SECRET-COMMENT"))...)
	dirty = append(dirty, rest...)
	dirty = append(dirty, []byte("MotionPhoto_Data SECRET-TRAILER")...)

	want = append(want, 0xFF, 0xD8)
	want = append(want, segment(0xE0, jfifPayload)...)
	want = append(want, segment(0xE2, iccPayload)...)
	want = append(want, rest...)
	return dirty, want
}

// pngChunk encodes one chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	c := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(c, uint32(len(data)))
	copy(c[4:], typ)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

type pngChunkRaw struct {
	typ  string
	data []byte
}

// splitPNG returns the chunks of a PNG.
func splitPNG(t *testing.T, b []byte) []pngChunkRaw {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("not a PNG")
	}
	b = b[8:]
	var out []pngChunkRaw
	for len(b) >= 12 {
		n := binary.BigEndian.Uint32(b)
		out = append(out, pngChunkRaw{string(b[4:8]), b[8 : 8+n]})
		b = b[12+n:]
	}
	return out
}

func joinPNG(chunks ...[]byte) []byte {
	out := []byte("\x89PNG\r\n\x1a\n")
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

// pngWithMetadata encodes img with the standard library and adds, after
// IHDR, colour chunks that must stay (gAMA, pHYs) and metadata that must
// go (tEXt, zTXt, iTXt, eXIf, tIME, a private chunk), and a trailer after
// IEND.
func pngWithMetadata(t *testing.T, img image.Image) (dirty []byte, plain []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	plain = b.Bytes()
	chunks := splitPNG(t, plain)
	var parts [][]byte
	for _, c := range chunks {
		parts = append(parts, pngChunk(c.typ, c.data))
		if c.typ == "IHDR" {
			parts = append(parts,
				pngChunk("gAMA", []byte{0, 0, 0xB1, 0x8F}),
				pngChunk("tEXt", []byte("Comment\x00SECRET-TEXT")),
				pngChunk("zTXt", append([]byte("Author\x00\x00"), zlibBytes(t, []byte("SECRET-TEXT"))...)),
				pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>SECRET-XMP</x:xmpmeta>")),
				pngChunk("eXIf", exifWithGPS()[6:]),
				pngChunk("tIME", []byte("SECRET-TIME")[:7]),
				pngChunk("prVt", []byte("SECRET-PRIVATE")),
				pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1}),
			)
		}
	}
	dirty = joinPNG(parts...)
	dirty = append(dirty, []byte("SECRET-TRAILER")...)
	return dirty, plain
}

func zlibBytes(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// handPNG assembles an 8-bit greyscale PNG from filtered scanlines, with
// Adam7 interlacing if asked (the standard encoder never interlaces).
// extraRows adds (or with a negative value removes) rows of data beyond
// what the header announces.
func handPNG(t *testing.T, w, h int, interlaced bool, extraRows int) []byte {
	t.Helper()
	var raw []byte
	row := func(n, y int) {
		raw = append(raw, 0) // filter: none
		for x := 0; x < n; x++ {
			raw = append(raw, byte(x*13+y*7))
		}
	}
	if interlaced {
		for _, p := range [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			pw := (w - p[0] + p[2] - 1) / p[2]
			ph := (h - p[1] + p[3] - 1) / p[3]
			if pw <= 0 || ph <= 0 {
				continue
			}
			for y := 0; y < ph; y++ {
				row(pw, y)
			}
		}
	} else {
		for y := 0; y < h+extraRows; y++ {
			row(w, y)
		}
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8 // bit depth
	if interlaced {
		ihdr[12] = 1
	}
	z := zlibBytes(t, raw)
	// Split the data over two IDAT chunks, as encoders of large images do.
	half := len(z) / 2
	return joinPNG(pngChunk("IHDR", ihdr), pngChunk("IDAT", z[:half]), pngChunk("IDAT", z[half:]), pngChunk("IEND", nil))
}

// bitWriter writes the least significant bits first, as VP8L does.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (b *bitWriter) write(v uint64, n uint) {
	b.acc |= v << b.nbits
	b.nbits += n
	for b.nbits >= 8 {
		b.out = append(b.out, byte(b.acc))
		b.acc >>= 8
		b.nbits -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.nbits > 0 {
		b.out = append(b.out, byte(b.acc))
		b.acc, b.nbits = 0, 0
	}
	return b.out
}

// losslessWebP assembles a VP8L (lossless) WebP of one colour: no
// transforms, no colour cache, and for each of the five prefix codes a
// "simple" code of a single symbol, so that every pixel costs no bits and
// the image data is the header alone. (WebP lossless bitstream
// specification, RFC 9649, sections 3 to 6.)
func losslessWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2F, 8)                                    // signature
	bw.write(uint64(w-1), 14)                            // image width - 1
	bw.write(uint64(h-1), 14)                            // image height - 1
	bw.write(1, 1)                                       // alpha is used
	bw.write(0, 3)                                       // version
	bw.write(0, 1)                                       // no transform
	bw.write(0, 1)                                       // no colour cache
	bw.write(0, 1)                                       // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A, 0} { // green, red, blue, alpha, distance
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // of 8 bits
		bw.write(uint64(sym), 8)
	}
	return riff(chunk("VP8L", bw.bytes()))
}

// chunk encodes a RIFF chunk with its padding byte.
func chunk(fourcc string, data []byte) []byte {
	c := make([]byte, 8, 8+len(data)+1)
	copy(c, fourcc)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func riff(chunks ...[]byte) []byte {
	out := []byte("RIFF\x00\x00\x00\x00WEBP")
	for _, c := range chunks {
		out = append(out, c...)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// vp8x builds an extended-format header chunk.
func vp8x(flags byte, w, h int) []byte {
	d := make([]byte, 10)
	d[0] = flags
	d[4], d[5], d[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	d[7], d[8], d[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	return chunk("VP8X", d)
}

// webpChunks returns the FourCCs of a WebP's chunks.
func webpChunks(t *testing.T, b []byte) []string {
	t.Helper()
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		t.Fatal("not a WebP")
	}
	if got := binary.LittleEndian.Uint32(b[4:]); int(got) != len(b)-8 {
		t.Fatalf("RIFF size %d for %d bytes", got, len(b)-8)
	}
	var out []string
	for b = b[12:]; len(b) >= 8; {
		n := int(binary.LittleEndian.Uint32(b[4:]))
		out = append(out, string(b[:4]))
		b = b[8+n+n%2:]
	}
	return out
}
