package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/opendispute/disputes/pkg/store/storetest"
)

// upload is one multipart body for POST …/evidence.
type upload struct {
	Description string
	Internal    string // "" leaves the field out
	Filename    string
	Content     []byte
	NoFile      bool
}

// body encodes the upload with a fixed boundary, so that the same upload is
// the same body (an Idempotency-Key retry).
func (u upload) body(t *testing.T) (rawBody, reqOpt) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary("evidence-test-boundary"); err != nil {
		t.Fatal(err)
	}
	if u.Description != "" {
		_ = w.WriteField("description", u.Description)
	}
	if u.Internal != "" {
		_ = w.WriteField("internal", u.Internal)
	}
	if !u.NoFile {
		fw, err := w.CreateFormFile("file", u.Filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(u.Content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return rawBody(b.String()), withHeader("Content-Type", w.FormDataContentType())
}

func (e *apiEnv) upload(t *testing.T, status int, as, disputeID string, u upload, opts ...reqOpt) *apiResponse {
	t.Helper()
	body, ct := u.body(t)
	return e.must(t, status, as, http.MethodPost, "/v1/disputes/"+disputeID+"/evidence", body, append([]reqOpt{ct}, opts...)...)
}

// photoWithGPS is a small JPEG whose EXIF holds a GPS map datum and a
// camera serial number, both marked SECRET.
func photoWithGPS(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), 90, 255})
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF, big-endian: IFD0 with GPSInfo pointing at a GPS IFD that holds
	// GPSMapDatum.
	datum := "SECRET-GPS-DATUM\x00"
	var tiff bytes.Buffer
	w := func(v any) { _ = binary.Write(&tiff, binary.BigEndian, v) }
	tiff.WriteString("MM\x00\x2A")
	w(uint32(8))
	w(uint16(1)) // IFD0: one entry
	w(uint16(0x8825))
	w(uint16(4))
	w(uint32(1))
	w(uint32(26)) // GPSInfo → 26
	w(uint32(0))
	w(uint16(1)) // GPS IFD: one entry
	w(uint16(0x0012))
	w(uint16(2))
	w(uint32(len(datum)))
	w(uint32(44)) // GPSMapDatum → 44
	w(uint32(0))
	tiff.WriteString(datum)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, plain.Bytes()[:2]...) // SOI
	out = append(out, seg...)
	return append(out, plain.Bytes()[2:]...)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestEvidenceUploadAndDownload: a photo with a GPS position is stored
// without it; the download is the stored bytes, with the headers that keep
// a browser from rendering it, ranges and conditional requests; the audit
// chain and the parties' feed know of the file.
func TestEvidenceUploadAndDownload(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		photo := photoWithGPS(t)
		if !bytes.Contains(photo, []byte("SECRET-GPS-DATUM")) {
			t.Fatal("the fixture has no GPS datum")
		}
		r := e.upload(t, http.StatusCreated, uBuyer, d, upload{Description: "The vase arrived cracked.", Filename: "../IMG 0001.jpg", Content: photo})
		id := r.str("id")
		if !strings.HasPrefix(id, "evd_") || r.str("dispute_id") != d || r.str("uploader_role") != "buyer" ||
			r.str("uploaded_by") != uid(uBuyer) || r.str("content_type") != "image/jpeg" || r.str("filename") != "IMG 0001.jpg" ||
			r.str("description") != "The vase arrived cracked." || r.JSON["internal"] != false {
			t.Fatalf("upload answered %s", r.Body)
		}
		if loc := r.Header.Get("Location"); loc != "/v1/disputes/"+d+"/evidence/"+id {
			t.Errorf("Location %q", loc)
		}

		content := "/v1/disputes/" + d + "/evidence/" + id + "/content"
		got := e.must(t, http.StatusOK, uSeller, http.MethodGet, content, nil)
		if bytes.Contains(got.Body, []byte("SECRET")) || bytes.Contains(got.Body, []byte("Exif")) {
			t.Error("the download still holds the EXIF metadata")
		}
		if _, err := jpeg.Decode(bytes.NewReader(got.Body)); err != nil {
			t.Errorf("the download does not decode: %v", err)
		}
		sum := sha256Hex(got.Body)
		if r.str("sha256") != sum || r.num("size") != int64(len(got.Body)) {
			t.Errorf("sha256 %s size %d, the stored bytes have %s and %d", r.str("sha256"), r.num("size"), sum, len(got.Body))
		}
		for h, want := range map[string]string{
			"Content-Type": "image/jpeg", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
			"ETag": `"` + sum + `"`, "Content-Disposition": `attachment; filename="IMG 0001.jpg"; filename*=UTF-8''IMG%200001.jpg`,
		} {
			if got.Header.Get(h) != want {
				t.Errorf("%s: %q, want %q", h, got.Header.Get(h), want)
			}
		}
		e.must(t, http.StatusNotModified, uBuyer, http.MethodGet, content, nil, withHeader("If-None-Match", `"`+sum+`"`))
		part := e.must(t, http.StatusPartialContent, uReviewer, http.MethodGet, content, nil, withHeader("Range", "bytes=2-9"))
		if !bytes.Equal(part.Body, got.Body[2:10]) {
			t.Errorf("range 2-9: %x, want %x", part.Body, got.Body[2:10])
		}
		// A range past the end is a problem like any other refusal, that
		// still says how large the file is.
		past := fmt.Sprintf("bytes=%d-%d", len(got.Body)+10, len(got.Body)+20)
		refused := e.problem(t, http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable", uSeller, http.MethodGet, content, nil, withHeader("Range", past))
		if cr := refused.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes */%d", len(got.Body)) {
			t.Errorf("Content-Range %q", cr)
		}
		if cd := refused.Header.Get("Content-Disposition"); cd != "" {
			t.Errorf("the refusal is sent as an attachment: %q", cd)
		}

		meta := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/disputes/"+d+"/evidence/"+id, nil)
		if meta.str("sha256") != sum {
			t.Errorf("metadata: %s", meta.Body)
		}
		if l := e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/disputes/"+d+"/evidence", nil).list(); len(l) != 1 || l[0]["id"] != id {
			t.Errorf("list: %v", l)
		}

		// The audit chain holds the file's hash and still verifies.
		audit := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+d+"/audit", nil).list()
		last := audit[len(audit)-1]
		payload, _ := last["payload"].(map[string]any)
		if last["event"] != "add_evidence" || last["from_state"] != last["to_state"] || payload["sha256"] != sum ||
			payload["filename"] != "IMG 0001.jpg" || payload["uploader_role"] != "buyer" {
			t.Errorf("last audit record: %v", last)
		}
		e.verifyAudit(t, d, len(audit))

		// The seller hears of it in the feed, without the content.
		var found bool
		for _, ev := range e.must(t, http.StatusOK, uSeller, http.MethodGet, "/v1/events?limit=200", nil).list() {
			if ev["type"] == "evidence.added" && ev["dispute_id"] == d {
				data, _ := ev["data"].(map[string]any)
				ed, _ := data["evidence"].(map[string]any)
				found = ed["id"] == id && ed["sha256"] == sum
			}
		}
		if !found {
			t.Error("the seller's feed has no evidence.added for the file")
		}

		// Strangers learn nothing.
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, content, nil)
		e.problem(t, http.StatusNotFound, "not_found", uStranger, http.MethodGet, "/v1/disputes/"+d+"/evidence", nil)
		e.upload(t, http.StatusNotFound, uStranger, d, upload{Filename: "a.txt", Content: []byte("hello")})
	})
}

// TestEvidenceContentMissing: a file whose content is gone from blob
// storage (deleted by hand, a bucket restored from an old backup) is a
// failure of the service, answered before any byte of a body: 500, not a
// 200 whose body is cut off.
func TestEvidenceContentMissing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		r := e.upload(t, http.StatusCreated, uBuyer, d, upload{Filename: "note.txt", Content: []byte("The box was open.")})
		if err := e.blobs.Delete(t.Context(), r.str("sha256")); err != nil {
			t.Fatal(err)
		}
		content := "/v1/disputes/" + d + "/evidence/" + r.str("id") + "/content"
		for _, opts := range [][]reqOpt{nil, {withHeader("Range", "bytes=2-5")}} {
			// e.request, not e.problem: a 500 is what this test wants.
			r, err := e.request(uBuyer, http.MethodGet, content, nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			checkProblem(t, r, http.StatusInternalServerError, "internal")
		}
	})
}

// TestEvidenceRefusals: what is refused, and that a refusal stores nothing.
func TestEvidenceRefusals(t *testing.T) {
	forEachDialectWith(t, apiConfig{EvidenceMaxBytes: 4 << 10}, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		before := e.auditCount(t, d)
		path := "/v1/disputes/" + d + "/evidence"
		html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
		for _, tc := range []struct {
			name   string
			as     string
			u      upload
			status int
			code   string
		}{
			{"HTMLNamedJPEG", uBuyer, upload{Filename: "photo.jpg", Content: html}, 415, "unsupported_media_type"},
			{"BrokenJPEG", uBuyer, upload{Filename: "photo.jpg", Content: append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{1}, 600)...)}, 415, "unsupported_media_type"},
			{"Empty", uBuyer, upload{Filename: "empty.txt"}, 400, "validation_failed"},
			{"NoFile", uBuyer, upload{Description: "no file", NoFile: true}, 400, "validation_failed"},
			{"TooLarge", uBuyer, upload{Filename: "big.txt", Content: bytes.Repeat([]byte("a"), 5<<10)}, 413, "request_entity_too_large"},
			{"InternalByParty", uSeller, upload{Internal: "true", Filename: "a.txt", Content: []byte("hello")}, 403, "role_not_permitted"},
			{"BadInternal", uReviewer, upload{Internal: "maybe", Filename: "a.txt", Content: []byte("hello")}, 400, "validation_failed"},
			{"LongDescription", uBuyer, upload{Description: strings.Repeat("x", 1001), Filename: "a.txt", Content: []byte("hello")}, 400, "validation_failed"},
			{"Stranger", uStranger, upload{Filename: "a.txt", Content: []byte("hello")}, 404, "not_found"},
			{"DescriptionNotUTF8", uBuyer, upload{Description: "bad \xff", Filename: "a.txt", Content: []byte("hello")}, 400, "invalid_character"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body, ct := tc.u.body(t)
				e.problem(t, tc.status, tc.code, tc.as, http.MethodPost, path, body, ct)
			})
		}
		t.Run("FieldTwice", func(t *testing.T) {
			// Two descriptions: one of them would be dropped unseen.
			body, ct := upload{Description: "a", Filename: "a.txt", Content: []byte("hello")}.body(t)
			twice := strings.Replace(string(body), "--evidence-test-boundary\r\n", "--evidence-test-boundary\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nb\r\n--evidence-test-boundary\r\n", 1)
			r := e.problem(t, 400, "validation_failed", uBuyer, http.MethodPost, path, rawBody(twice), ct)
			checkFields(t, r, "description")
			// Who may not see the dispute learns only that.
			e.problem(t, 404, "not_found", uStranger, http.MethodPost, path, rawBody(twice), ct)
		})
		t.Run("NotMultipart", func(t *testing.T) {
			e.problem(t, 415, "unsupported_media_type", uBuyer, http.MethodPost, path, map[string]any{"file": "x"})
		})
		t.Run("TooLargeStreamed", func(t *testing.T) {
			// Without a Content-Length the upload is cut off as it streams.
			body, ct := upload{Filename: "big.txt", Content: bytes.Repeat([]byte("a"), 200<<10)}.body(t)
			e.problem(t, 413, "request_entity_too_large", uBuyer, http.MethodPost, path, io.MultiReader(strings.NewReader(string(body))), ct)
		})
		t.Run("TooLargeKeyed", func(t *testing.T) {
			body, ct := upload{Filename: "big.txt", Content: bytes.Repeat([]byte("a"), 200<<10)}.body(t)
			e.problem(t, 413, "request_entity_too_large", uBuyer, http.MethodPost, path, io.MultiReader(strings.NewReader(string(body))), ct, withKey("big-upload"))
		})
		if n := len(e.must(t, http.StatusOK, uAdmin, http.MethodGet, path, nil).list()); n != 0 {
			t.Errorf("%d files stored after refusals", n)
		}
		if n := e.auditCount(t, d); n != before {
			t.Errorf("%d audit records after refusals, want %d", n, before)
		}
		e.verifyAudit(t, d, before)
	})
}

// TestEvidenceInternalAndLimits: internal files are staff's alone; a
// dispute holds at most 20 files and none once closed.
func TestEvidenceInternalAndLimits(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.escalated(t, "item_damaged")
		in := e.upload(t, http.StatusCreated, uReviewer, d, upload{Internal: "true", Description: "Seller's earlier case.", Filename: "note.txt", Content: []byte("prior case")})
		if in.JSON["internal"] != true || in.str("uploader_role") != "staff" {
			t.Fatalf("internal upload: %s", in.Body)
		}
		internalPath := "/v1/disputes/" + d + "/evidence/" + in.str("id")
		e.problem(t, http.StatusNotFound, "not_found", uBuyer, http.MethodGet, internalPath, nil)
		e.problem(t, http.StatusNotFound, "not_found", uSeller, http.MethodGet, internalPath+"/content", nil)
		e.must(t, http.StatusOK, uLead, http.MethodGet, internalPath+"/content", nil)
		staff := e.upload(t, http.StatusCreated, uReviewer, d, upload{Filename: "label.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")})
		if got := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+d+"/evidence/"+staff.str("id"), nil); got.str("uploaded_by") != "" || got.str("uploader_role") != "staff" {
			t.Errorf("a party sees who of staff uploaded: %s", got.Body)
		}
		if l := e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+d+"/evidence", nil).list(); len(l) != 1 {
			t.Errorf("the buyer lists %d files, want the 1 that is not internal", len(l))
		}
		for _, ev := range e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/events?limit=200", nil).list() {
			if data, _ := ev["data"].(map[string]any); data != nil {
				if ed, _ := data["evidence"].(map[string]any); ed != nil && ed["id"] == in.str("id") {
					t.Error("the buyer's feed shows the internal file")
				}
			}
		}
		// Paging: 2 files, one a page.
		p1 := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+d+"/evidence?limit=1", nil)
		cur, _ := p1.JSON["next_cursor"].(string)
		p2 := e.must(t, http.StatusOK, uAdmin, http.MethodGet, "/v1/disputes/"+d+"/evidence?limit=1&cursor="+cur, nil)
		if len(p1.list()) != 1 || len(p2.list()) != 1 || p1.list()[0]["id"] == p2.list()[0]["id"] {
			t.Errorf("pages: %s / %s", p1.Body, p2.Body)
		}

		for i := 2; i < 20; i++ {
			e.upload(t, http.StatusCreated, uBuyer, d, upload{Filename: "n.txt", Content: []byte{byte('a' + i)}})
		}
		body, ct := upload{Filename: "21.txt", Content: []byte("one too many")}.body(t)
		e.problem(t, http.StatusConflict, "evidence_limit_reached", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/evidence", body, ct)

		closed := e.openID(t, "item_damaged")
		e.act(t, uBuyer, closed, "withdraw", map[string]any{"reason": "We sorted it out."})
		body, ct = upload{Filename: "late.txt", Content: []byte("too late")}.body(t)
		e.problem(t, http.StatusConflict, "invalid_state", uBuyer, http.MethodPost, "/v1/disputes/"+closed+"/evidence", body, ct)
	})
}

// TestEvidenceIdempotentUpload: a retried upload with the same key and body
// answers the first upload's evidence and stores no second one.
func TestEvidenceIdempotentUpload(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		d := e.openID(t, "item_damaged")
		u := upload{Description: "receipt", Filename: "receipt.txt", Content: []byte("paid 20 EUR")}
		first := e.upload(t, http.StatusCreated, uBuyer, d, u, withKey("upload-1"))
		again := e.upload(t, http.StatusCreated, uBuyer, d, u, withKey("upload-1"))
		if again.str("id") != first.str("id") || again.Header.Get("Idempotent-Replayed") != "true" ||
			again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("replay: %s %v, first %s", again.Body, again.Header, first.Body)
		}
		u.Content = []byte("paid 30 EUR")
		body, ct := u.body(t)
		e.problem(t, http.StatusUnprocessableEntity, "idempotency_key_reused", uBuyer, http.MethodPost, "/v1/disputes/"+d+"/evidence", body, ct, withKey("upload-1"))
		if n := len(e.must(t, http.StatusOK, uBuyer, http.MethodGet, "/v1/disputes/"+d+"/evidence", nil).list()); n != 1 {
			t.Errorf("%d files, want 1", n)
		}
	})
}

// TestEvidenceRetention: files of a dispute closed longer than the
// retention period are deleted; their descriptions and audit records stay,
// and content that another dispute's file shares is kept.
func TestEvidenceRetention(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *apiEnv) {
		shared := []byte("the same receipt")
		old := e.openID(t, "item_damaged")
		gone := e.upload(t, http.StatusCreated, uBuyer, old, upload{Filename: "photo.txt", Content: []byte("only here")})
		kept := e.upload(t, http.StatusCreated, uBuyer, old, upload{Filename: "receipt.txt", Content: shared})
		e.act(t, uBuyer, old, "withdraw", map[string]any{"reason": "We sorted it out."})
		records := e.auditCount(t, old)

		e.clock.Advance(24 * time.Hour)
		other := e.openOn(t, uBuyer, e.newOrder(t, uBuyer, uSeller), "item_damaged")
		e.upload(t, http.StatusCreated, uSeller, other, upload{Filename: "receipt.txt", Content: shared})

		retention := 3 * 365 * 24 * time.Hour
		var deleted []string
		del := func(ctx context.Context, sha string) error {
			deleted = append(deleted, sha)
			return e.blobs.Delete(ctx, sha)
		}
		if n, err := e.svc.PurgeEvidence(t.Context(), e.clock.Now().Add(-retention), del); err != nil || n != 0 {
			t.Fatalf("purge before the period ended: %d, %v", n, err)
		}
		e.clock.Advance(retention)
		n, err := e.svc.PurgeEvidence(t.Context(), e.clock.Now().Add(-retention), del)
		if err != nil || n != 2 {
			t.Fatalf("purge: %d files, %v; want 2", n, err)
		}
		if len(deleted) != 1 || deleted[0] != gone.str("sha256") {
			t.Errorf("deleted %v, want only %s (the other content is another dispute's too)", deleted, gone.str("sha256"))
		}
		if _, err := e.blobs.Stat(t.Context(), kept.str("sha256")); err != nil {
			t.Errorf("the shared content: %v", err)
		}
		path := "/v1/disputes/" + old + "/evidence/" + gone.str("id")
		if meta := e.must(t, http.StatusOK, uBuyer, http.MethodGet, path, nil); meta.str("purged_at") == "" || meta.str("sha256") != gone.str("sha256") {
			t.Errorf("purged file: %s", meta.Body)
		}
		e.problem(t, http.StatusNotFound, "not_found", uBuyer, http.MethodGet, path+"/content", nil)
		e.verifyAudit(t, old, records)
		if n, _ := e.svc.PurgeEvidence(t.Context(), e.clock.Now().Add(-retention), del); n != 0 {
			t.Errorf("a second purge purged %d files", n)
		}
	})
}

// s3Credentials are the static credentials of the S3 servers the tests
// start; the AWS SDK reads them from the environment, as in production.
var s3Credentials sync.Once

// s3Bucket starts an S3-protocol server in this process with one bucket and
// returns its s3:// URL.
func s3Bucket(t *testing.T) string {
	t.Helper()
	s3Credentials.Do(func() {
		for k, v := range map[string]string{
			"AWS_ACCESS_KEY_ID": "test-access-key", "AWS_SECRET_ACCESS_KEY": "test-secret-key",
			"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
		} {
			if err := os.Setenv(k, v); err != nil {
				t.Fatal(err)
			}
		}
	})
	backend := s3mem.New()
	if err := backend.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return "s3://evidence?region=us-east-1&use_path_style=true&endpoint=" + url.QueryEscape(srv.URL)
}

// Evidence goes through the real S3 client path as well as the folder: an
// upload stripped of its metadata, downloaded whole and by range.
func TestEvidenceOnS3(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		db := prepareDB(t, d)
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			e := newAPIEnv(t, db(t), apiConfig{BlobURL: s3Bucket(t)})
			id := e.openID(t, "item_damaged")
			r := e.upload(t, http.StatusCreated, uBuyer, id, upload{Filename: "vase.jpg", Content: photoWithGPS(t)})
			content := "/v1/disputes/" + id + "/evidence/" + r.str("id") + "/content"
			got := e.must(t, http.StatusOK, uSeller, http.MethodGet, content, nil)
			if bytes.Contains(got.Body, []byte("SECRET")) || sha256Hex(got.Body) != r.str("sha256") {
				t.Errorf("the download from S3 is not the stripped file the upload described")
			}
			part := e.must(t, http.StatusPartialContent, uSeller, http.MethodGet, content, nil, withHeader("Range", "bytes=4-11"))
			if !bytes.Equal(part.Body, got.Body[4:12]) {
				t.Errorf("range from S3: %x, want %x", part.Body, got.Body[4:12])
			}
		})
	}
}
