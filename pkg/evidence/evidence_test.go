package evidence_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/image/webp"

	"github.com/opendispute/disputes/pkg/evidence"
)

func strip(t *testing.T, in []byte, ct string) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	// One byte at a time, to exercise every boundary of the parsers.
	err := evidence.Strip(&out, iotest.OneByteReader(bytes.NewReader(in)), ct)
	return out.Bytes(), err
}

func mustStrip(t *testing.T, in []byte, ct string) []byte {
	t.Helper()
	out, err := strip(t, in, ct)
	if err != nil {
		t.Fatalf("strip: %v", err)
	}
	return out
}

func noSecrets(t *testing.T, b []byte) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s survived", s)
		}
	}
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v and %v", a.Bounds(), b.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.NRGBAModel.Convert(a.At(x, y)) != color.NRGBAModel.Convert(b.At(x, y)) {
				t.Fatalf("pixel (%d,%d) differs", x, y)
			}
		}
	}
}

func wantMalformed(t *testing.T, in []byte, ct string) {
	t.Helper()
	if _, err := strip(t, in, ct); !errors.Is(err, evidence.ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
}

// jpegMarkers lists the markers of the segments before the first scan.
func jpegMarkers(b []byte) []byte {
	var ms []byte
	for i := 2; i+4 <= len(b); {
		m := b[i+1]
		ms = append(ms, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(b[i+2])<<8 + int(b[i+3])
	}
	return ms
}

func TestStripJPEG(t *testing.T) {
	img := gradient(64, 48)
	dirty, want := jpegWithMetadata(t, img)
	if ct, ok := evidence.Sniff(dirty); !ok || ct != evidence.TypeJPEG {
		t.Fatalf("sniffed %q %v", ct, ok)
	}
	before, err := jpeg.Decode(bytes.NewReader(dirty))
	if err != nil {
		t.Fatalf("the fixture does not decode: %v", err)
	}
	if !bytes.Contains(dirty, []byte("SECRET-GPS-DATUM")) {
		t.Fatal("the fixture carries no GPS data")
	}

	out := mustStrip(t, dirty, evidence.TypeJPEG)

	t.Run("MetadataGone", func(t *testing.T) {
		noSecrets(t, out)
		for _, s := range []string{"Exif", "xmpmeta", "Photoshop", "JFXX", "MPF"} {
			if bytes.Contains(out, []byte(s)) {
				t.Errorf("%s survived", s)
			}
		}
		for _, m := range jpegMarkers(out) {
			if m == 0xE1 || m == 0xED || m == 0xFE {
				t.Errorf("segment %#x survived", m)
			}
		}
	})
	t.Run("ColourAndDecodingKept", func(t *testing.T) {
		// Nothing is re-encoded: the result is the plain encoding with
		// JFIF and the ICC profile, byte for byte.
		if !bytes.Equal(out, want) {
			t.Fatalf("got %d bytes, want %d", len(out), len(want))
		}
	})
	t.Run("SamePixels", func(t *testing.T) {
		after, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, before, after)
	})
	t.Run("CleanJPEGUnchanged", func(t *testing.T) {
		plain := plainJPEG(t, img)
		if got := mustStrip(t, plain, evidence.TypeJPEG); !bytes.Equal(got, plain) {
			t.Fatal("a JPEG without metadata changed")
		}
	})
}

func TestStripJPEGRefusesWhatDoesNotDecode(t *testing.T) {
	plain := plainJPEG(t, gradient(64, 48))
	for name, in := range map[string][]byte{
		"TruncatedInTheScan":   plain[:len(plain)*6/10],
		"TruncatedBeforeEOI":   plain[:len(plain)-2],
		"TruncatedInTheHeader": plain[:40],
		"OnlyTheMagic":         {0xFF, 0xD8, 0xFF},
		"HTMLAfterTheMagic":    append([]byte{0xFF, 0xD8, 0xFF}, "<html><script>alert(1)</script>"...),
		"NoFrameHeader":        append(append([]byte{0xFF, 0xD8}, segment(0xDA, []byte{1, 1, 0, 0, 63, 0})...), 0x12, 0xFF, 0xD9),
		"EndOfImageAtOnce":     {0xFF, 0xD8, 0xFF, 0xD9},
		"SegmentPastTheEnd":    append([]byte{0xFF, 0xD8}, 0xFF, 0xE1, 0x7F, 0xFF, 'E', 'x'),
		"UnsupportedMarker":    append([]byte{0xFF, 0xD8}, segment(0xF7, []byte{1, 2, 3})...),
		"CorruptFrameHeader":   corruptSOF(plain),
		"TooManyPixels":        hugeSOF(plain),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, in, evidence.TypeJPEG) })
	}
}

// corruptSOF sets the number of components in the frame header to zero.
func corruptSOF(plain []byte) []byte {
	b := bytes.Clone(plain)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	b[i+9] = 0
	return b
}

// hugeSOF announces 60000×60000 pixels.
func hugeSOF(plain []byte) []byte {
	b := bytes.Clone(plain)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	b[i+5], b[i+6], b[i+7], b[i+8] = 0xEA, 0x60, 0xEA, 0x60
	return b
}

func TestStripPNG(t *testing.T) {
	img := gradient(40, 30)
	dirty, plain := pngWithMetadata(t, img)
	if ct, ok := evidence.Sniff(dirty); !ok || ct != evidence.TypePNG {
		t.Fatalf("sniffed %q %v", ct, ok)
	}
	if _, err := png.Decode(bytes.NewReader(dirty)); err != nil {
		t.Fatalf("the fixture does not decode: %v", err)
	}
	for _, s := range []string{"SECRET-TEXT", "SECRET-XMP", "SECRET-GPS-DATUM", "SECRET-PRIVATE", "SECRET-TRAILER"} {
		if !bytes.Contains(dirty, []byte(s)) {
			t.Fatalf("the fixture lacks %s", s)
		}
	}
	out := mustStrip(t, dirty, evidence.TypePNG)

	t.Run("MetadataGone", func(t *testing.T) {
		noSecrets(t, out)
		var types []string
		for _, c := range splitPNG(t, out) {
			types = append(types, c.typ)
		}
		got := strings.Join(types, " ")
		if !strings.HasPrefix(got, "IHDR gAMA pHYs IDAT") || !strings.HasSuffix(got, "IDAT IEND") {
			t.Fatalf("chunks %s", got)
		}
		for _, typ := range types {
			switch typ {
			case "tEXt", "zTXt", "iTXt", "eXIf", "tIME", "prVt":
				t.Errorf("%s survived", typ)
			}
		}
		if !bytes.HasSuffix(out, pngChunk("IEND", nil)) {
			t.Fatal("something follows IEND")
		}
	})
	t.Run("SamePixels", func(t *testing.T) {
		after, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, img, after)
	})
	t.Run("CleanPNGUnchanged", func(t *testing.T) {
		if got := mustStrip(t, plain, evidence.TypePNG); !bytes.Equal(got, plain) {
			t.Fatal("a PNG without metadata changed")
		}
	})
}

func TestStripPNGHandAssembled(t *testing.T) {
	for _, tc := range []struct {
		name       string
		w, h       int
		interlaced bool
	}{
		{"Plain", 13, 7, false},
		{"Interlaced", 13, 7, true},
		{"InterlacedTiny", 1, 1, true},
		{"InterlacedWide", 33, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := handPNG(t, tc.w, tc.h, tc.interlaced, 0)
			want, err := png.Decode(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("the fixture does not decode: %v", err)
			}
			out := mustStrip(t, in, evidence.TypePNG)
			if !bytes.Equal(out, in) {
				t.Fatal("changed")
			}
			got, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			samePixels(t, want, got)
		})
	}
}

func TestStripPNGRefusesWhatDoesNotDecode(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, gradient(40, 30)); err != nil {
		t.Fatal(err)
	}
	plain := b.Bytes()
	badCRC := bytes.Clone(plain)
	badCRC[len(badCRC)-13] ^= 1 // the last byte of the IDAT CRC
	chunks := splitPNG(t, plain)
	idatFirst := joinPNG(pngChunk("IDAT", chunks[1].data), pngChunk("IHDR", chunks[0].data), pngChunk("IEND", nil))
	critical := joinPNG(pngChunk("IHDR", chunks[0].data), pngChunk("CRIT", []byte("x")), pngChunk("IDAT", chunks[1].data), pngChunk("IEND", nil))
	noIDAT := joinPNG(pngChunk("IHDR", chunks[0].data), pngChunk("IEND", nil))
	garbage := joinPNG(pngChunk("IHDR", chunks[0].data), pngChunk("IDAT", []byte("not zlib at all")), pngChunk("IEND", nil))
	for name, in := range map[string][]byte{
		"TruncatedInImageData": plain[:len(plain)/2],
		"NoIEND":               plain[:len(plain)-12],
		"BadCRC":               badCRC,
		"IHDRNotFirst":         idatFirst,
		"UnknownCriticalChunk": critical,
		"NoImageData":          noIDAT,
		"ImageDataNotZlib":     garbage,
		"RowMissing":           handPNG(t, 13, 7, false, -1),
		"RowTooMany":           handPNG(t, 13, 7, false, 1),
		"OnlyTheSignature":     plain[:8],
	} {
		t.Run(name, func(t *testing.T) {
			wantMalformed(t, in, evidence.TypePNG)
			// The standard decoder tolerates extra data and skips unknown
			// chunks, critical or not; Strip is stricter.
			if name != "RowTooMany" && name != "UnknownCriticalChunk" {
				if _, err := png.Decode(bytes.NewReader(in)); err == nil {
					t.Fatal("the standard decoder accepts the fixture")
				}
			}
		})
	}
}

func TestStripWebPLossy(t *testing.T) {
	orig, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	want, err := webp.Decode(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	// The plain file passes unchanged.
	if got := mustStrip(t, orig, evidence.TypeWebP); !bytes.Equal(got, orig) {
		t.Fatal("a WebP without metadata changed")
	}
	// Wrapped in an extended container with EXIF, XMP and a private chunk.
	vp8 := orig[12:]
	dirty := riff(vp8x(0x08|0x04, 150, 100), vp8,
		chunk("EXIF", exifWithGPS()[6:]),
		chunk("XMP ", []byte("<x:xmpmeta>SECRET-XMP</x:xmpmeta>")),
		chunk("prVt", []byte("SECRET-PRIVATE")))
	if ct, ok := evidence.Sniff(dirty); !ok || ct != evidence.TypeWebP {
		t.Fatalf("sniffed %q %v", ct, ok)
	}
	out := mustStrip(t, dirty, evidence.TypeWebP)
	noSecrets(t, out)
	if got := strings.Join(webpChunks(t, out), ","); got != "VP8X,VP8 " {
		t.Fatalf("chunks %s", got)
	}
	if flags := out[20]; flags&(0x08|0x04) != 0 {
		t.Fatalf("VP8X flags %#x", flags)
	}
	got, err := webp.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, want, got)
}

func TestStripWebPLossless(t *testing.T) {
	c := color.NRGBA{R: 200, G: 30, B: 90, A: 255}
	plain := losslessWebP(7, 5, c)
	img, err := webp.Decode(bytes.NewReader(plain))
	if err != nil {
		t.Fatalf("the fixture does not decode: %v", err)
	}
	if got := color.NRGBAModel.Convert(img.At(6, 4)); got != c {
		t.Fatalf("the fixture decodes to %v", got)
	}
	dirty := riff(vp8x(0x10|0x08|0x04, 7, 5), plain[12:],
		chunk("EXIF", exifWithGPS()[6:]),
		chunk("XMP ", []byte("SECRET-XMP")))
	out := mustStrip(t, dirty, evidence.TypeWebP)
	noSecrets(t, out)
	if got := strings.Join(webpChunks(t, out), ","); got != "VP8X,VP8L" {
		t.Fatalf("chunks %s", got)
	}
	after, err := webp.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, img, after)
}

func TestStripWebPRefusesWhatDoesNotDecode(t *testing.T) {
	orig, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	brokenVP8 := bytes.Clone(orig)
	copy(brokenVP8[20:], "\x00\x00\x00\x00\x00\x00") // the frame tag and start code
	brokenInVP8X := riff(vp8x(0, 150, 100), brokenVP8[12:])
	for name, in := range map[string][]byte{
		"Truncated":           orig[:len(orig)/2],
		"HeaderOnly":          orig[:16],
		"NoImage":             riff(vp8x(0x08, 10, 10), chunk("EXIF", []byte("SECRET"))),
		"BrokenBitstream":     brokenVP8,
		"BrokenInsideVP8X":    brokenInVP8X,
		"UnknownFirstChunk":   riff(chunk("JUNK", []byte("xx")), orig[12:]),
		"SecondVP8X":          riff(vp8x(0, 150, 100), vp8x(0, 150, 100), orig[12:]),
		"ChunkPastRIFFEnd":    append(orig[:4:4], append([]byte{0x10, 0, 0, 0}, orig[8:]...)...),
		"LosslessNotLossless": riff(chunk("VP8L", []byte("garbage!"))),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, in, evidence.TypeWebP) })
	}
}

func TestSniff(t *testing.T) {
	jpg := plainJPEG(t, gradient(8, 8))
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, gradient(8, 8))
	webpFile, _ := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	long := strings.Repeat("The parcel arrived on Tuesday, the vase inside was cracked. ", 20)
	for _, tc := range []struct {
		name string
		head []byte
		want string // "" for refused
	}{
		{"JPEG", jpg, evidence.TypeJPEG},
		{"PNG", pngBuf.Bytes(), evidence.TypePNG},
		{"WebP", webpFile, evidence.TypeWebP},
		{"PDF", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n"), evidence.TypePDF},
		{"Text", []byte("The vase arrived cracked.\r\nSee the photo.\n\tThanks"), evidence.TypeText},
		{"TextUnicode", []byte("Le vase est arrivé fêlé. 花瓶が割れていた。 😞"), evidence.TypeText},
		{"TextWithBOM", []byte("\xEF\xBB\xBFhello"), evidence.TypeText},
		{"TextCutInACharacter", append([]byte(long[:SniffLenMinus(3)]), "é"[:1]...), evidence.TypeText},
		{"TextLessThan", []byte("5 < 7 and 3 <= 4"), evidence.TypeText},

		{"Empty", nil, ""},
		{"OnlySpaces", []byte("   \n\t "), ""},
		{"HTMLNamedPhotoJPG", []byte("<!DOCTYPE html><html><body>hello</body></html>"), ""},
		{"HTMLLowercaseWithSpace", []byte("\n\n  <html>\n<script>alert(1)</script>"), ""},
		{"HTMLAfterBOM", []byte("\xEF\xBB\xBF<html>"), ""},
		{"HTMLFragment", []byte("<p onclick=x>hi</p>"), ""},
		{"HTMLComment", []byte("<!-- a --> text"), ""},
		{"ScriptAfterText", []byte("hello there <ScRiPt src=//evil>"), ""},
		{"SVG", []byte("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"), ""},
		{"XML", []byte("<?xml version=\"1.0\"?><root/>"), ""},
		{"JavaScriptURL", []byte("click javascript:alert(1)"), ""},
		{"TextWithNUL", []byte("hello\x00world"), ""},
		{"TextWithEscape", []byte("hello \x1b[31mred"), ""},
		{"TextWithC1Control", []byte("hello \u0085 there"), ""},
		{"Latin1", []byte("caf\xE9 cr\xE8me"), ""},
		{"UTF16", []byte("\xFF\xFEh\x00i\x00"), ""},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00"), ""},
		{"ZIP", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), ""},
		{"ELF", []byte("\x7FELF\x02\x01\x01"), ""},
		{"RIFFWave", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), ""},
		{"WebPUnknownChunk", []byte("RIFF\x24\x00\x00\x00WEBPJUNK\x10\x00\x00\x00"), ""},
		{"PDFNotAtTheStart", []byte("  %PDF-1.7"), "text/plain; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := evidence.Sniff(tc.head)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("Sniff = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

// SniffLenMinus is SniffLen less n.
func SniffLenMinus(n int) int { return evidence.SniffLen - n }

func TestStripText(t *testing.T) {
	long := strings.Repeat("Le vase est arrivé fêlé. 花瓶が割れていた。😞\n", 2000)
	t.Run("PassesUnchanged", func(t *testing.T) {
		if got := mustStrip(t, []byte(long), evidence.TypeText); string(got) != long {
			t.Fatal("text changed")
		}
	})
	t.Run("LargeReads", func(t *testing.T) {
		var out bytes.Buffer
		if err := evidence.Strip(&out, strings.NewReader(long), evidence.TypeText); err != nil || out.String() != long {
			t.Fatalf("err %v, changed %v", err, out.String() != long)
		}
	})
	for name, in := range map[string]string{
		"NULPastTheHead":       long + "\x00",
		"InvalidUTF8":          long + "\xC3\x28",
		"CutInACharacterAtEnd": long + "é"[:1],
		"ControlPastTheHead":   long[:10000] + "\x07" + long[10000:],
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, []byte(in), evidence.TypeText) })
	}
}

func TestStripPDF(t *testing.T) {
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	if got := mustStrip(t, pdf, evidence.TypePDF); !bytes.Equal(got, pdf) {
		t.Fatal("PDF changed")
	}
	wantMalformed(t, []byte("%PD"), evidence.TypePDF)
}

func TestStripRefusesOtherTypes(t *testing.T) {
	for _, ct := range []string{"image/gif", "application/zip", "text/html", ""} {
		if _, err := strip(t, []byte("GIF89a"), ct); !errors.Is(err, evidence.ErrUnsupportedType) {
			t.Errorf("%q: %v", ct, err)
		}
	}
}

func TestClean(t *testing.T) {
	dirty, want := jpegWithMetadata(t, gradient(32, 32))
	t.Run("Stripped", func(t *testing.T) {
		rc := evidence.Clean(bytes.NewReader(dirty), evidence.TypeJPEG)
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatal("not the stripped JPEG")
		}
	})
	t.Run("ErrorInPlaceOfTheEnd", func(t *testing.T) {
		rc := evidence.Clean(bytes.NewReader(dirty[:len(dirty)/2]), evidence.TypeJPEG)
		defer rc.Close()
		if _, err := io.ReadAll(rc); !errors.Is(err, evidence.ErrMalformed) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ClosedEarly", func(t *testing.T) {
		src := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("text "), 1<<20))}
		rc := evidence.Clean(src, evidence.TypeText)
		buf := make([]byte, 10)
		if _, err := io.ReadFull(rc, buf); err != nil {
			t.Fatal(err)
		}
		if err := rc.Close(); err != nil {
			t.Fatal(err)
		}
		// The copy stops: it does not drain the source.
		if n := src.n(); n > 1<<20 {
			t.Fatalf("read %d bytes after close", n)
		}
	})
}

type countingReader struct {
	r     io.Reader
	count int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.count += n
	return n, err
}

func (c *countingReader) n() int { return c.count }

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("é", 150) + ".jpeg"
	for _, tc := range []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"/etc/passwd", "passwd"},
		{`C:\Users\ana\Desktop\receipt.pdf`, "receipt.pdf"},
		{"../../../secret.txt", "secret.txt"},
		{"..", "file"},
		{".htaccess", "htaccess"},
		{"...hidden . ", "hidden"},
		{"", "file"},
		{"   ", "file"},
		{"/", "file"},
		{"a\x00b\nc\td.txt", "ab c d.txt"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"zero\u200Bwidth.png", "zerowidth.png"},
		{"cafe\u0301.txt", "café.txt"},
		{"what?<>:|*\".txt", "what_______.txt"},
		{"bad\xFFutf8.txt", "badutf8.txt"},
		{"CON", "file"},
		{"nul.txt", "file"},
		{"console.txt", "console.txt"},
		{"  many   spaces  .txt", "many spaces .txt"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := evidence.SanitizeFilename(tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("Long", func(t *testing.T) {
		got := evidence.SanitizeFilename(long)
		if len(got) > evidence.MaxFilenameBytes || !strings.HasSuffix(got, ".jpeg") || !utf8Valid(got) {
			t.Fatalf("got %q (%d bytes)", got, len(got))
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// allocated returns the bytes allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestStripStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large inputs")
	}
	// A JPEG of 4096×2048 pixels of noise, over 6 MiB, every block of
	// which is decoded: the memory is that of the tables, not of the image.
	bigJPEG := noiseJPEG(t, 4096, 2048)
	// A JPEG whose scan is followed by 32 MiB of data no block needs,
	// which decoders ignore and Strip copies through.
	plain := plainJPEG(t, gradient(16, 16))
	trailing := io.MultiReader(bytes.NewReader(plain[:len(plain)-2]),
		io.LimitReader(repeatReader(0x55), 32<<20), bytes.NewReader([]byte{0xFF, 0xD9}))
	// A PNG whose image data inflates to 16 MiB.
	bigPNG := handPNG(t, 4096, 4096, false, 0)
	for _, tc := range []struct {
		name string
		r    io.Reader
		ct   string
	}{
		{"JPEG", bytes.NewReader(bigJPEG), evidence.TypeJPEG},
		{"JPEGWithDataAfterTheLastBlock", trailing, evidence.TypeJPEG},
		{"PNG", bytes.NewReader(bigPNG), evidence.TypePNG},
		{"Text", io.LimitReader(repeatReader('a'), 32<<20), evidence.TypeText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { err = evidence.Strip(io.Discard, tc.r, tc.ct) })
			if err != nil {
				t.Fatal(err)
			}
			if n > 1<<20 {
				t.Fatalf("allocated %d bytes", n)
			}
		})
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// noiseJPEG encodes a grey image of random pixels, which compresses
// badly: a large file for its size in pixels.
func noiseJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	x := uint32(1)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = uint8(x)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkStripJPEG cleans a noise JPEG of about 2 MiB, every block of
// which is decoded; it reports the throughput in MB/s.
func BenchmarkStripJPEG(b *testing.B) {
	file := noiseJPEG(b, 2048, 1200)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if err := evidence.Strip(io.Discard, bytes.NewReader(file), evidence.TypeJPEG); err != nil {
			b.Fatal(err)
		}
	}
}
