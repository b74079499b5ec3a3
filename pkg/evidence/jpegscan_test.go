package evidence_test

import (
	"bytes"
	"image/jpeg"
	"os"
	"testing"

	"github.com/opendispute/disputes/pkg/evidence"
)

// jpegFixtures are JPEGs of every kind the standard decoder reads:
// sequential and progressive, colour and grey, with several sampling
// factors, restart markers and separate DC scans (testdata/README.md).
func jpegFixtures(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"Encoded": plainJPEG(t, gradient(64, 48))}
	for _, name := range []string{"video-001.progressive.jpeg", "video-001.restart2.jpeg", "video-005.gray.q50.2x2.progressive.jpeg",
		"video-001.separate.dc.progression.progressive.jpeg", "video-001.q50.410.jpeg"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	return out
}

// firstScan returns where the entropy-coded data of the first scan begins
// and ends (at the first marker other than a restart marker).
func firstScan(t *testing.T, b []byte) (int, int) {
	t.Helper()
	sos := bytes.Index(b, []byte{0xFF, 0xDA})
	if sos < 0 {
		t.Fatal("no scan")
	}
	start := sos + 2 + int(b[sos+2])<<8 + int(b[sos+3])
	for i := start; i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] != 0 && (b[i+1] < 0xD0 || b[i+1] > 0xD7) {
			return start, i
		}
	}
	t.Fatal("the scan does not end")
	return 0, 0
}

// TestStripJPEGDecodesTheImageData: every fixture passes unchanged; a file
// whose image data is cut short (and given its end marker back), holds
// bits no Huffman code starts with, lacks a restart marker, covers fewer
// blocks than its frame announces or uses an undefined table is refused.
func TestStripJPEGDecodesTheImageData(t *testing.T) {
	for name, b := range jpegFixtures(t) {
		t.Run(name, func(t *testing.T) {
			if got := mustStrip(t, b, evidence.TypeJPEG); !bytes.Equal(got, b) {
				t.Fatal("the file changed")
			}
			start, end := firstScan(t, b)
			mid := (start + end) / 2
			for what, bad := range map[string][]byte{
				"CutInTheFirstScan": append(bytes.Clone(b[:mid]), 0xFF, 0xD9),
				"OnesInTheFirstScan": append(append(bytes.Clone(b[:mid]), bytes.Repeat([]byte{0xFF, 0}, 8)...),
					b[mid:]...),
				"TwiceTheHeight": func() []byte {
					c := bytes.Clone(b)
					sof := -1
					for i := 2; i+4 < len(c) && sof < 0; i++ {
						if c[i] == 0xFF && c[i+1] >= 0xC0 && c[i+1] <= 0xC2 {
							sof = i
						}
					}
					h := int(c[sof+5])<<8 | int(c[sof+6])
					c[sof+5], c[sof+6] = byte(h*2>>8), byte(h*2)
					return c
				}(),
				"UndefinedTable": func() []byte {
					c := bytes.Clone(b)
					sos := bytes.Index(c, []byte{0xFF, 0xDA})
					c[sos+6] = 0x33 // the first component's DC and AC tables: 3, never defined here
					return c
				}(),
			} {
				t.Run(what, func(t *testing.T) { wantMalformed(t, bad, evidence.TypeJPEG) })
			}
		})
	}
	t.Run("RestartMarkerMissing", func(t *testing.T) {
		b, err := os.ReadFile("testdata/video-001.restart2.jpeg")
		if err != nil {
			t.Fatal(err)
		}
		start, end := firstScan(t, b)
		rst := bytes.Index(b[start:end], []byte{0xFF, 0xD0})
		if rst < 0 {
			t.Fatal("no restart marker")
		}
		bad := append(bytes.Clone(b[:start+rst]), b[start+rst+2:]...)
		wantMalformed(t, bad, evidence.TypeJPEG)
	})
}

// FuzzStripJPEG feeds Strip altered JPEGs of every kind of the fixtures:
// it must never panic, and what it accepts it must accept again unchanged,
// as the cleaning of a cleaned file.
func FuzzStripJPEG(f *testing.F) {
	for _, name := range []string{"video-001.progressive.jpeg", "video-001.restart2.jpeg", "video-005.gray.q50.2x2.progressive.jpeg", "video-001.q50.410.jpeg"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var once bytes.Buffer
		if err := evidence.Strip(&once, bytes.NewReader(in), evidence.TypeJPEG); err != nil {
			return
		}
		var twice bytes.Buffer
		if err := evidence.Strip(&twice, bytes.NewReader(once.Bytes()), evidence.TypeJPEG); err != nil {
			t.Fatalf("the cleaned file is refused: %v", err)
		}
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatal("cleaning a cleaned file changed it")
		}
	})
}
