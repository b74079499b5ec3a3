package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"

	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/evidence"
)

// demoPhotoMaxBytes bounds the demo photo, far above its size.
const demoPhotoMaxBytes = 1 << 20

// demoPhoto draws the demo's evidence: a vase on a table, cracked.
func demoPhoto() ([]byte, error) {
	const w, h = 320, 240
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: 238, G: 232, B: 220, A: 255} // the wall
			if y > 190 {
				c = color.RGBA{R: 140, G: 96, B: 60, A: 255} // the table
			}
			// The vase: an ellipse-ish body on the table.
			dx, dy := float64(x-160)/60, float64(y-120)/70
			if dx*dx+dy*dy < 1 && y < 190 {
				c = color.RGBA{R: 40, G: 90, B: 150, A: 255}
				// The crack, running down its side.
				if cx := 150 + (y-60)/6 + ((y/7)%2)*3; x >= cx && x <= cx+1 && y > 60 && y < 170 {
					c = color.RGBA{R: 20, G: 20, B: 20, A: 255}
				}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// seedDemoEvidence opens a dispute about the demo's vase and adds a photo
// of it, as the buyer would: through the same checks, cleaning and storage
// as an upload; then takes it to the platform's review queue.
func seedDemoEvidence(ctx context.Context, svc *dispute.Service, blobs *blob.Store, orderID string) (string, error) {
	buyer := dispute.Actor{ID: demoBuyer}
	d, err := svc.Open(ctx, buyer, dispute.OpenInput{OrderID: orderID, Reason: dispute.ReasonItemDamaged,
		Description: "The vase arrived with a crack down its side; photo attached.", Language: "en"})
	if err != nil {
		return "", fmt.Errorf("seed demo dispute: %w", err)
	}
	photo, err := demoPhoto()
	if err != nil {
		return "", err
	}
	in := dispute.NewEvidence{Filename: "vase.jpg", Description: "The crack, photographed on arrival."}
	if err := svc.CheckEvidence(ctx, buyer, d.ID, in); err != nil {
		return "", err
	}
	ct, ok := evidence.Sniff(photo)
	if !ok {
		return "", fmt.Errorf("seed demo photo: not a supported file")
	}
	clean := evidence.Clean(bytes.NewReader(photo), ct)
	defer clean.Close()
	obj, err := blobs.Put(ctx, clean, demoPhotoMaxBytes)
	if err != nil {
		return "", fmt.Errorf("seed demo photo: %w", err)
	}
	in.ContentType, in.Size, in.SHA256 = ct, obj.Size, obj.Key
	if _, err := svc.AddEvidence(ctx, buyer, d.ID, in); err != nil {
		return "", fmt.Errorf("seed demo photo: %w", err)
	}
	// The seller refuses and the buyer escalates, so that the case waits in
	// the review queue for the console.
	seller := dispute.Actor{ID: demoSeller}
	if _, err := svc.Act(ctx, seller, d.ID, dispute.Command{Event: dispute.EventSellerReply, Message: "It left here packed in bubble wrap, without a scratch."}, nil); err != nil {
		return "", fmt.Errorf("seed demo dispute: %w", err)
	}
	if _, err := svc.Act(ctx, buyer, d.ID, dispute.Command{Event: dispute.EventEscalate, Reason: "The seller will not refund; the photo shows the crack."}, nil); err != nil {
		return "", fmt.Errorf("seed demo dispute: %w", err)
	}
	return d.ID, nil
}
