// Package evidence judges and cleans the files that parties and staff add to
// a dispute: Sniff tells the type from the content alone, Strip removes the
// metadata of images (EXIF with its GPS position and camera serials, XMP,
// IPTC, text chunks) without re-encoding them and refuses an image that does
// not decode, and SanitizeFilename makes a declared name safe to store and
// to send back in a Content-Disposition header.
//
// The package does no I/O of its own beyond the readers and writers it is
// given; it knows nothing of HTTP or of the database.
//
// # Memory
//
// Strip streams. Beyond buffers of 64 KiB, it holds:
//   - JPEG: the segments it keeps before the first scan (quantisation and
//     Huffman tables, frame header, JFIF, ICC profile, Adobe), at most
//     MaxJPEGHeader, and the Huffman tables in decoded form (about 1 KiB
//     each, eight at most); the compressed image data is decoded down to
//     every Huffman code of every block, to refuse an image cut short or
//     corrupted, and copied through in 32 KiB pieces. No coefficient or
//     pixel is kept, so a large image costs no more than a small one.
//   - PNG: the signature, IHDR and PLTE (under 1 KiB) and a zlib inflater
//     (about 45 KiB) that checks every byte of image data decompresses to
//     exactly the size the header announces; chunks are copied through.
//   - WebP: the chunks it keeps, that is the image itself, at most
//     MaxWebPSize, because the RIFF header that precedes them carries their
//     total size.
//   - PDF and text: nothing (text is checked as it passes).
//
// So one upload costs at most MaxJPEGHeader (2 MiB) beyond its buffers for
// JPEG, about 100 KiB for PNG, PDF and text, and the file itself for WebP.
package evidence

import (
	"errors"
	"fmt"
	"io"
)

// The content types Sniff reports and Strip accepts.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypePDF  = "application/pdf"
	TypeText = "text/plain; charset=utf-8"
)

// SniffLen is how many leading bytes Sniff needs to judge a file.
const SniffLen = 512

// MaxPixels bounds the width times height of an image. Larger images are
// refused, so whatever later decodes them (a thumbnailer, a reviewer's
// browser) is not handed a decompression bomb.
const MaxPixels = 100_000_000

// MaxJPEGHeader bounds the JPEG segments kept before the first scan.
const MaxJPEGHeader = 2 << 20

// MaxWebPSize bounds a WebP file, which Strip holds whole.
const MaxWebPSize = 32 << 20

var (
	// ErrUnsupportedType is returned for a content type that is not one of
	// the accepted ones.
	ErrUnsupportedType = errors.New("unsupported content type")
	// ErrMalformed is returned, wrapped with the reason, for a file whose
	// content does not match its type: an image that does not decode, a
	// text that is not UTF-8.
	ErrMalformed = errors.New("malformed file")
)

func malformed(kind, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, kind, fmt.Sprintf(format, args...))
}

// Strip copies r to w, as contentType (one that Sniff reported) requires:
// JPEG, PNG and WebP images lose their metadata, keep what decoding and
// colour need, and are refused with ErrMalformed when they do not decode;
// text is refused when it is not clean UTF-8; PDF passes unchanged.
//
// On error, part of the file may already have been written to w, which must
// then be discarded.
func Strip(w io.Writer, r io.Reader, contentType string) error {
	switch contentType {
	case TypeJPEG:
		return stripJPEG(w, r)
	case TypePNG:
		return stripPNG(w, r)
	case TypeWebP:
		return stripWebP(w, r)
	case TypePDF:
		return copyPDF(w, r)
	case TypeText:
		return copyText(w, r)
	default:
		return fmt.Errorf("%w: %q", ErrUnsupportedType, contentType)
	}
}

// Clean returns a reader of what Strip writes, for a pipeline that pulls
// (an upload to blob storage). A Strip error is returned by Read in place
// of the end of the file, so a consumer that stores what it reads stores
// nothing. The caller must Close the reader, which stops the work if the
// consumer gave up before the end.
func Clean(r io.Reader, contentType string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(Strip(pw, r, contentType))
	}()
	return pr
}

func copyPDF(w io.Writer, r io.Reader) error {
	head := make([]byte, 5)
	if _, err := io.ReadFull(r, head); err != nil || string(head) != "%PDF-" {
		return malformed("pdf", "no %%PDF- header")
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := io.Copy(w, r)
	return err
}
