package seed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"sync"
	"time"

	"github.com/opendispute/disputes/pkg/audit"
	"github.com/opendispute/disputes/pkg/dispute"
)

// File is one of the few small files that generated cases carry as
// evidence. Many cases share each file, so a bulk load stores only a
// handful of blobs however many cases it writes.
type File struct {
	Name        string
	ContentType string // as evidence.Sniff judges the content
	Content     []byte // without metadata: what an upload would store
	SHA256      string // hex, of Content: the blob's key
	Description string
}

// Files returns the files generated evidence refers to: a photo (JPEG), a
// screenshot (PNG), a receipt (PDF) and a note (text). They are drawn, not
// read from disk, hold no metadata and are the same on every call and every
// run, so a blob stored by one load serves the next.
func Files() []File { return files() }

var files = sync.OnceValue(func() []File {
	photo, screenshot := drawing(48, 36), drawing(40, 24)
	var j, p bytes.Buffer
	if err := jpeg.Encode(&j, photo, &jpeg.Options{Quality: 75}); err != nil {
		panic("seed: encode the photo: " + err.Error()) // encoding to memory does not fail
	}
	if err := png.Encode(&p, screenshot); err != nil {
		panic("seed: encode the screenshot: " + err.Error())
	}
	out := []File{
		{Name: "damage.jpg", ContentType: "image/jpeg", Content: j.Bytes(), Description: "Photo of the item as it arrived."},
		{Name: "tracking.png", ContentType: "image/png", Content: p.Bytes(), Description: "Screenshot of the tracking page."},
		{Name: "receipt.pdf", ContentType: "application/pdf", Content: receiptPDF(), Description: "The receipt."},
		{Name: "note.txt", ContentType: "text/plain; charset=utf-8", Content: []byte("The parcel was left at the door; the box was torn open.\n"), Description: "What the courier said."},
	}
	for i := range out {
		sum := sha256.Sum256(out[i].Content)
		out[i].SHA256 = hex.EncodeToString(sum[:])
	}
	return out
})

// drawing is a small picture with a few shapes, so the encoded file is a
// real image and not a flat colour.
func drawing(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: uint8(200 - y*2), G: uint8(180 + x), B: 160, A: 255}
			if (x-w/2)*(x-w/2)+(y-h/2)*(y-h/2) < h*h/9 {
				c = color.RGBA{R: 60, G: 90, B: uint8(120 + x), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// receiptPDF is a one-page PDF with a line of text and a correct
// cross-reference table.
func receiptPDF() []byte {
	stream := "BT /F1 12 Tf 72 720 Td (Receipt: 1 item, 49.90 EUR, paid) Tj ET"
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// addEvidence records a file added by a party, as the service's AddEvidence
// would: the row, and an add_evidence record that leaves the state as it is.
func (c *Case) addEvidence(d *dispute.Dispute, actor dispute.Actor, role dispute.Role, f File, at time.Time) error {
	e := &dispute.Evidence{
		ID: dispute.NewID("evd", at), DisputeID: d.ID, UploadedBy: actor.ID, UploaderRole: role,
		Filename: f.Name, ContentType: f.ContentType, Size: int64(len(f.Content)), SHA256: f.SHA256,
		Description: f.Description, CreatedAt: at,
	}
	canon, err := dispute.AuditPayload(e)
	if err != nil {
		return err
	}
	c.appendRecord(audit.Entry{
		DisputeID: d.ID, Event: dispute.EventAddEvidence, FromState: string(d.State), ToState: string(d.State),
		ActorID: actor.ID, ActorRole: string(role), Payload: canon, PayloadVersion: dispute.AuditPayloadVersion, OccurredAt: at, RequestID: "seed",
	})
	c.Evidence = append(c.Evidence, e)
	return nil
}
