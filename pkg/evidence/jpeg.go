package evidence

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image/jpeg"
	"io"
)

// JPEG markers (ITU T.81, table B.1).
const (
	mSOI   = 0xD8
	mEOI   = 0xD9
	mSOS   = 0xDA
	mDQT   = 0xDB
	mDNL   = 0xDC
	mDRI   = 0xDD
	mDHT   = 0xC4
	mDAC   = 0xCC
	mRST0  = 0xD0
	mRST7  = 0xD7
	mTEM   = 0x01
	mAPP0  = 0xE0
	mAPP2  = 0xE2
	mAPP14 = 0xEE
	mAPP15 = 0xEF
	mCOM   = 0xFE
)

// stripJPEG copies a JPEG, segment by segment, keeping what decoding needs
// and the colour information (JFIF, ICC profile, Adobe transform) and
// dropping everything else: EXIF and XMP (APP1), IPTC (APP13), comments,
// thumbnails, maker notes and whatever a camera appends after the end of
// the image (multi-picture and motion-photo trailers). The compressed data
// is copied verbatim. The segments before the first scan are buffered and
// checked with the standard decoder; the scans are decoded down to every
// Huffman code of every block the frame announces (see jpegFrame), and the
// file must end with an EOI marker.
func stripJPEG(w io.Writer, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi[0] != 0xFF || soi[1] != mSOI {
		return malformed("jpeg", "no start of image")
	}
	header := bytes.NewBuffer(make([]byte, 0, 4<<10))
	header.Write(soi[:])
	out := io.Writer(header) // the header buffer until the first scan, then w
	started := false         // the first scan has begun
	var frame jpegFrame
	var sos []byte // the header of the scan whose entropy-coded data follows
	for {
		var m byte
		var err error
		if sos != nil {
			m, err = frame.scan(out, br, sos)
		} else {
			m, err = nextMarker(br)
		}
		if err != nil {
			return err
		}
		sos = nil
		switch {
		case m == mEOI:
			if !started {
				return malformed("jpeg", "no image data")
			}
			_, err := w.Write([]byte{0xFF, mEOI})
			return err
		case m == mSOI || m >= mRST0 && m <= mRST7:
			return malformed("jpeg", "unexpected marker %#x", m)
		case m == mTEM:
			continue
		}
		length, err := segmentLength(br)
		if err != nil {
			return err
		}
		keep, err := keepSegment(m, br, length)
		if err != nil {
			return err
		}
		if !keep {
			if _, err := br.Discard(length); err != nil {
				return malformed("jpeg", "truncated segment")
			}
			continue
		}
		if !started && header.Len()+4+length > MaxJPEGHeader {
			return malformed("jpeg", "more than %d bytes before the image data", MaxJPEGHeader)
		}
		var hdr [4]byte
		hdr[0], hdr[1] = 0xFF, m
		binary.BigEndian.PutUint16(hdr[2:], uint16(length+2))
		if _, err := out.Write(hdr[:]); err != nil {
			return err
		}
		if m == mSOS || m == mDHT || m == mDRI || m >= 0xC0 && m <= 0xC2 {
			// Segments the decoding of the image data needs, of at most
			// 64 KiB each.
			payload := make([]byte, length)
			if _, err := io.ReadFull(br, payload); err != nil {
				return malformed("jpeg", "truncated segment")
			}
			if err := frame.segment(m, payload); err != nil {
				return err
			}
			if _, err := out.Write(payload); err != nil {
				return err
			}
			if m == mSOS {
				sos = payload
			}
		} else if _, err := io.CopyN(out, br, int64(length)); err != nil {
			if errors.Is(err, io.EOF) {
				return malformed("jpeg", "truncated segment")
			}
			return err
		}
		if m == mSOS {
			if !started {
				if err := checkJPEGHeader(header.Bytes()); err != nil {
					return err
				}
				if _, err := w.Write(header.Bytes()); err != nil {
					return err
				}
				out, started = w, true
			}
		}
	}
}

// checkJPEGHeader decodes the frame header with the standard library.
func checkJPEGHeader(h []byte) error {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(h))
	if err != nil {
		return malformed("jpeg", "%v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return malformed("jpeg", "%dx%d pixels", cfg.Width, cfg.Height)
	}
	return nil
}

// nextMarker reads a marker between segments, skipping fill bytes.
func nextMarker(br *bufio.Reader) (byte, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, malformed("jpeg", "truncated before the end of image")
	}
	if b != 0xFF {
		return 0, malformed("jpeg", "expected a marker, found %#x", b)
	}
	for b == 0xFF {
		if b, err = br.ReadByte(); err != nil {
			return 0, malformed("jpeg", "truncated before the end of image")
		}
	}
	if b == 0 {
		return 0, malformed("jpeg", "expected a marker, found a stuffed byte")
	}
	return b, nil
}

// copyEntropy copies entropy-coded data, with its stuffed bytes and restart
// markers, up to the next other marker, which it returns.
func copyEntropy(w io.Writer, br *bufio.Reader) (byte, error) {
	for {
		chunk, err := br.ReadSlice(0xFF)
		if errors.Is(err, bufio.ErrBufferFull) {
			if _, err := w.Write(chunk); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, malformed("jpeg", "truncated image data")
		}
		// chunk ends with 0xFF; see what follows it.
		if _, err := w.Write(chunk[:len(chunk)-1]); err != nil {
			return 0, err
		}
		b, err := br.ReadByte()
		for err == nil && b == 0xFF {
			b, err = br.ReadByte()
		}
		if err != nil {
			return 0, malformed("jpeg", "truncated image data")
		}
		if b == 0 || b >= mRST0 && b <= mRST7 {
			if _, err := w.Write([]byte{0xFF, b}); err != nil {
				return 0, err
			}
			continue
		}
		return b, nil
	}
}

func segmentLength(br *bufio.Reader) (int, error) {
	var l [2]byte
	if _, err := io.ReadFull(br, l[:]); err != nil {
		return 0, malformed("jpeg", "truncated segment")
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < 2 {
		return 0, malformed("jpeg", "segment length %d", n)
	}
	return n - 2, nil
}

// keepSegment decides from the marker, and for application segments from
// the identifier that begins them, whether a segment is kept.
func keepSegment(m byte, br *bufio.Reader, length int) (bool, error) {
	switch {
	case m == mSOS, m == mDQT, m == mDHT, m == mDRI, m == mDNL, m == mDAC:
		return true, nil
	case m >= 0xC0 && m <= 0xCF:
		// Frame headers SOF0 to SOF15 (DHT and DAC are handled above;
		// 0xC8 is reserved).
		return m != 0xC8, nil
	case m == mCOM:
		return false, nil
	case m >= mAPP0 && m <= mAPP15:
		id, err := br.Peek(min(length, 12))
		if err != nil {
			return false, malformed("jpeg", "truncated segment")
		}
		switch m {
		case mAPP0:
			// JFIF, but not its JFXX extension, which holds a thumbnail.
			return bytes.HasPrefix(id, []byte("JFIF\x00")), nil
		case mAPP2:
			// The ICC profile, but not FlashPix or multi-picture data.
			return bytes.HasPrefix(id, []byte("ICC_PROFILE\x00")), nil
		case mAPP14:
			// Adobe's colour transform flag, needed to decode CMYK and
			// some YCbCr files correctly.
			return bytes.HasPrefix(id, []byte("Adobe")), nil
		}
		return false, nil
	}
	return false, malformed("jpeg", "unsupported marker %#x", m)
}
