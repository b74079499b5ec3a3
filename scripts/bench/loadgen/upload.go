package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
)

// openStates are the states in which a dispute takes evidence and that
// seeded data holds many disputes in.
var openStates = []string{"awaiting_seller", "awaiting_buyer", "escalated", "under_review"}

// photo is the file every upload sends: a JPEG of noise (so it compresses
// no further) of about the size asked for, with an EXIF segment, as a
// camera writes it, that the service must remove. Each upload changes
// one entry of a quantisation table, so every upload stores new content
// (no upload is a duplicate the blob store could skip) and still decodes.
type photo struct {
	head     []byte // from the start of the file to the end of the first DQT segment
	tail     []byte // the rest
	entry    int    // offset in head of the quantisation entry to vary
	exifSize int    // bytes of the EXIF segment, removed by the service
}

// newPhoto encodes a noise JPEG of at least size bytes and inserts an
// EXIF segment after its start-of-image marker.
func newPhoto(size int) (*photo, error) {
	const width = 2048
	rng := rand.New(rand.NewPCG(2, 3))
	encode := func(height int) ([]byte, error) {
		img := image.NewGray(image.Rect(0, 0, width, height))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		var b bytes.Buffer
		err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
		return b.Bytes(), err
	}
	probe, err := encode(64)
	if err != nil {
		return nil, err
	}
	perRow := float64(len(probe)) / 64
	plain, err := encode(int(float64(size)/perRow) + 8)
	if err != nil {
		return nil, err
	}
	exif := exifSegment()
	file := append(append(append([]byte{}, plain[:2]...), exif...), plain[2:]...)
	dqt := bytes.Index(file, []byte{0xFF, 0xDB})
	if dqt < 0 {
		return nil, fmt.Errorf("the encoded photo has no quantisation table")
	}
	end := dqt + 2 + int(binary.BigEndian.Uint16(file[dqt+2:]))
	// The last entry of the first table (8-bit precision: 64 one-byte
	// entries after the segment length and the table's id byte).
	return &photo{head: file[:end], tail: file[end:], entry: dqt + 4 + 1 + 63, exifSize: len(exif)}, nil
}

// exifSegment is an APP1 EXIF segment with the camera's make and a GPS
// position: IFD0 with Make and a pointer to the GPS IFD, which holds the
// latitude reference.
func exifSegment() []byte {
	var t bytes.Buffer
	le := binary.LittleEndian
	t.WriteString("II*\x00")
	_ = binary.Write(&t, le, uint32(8)) // IFD0 offset
	_ = binary.Write(&t, le, uint16(2)) // two entries
	// Make, ASCII, 9 bytes, at offset 38.
	_ = binary.Write(&t, le, [3]uint32{0x0002010F, 9, 38})
	// GPS IFD pointer, LONG, 1, offset 48.
	_ = binary.Write(&t, le, [3]uint32{0x00048825, 1, 48})
	_ = binary.Write(&t, le, uint32(0)) // no next IFD
	t.WriteString("BenchCam\x00\x00")   // offset 38, padded to 48
	_ = binary.Write(&t, le, uint16(1)) // GPS IFD: one entry
	// GPSLatitudeRef, ASCII, 2 bytes, inline "N".
	_ = binary.Write(&t, le, [3]uint32{0x00020001, 2, 'N'})
	_ = binary.Write(&t, le, uint32(0))
	body := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

// variant returns the head of the n-th upload's file.
func (p *photo) variant(n int) []byte {
	h := bytes.Clone(p.head)
	h[p.entry] = byte(1 + n%255)
	h[p.entry-1] = byte(1 + (n/255)%255)
	return h
}

// size is the length of each upload's file.
func (p *photo) size() int { return len(p.head) + len(p.tail) }

// uploadWork returns the work of the upload scenario: each client owns its
// share of the open disputes and uploads the photo to them in turn, as
// their buyer and seller alternately, at most perDispute files to each (the
// service refuses files past its limit per dispute). An upload counts as
// done when the service answers 201 with the file's size less the EXIF
// segment, that is with the metadata removed.
func (l *loader) uploadWork(clients, pool, fileBytes, perDispute int) (func(int, *rand.Rand) (bool, bool), error) {
	p, err := newPhoto(fileBytes)
	if err != nil {
		return nil, err
	}
	var ts []target
	for _, s := range openStates {
		more, err := l.targets(s, (pool-len(ts))/2+1)
		if err != nil {
			return nil, err
		}
		ts = append(ts, more...)
	}
	if len(ts) < clients {
		return nil, fmt.Errorf("only %d open disputes", len(ts))
	}
	want := int64(p.size() - p.exifSize)
	sent := make([]int, clients) // each client's count, touched by that client only
	return func(w int, _ *rand.Rand) (bool, bool) {
		mine := ts[w*len(ts)/clients : (w+1)*len(ts)/clients]
		k := sent[w]
		sent[w]++
		if k/len(mine) >= perDispute {
			return true, false // every dispute of this client is full
		}
		t := mine[k%len(mine)]
		who := t.BuyerID
		if k%2 == 1 {
			who = t.SellerID
		}
		status, body, err := l.upload(t.ID, l.token(who, nil, nil), p.variant(k*clients+w), p.tail)
		if err != nil || status != http.StatusCreated {
			return true, false
		}
		var e struct {
			Size int64 `json:"size"`
		}
		return true, json.Unmarshal(body, &e) == nil && e.Size == want
	}, nil
}

// upload posts one file as multipart/form-data, streaming it from its two
// parts with the length known in advance.
func (l *loader) upload(disputeID, token string, head, tail []byte) (int, []byte, error) {
	var pre bytes.Buffer
	mw := multipart.NewWriter(&pre)
	_ = mw.WriteField("description", "The damage, photographed on arrival.")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="IMG_0001.jpg"`)
	h.Set("Content-Type", "image/jpeg")
	if _, err := mw.CreatePart(h); err != nil {
		return 0, nil, err
	}
	post := []byte("\r\n--" + mw.Boundary() + "--\r\n")
	body := io.MultiReader(bytes.NewReader(pre.Bytes()), bytes.NewReader(head), bytes.NewReader(tail), bytes.NewReader(post))
	req, err := http.NewRequest(http.MethodPost, l.base+"/v1/disputes/"+disputeID+"/evidence", body)
	if err != nil {
		return 0, nil, err
	}
	req.ContentLength = int64(pre.Len() + len(head) + len(tail) + len(post))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return l.send(req)
}
