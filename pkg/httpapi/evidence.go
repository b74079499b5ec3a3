package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/blob"
	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/evidence"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// DefaultEvidenceMaxBytes is the largest file an upload may carry when
// Config.EvidenceMaxBytes is not set.
const DefaultEvidenceMaxBytes = 10 << 20

// evidenceUploadPath is the route of uploads, whose body is limited by the
// file size limit instead of the body limit of other requests.
const evidenceUploadPath = "/v1/disputes/:id/evidence"

// multipartOverhead is what an upload's body may hold beyond the file: the
// part headers, the boundaries and the small fields.
const multipartOverhead = 64 << 10

// maxFieldBytes bounds a form field other than the file.
const maxFieldBytes = 8 << 10

// isUpload reports whether the request is an evidence upload.
func isUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == evidenceUploadPath
}

// uploadBodyLimit bounds the body of an upload: the file and its envelope.
func (s *Server) uploadBodyLimit() int64 { return s.evidenceMaxBytes + multipartOverhead }

// apiEvidence maps a file's metadata to the wire.
func apiEvidence(e *dispute.Evidence) apigen.Evidence {
	out := apigen.Evidence{
		ID: e.ID, DisputeID: e.DisputeID, UploadedBy: e.UploadedBy, UploaderRole: apigen.EvidenceUploaderRole(e.UploaderRole),
		Filename: e.Filename, ContentType: apigen.EvidenceContentType(e.ContentType), Size: e.Size, Sha256: e.SHA256,
		Description: e.Description, Internal: e.Internal, CreatedAt: e.CreatedAt,
	}
	if e.PurgedAt != nil {
		out.PurgedAt = *e.PurgedAt
	}
	return out
}

// errUploadTooLarge is the answer to a file over the limit.
func (s *Server) errUploadTooLarge() error {
	return &statusError{status: http.StatusRequestEntityTooLarge, code: dispute.CodePayloadTooLarge,
		detail: fmt.Sprintf("the file exceeds %d bytes", s.evidenceMaxBytes)}
}

func errUnsupportedFile(detail string) error {
	return &statusError{status: http.StatusUnsupportedMediaType, code: dispute.CodeUnsupportedMediaType, detail: detail}
}

// fileTooLarge is returned by the reader of an upload's file once the file
// passed the limit.
type fileTooLarge struct{}

func (fileTooLarge) Error() string { return "the file exceeds the limit" }

// capReader fails with fileTooLarge as soon as more than max bytes are read.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, fileTooLarge{}
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, fileTooLarge{}
	}
	return n, err
}

// postEvidence adds a file to a dispute. The body is multipart/form-data,
// read as it arrives: the small fields first (description, internal), then
// one part named file. Before any byte of the file is stored the caller's
// right to add it is checked; the file's type is judged from its first
// bytes; its metadata is stripped as it streams into blob storage; and only
// then is it recorded, so a failure leaves at most a blob that nothing
// refers to, which the worker sweeps.
func (s *Server) postEvidence(c echo.Context) error {
	if s.blobs == nil {
		return dispute.Errorf(dispute.EUNAVAILABLE, dispute.CodeUnavailable, "no blob storage is configured")
	}
	ctx := c.Request().Context()
	actor := actorOf(c)
	id := c.Param("id")
	mr, err := c.Request().MultipartReader()
	if err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return errUnsupportedFile("the request body must be multipart/form-data")
		}
		return dispute.Invalid(dispute.CodeValidationFailed, "file", "the body is not a well-formed multipart/form-data body")
	}
	var in dispute.NewEvidence
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return dispute.Invalid(dispute.CodeValidationFailed, "file", "is required")
		}
		if err != nil {
			return s.uploadReadError(err, "file")
		}
		// Each field once: with two, one of them would be dropped unseen.
		name := part.FormName()
		if seen[name] {
			return s.judgedLast(ctx, actor, id, dispute.Invalid(dispute.CodeValidationFailed, name, "is given more than once"))
		}
		seen[name] = true
		switch name {
		case "description":
			v, err := readField(part, "description")
			if err != nil {
				return s.uploadReadError(err, "description")
			}
			if !utf8.ValidString(v) {
				return s.judgedLast(ctx, actor, id, dispute.Invalid(dispute.CodeInvalidCharacter, "description", "is not valid UTF-8"))
			}
			in.Description = v
		case "internal":
			v, err := readField(part, "internal")
			if err != nil {
				return s.uploadReadError(err, "internal")
			}
			b, perr := strconv.ParseBool(strings.TrimSpace(v))
			if perr != nil {
				return s.judgedLast(ctx, actor, id, dispute.Invalid(dispute.CodeValidationFailed, "internal", "must be true or false"))
			}
			in.Internal = b
		case "file":
			e, err := s.storeEvidence(ctx, actor, id, in, part, mr)
			if err != nil {
				return err
			}
			c.Response().Header().Set(echo.HeaderLocation, "/v1/disputes/"+url.PathEscape(e.DisputeID)+"/evidence/"+url.PathEscape(e.ID))
			return c.JSON(http.StatusCreated, apiEvidence(e))
		default:
			return s.judgedLast(ctx, actor, id, dispute.Invalid(dispute.CodeUnknownField, part.FormName(), "is not a field of an upload (description, internal, file)"))
		}
	}
}

// judgedLast answers a refused form field, unless the caller may not see
// the dispute at all: that comes first (404), whatever the body.
func (s *Server) judgedLast(ctx context.Context, actor dispute.Actor, id string, err error) error {
	_, refusal := s.disputes.Get(ctx, actor, id)
	return firstOf(refusal, err)
}

// storeEvidence checks, stores and records the file of an upload.
func (s *Server) storeEvidence(ctx context.Context, actor dispute.Actor, id string, in dispute.NewEvidence, part *multipart.Part, mr *multipart.Reader) (*dispute.Evidence, error) {
	if err := s.evidence.CheckEvidence(ctx, actor, id, in); err != nil {
		return nil, err
	}
	in.Filename = evidence.SanitizeFilename(part.FileName())
	file := &capReader{r: part, left: s.evidenceMaxBytes}
	head := make([]byte, evidence.SniffLen)
	n, err := io.ReadFull(file, head)
	switch {
	case errors.Is(err, io.EOF):
		return nil, dispute.Invalid(dispute.CodeValidationFailed, "file", "is empty")
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, s.uploadReadError(err, "file")
	}
	head = head[:n]
	ct, ok := evidence.Sniff(head)
	if !ok {
		return nil, errUnsupportedFile("the file is none of JPEG, PNG, WebP, PDF or plain text")
	}
	clean := evidence.Clean(io.MultiReader(bytes.NewReader(head), file), ct)
	defer clean.Close()
	obj, err := s.blobs.Put(ctx, clean, s.evidenceMaxBytes)
	if err != nil {
		return nil, s.uploadReadError(err, "file")
	}
	if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, s.uploadReadError(err, "file")
		}
		return nil, dispute.Invalid(dispute.CodeValidationFailed, "file", "must be the last part of the body, and the only file")
	}
	in.ContentType, in.Size, in.SHA256 = ct, obj.Size, obj.Key
	return s.evidence.AddEvidence(ctx, actor, id, in)
}

// uploadReadError turns a failure to read or store an upload into the
// client's answer: too large, not the file it claims to be, or a body that
// cannot be read. Anything else is the service's own failure.
func (s *Server) uploadReadError(err error, field string) error {
	var tooLarge *blob.TooLargeError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge), errors.As(err, &maxBytes), errors.As(err, new(fileTooLarge)):
		return s.errUploadTooLarge()
	case errors.Is(err, evidence.ErrMalformed):
		return errUnsupportedFile("the file does not match its type: " + strings.TrimPrefix(err.Error(), evidence.ErrMalformed.Error()+": "))
	case errors.Is(err, evidence.ErrUnsupportedType):
		return errUnsupportedFile("the file is none of JPEG, PNG, WebP, PDF or plain text")
	case errors.Is(err, io.ErrUnexpectedEOF), isMultipartSyntax(err):
		return dispute.Invalid(dispute.CodeUnreadableBody, field, "the body ended early or is not well-formed multipart/form-data")
	}
	return err
}

// isMultipartSyntax reports an error of mime/multipart about the body's
// form, which the package does not export as values.
func isMultipartSyntax(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "multipart: ") || strings.Contains(msg, "malformed MIME header")
}

// readField reads a small form field.
func readField(part *multipart.Part, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxFieldBytes {
		return "", dispute.Invalid(dispute.CodeValidationFailed, name, "is too long")
	}
	return string(b), nil
}

func (s *Server) listEvidence(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	es, err := s.evidence.EvidenceList(c.Request().Context(), actorOf(c), c.Param("id"), page)
	if err != nil {
		return err
	}
	data, next := pageOf(es, limit, func(e *dispute.Evidence) []byte { return []byte(e.ID) })
	return c.JSON(http.StatusOK, apigen.EvidenceList{Data: mapAll(data, apiEvidence), NextCursor: next})
}

func (s *Server) getEvidence(c echo.Context) error {
	e, err := s.evidence.Evidence(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("evidence_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiEvidence(e))
}

// evidenceContent sends a file's bytes so that no browser renders them in
// the service's origin: as an attachment, with the type judged at upload
// and no sniffing, in a sandbox. The ETag is the content's SHA-256; ranges
// and conditional requests are answered by http.ServeContent.
func (s *Server) evidenceContent(c echo.Context) error {
	if s.blobs == nil {
		return dispute.Errorf(dispute.EUNAVAILABLE, dispute.CodeUnavailable, "no blob storage is configured")
	}
	e, err := s.evidence.Evidence(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("evidence_id"))
	if err != nil {
		return err
	}
	if e.PurgedAt != nil {
		return dispute.Errorf(dispute.ENOTFOUND, dispute.CodeNotFound, "the file was deleted at the end of its retention period")
	}
	// The content must be there, whole, before the answer begins: once
	// http.ServeContent has sent 200 and the length, a missing or short
	// blob could only cut the body off, and the client would take the
	// cut for a network failure and the service would log nothing.
	info, err := s.blobs.Stat(c.Request().Context(), e.SHA256)
	if err != nil {
		return fmt.Errorf("evidence %s: content %s: %w", e.ID, e.SHA256, err)
	}
	if info.Size != e.Size {
		return fmt.Errorf("evidence %s: content %s holds %d bytes, the row says %d", e.ID, e.SHA256, info.Size, e.Size)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, e.ContentType)
	h.Set(echo.HeaderContentDisposition, contentDisposition(e.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+e.SHA256+`"`)
	rs := s.blobs.ReadSeeker(c.Request().Context(), e.SHA256, e.Size)
	defer rs.Close()
	w := &rangeRefusal{ResponseWriter: c.Response()}
	http.ServeContent(w, c.Request(), "", e.CreatedAt, rs)
	if !w.refused {
		return nil
	}
	// Answer as every other error is answered; only the file's size
	// stays, in Content-Range.
	for _, k := range []string{echo.HeaderContentType, echo.HeaderContentDisposition, echo.HeaderContentLength, "Content-Security-Policy", "Cache-Control", "ETag", echo.HeaderLastModified} {
		h.Del(k)
	}
	return &statusError{status: http.StatusRequestedRangeNotSatisfiable, code: dispute.CodeRangeNotSatisfiable,
		detail: fmt.Sprintf("no range asked for lies within the file's %d bytes", e.Size)}
}

// rangeRefusal passes http.ServeContent's answer through, except a 416,
// which ServeContent writes as plain text: that one it holds back, so the
// handler can answer it as a problem.
type rangeRefusal struct {
	http.ResponseWriter
	refused bool
}

func (w *rangeRefusal) WriteHeader(status int) {
	if status == http.StatusRequestedRangeNotSatisfiable {
		w.refused = true
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *rangeRefusal) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// contentDisposition names a download: an ASCII fallback for old clients and
// the sanitised name in RFC 5987 encoding.
func contentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + url.PathEscape(name)
}
