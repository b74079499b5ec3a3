package main

import (
	"bytes"
	"image/jpeg"
	"testing"

	"github.com/opendispute/disputes/pkg/evidence"
)

// TestPhotoPassesTheServicesChecks: the upload scenario's file is as large
// as asked, is judged a JPEG, decodes, loses exactly its EXIF segment to
// the service's cleaning, and differs from one upload to the next.
func TestPhotoPassesTheServicesChecks(t *testing.T) {
	p, err := newPhoto(2 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if p.size() < 2<<20 || p.size() > 2<<20+64<<10 {
		t.Errorf("%d bytes, want about 2 MiB", p.size())
	}
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 254, 255, 70000} {
		file := append(p.variant(n), p.tail...)
		if !bytes.Contains(file[:64], []byte("Exif\x00\x00")) {
			t.Fatal("no EXIF segment")
		}
		if ct, ok := evidence.Sniff(file); !ok || ct != evidence.TypeJPEG {
			t.Fatalf("sniffed as %q", ct)
		}
		var out bytes.Buffer
		if err := evidence.Strip(&out, bytes.NewReader(file), evidence.TypeJPEG); err != nil {
			t.Fatalf("upload %d: %v", n, err)
		}
		if out.Len() != p.size()-p.exifSize {
			t.Fatalf("cleaned to %d bytes, want %d", out.Len(), p.size()-p.exifSize)
		}
		if _, err := jpeg.Decode(bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("upload %d does not decode: %v", n, err)
		}
		seen[string(out.Bytes()[:len(p.head)])] = true
	}
	if len(seen) != 5 {
		t.Errorf("%d distinct files of 5 uploads", len(seen))
	}
}
