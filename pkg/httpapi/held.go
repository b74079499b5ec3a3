package httpapi

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"
)

// heldResponse holds a response's status and body in memory until sendTo
// writes them out: a keyed request's answer until its unit of work has
// committed (idempotent), a page read's until its slot is free (page). Its
// header map is its own, or the real response's when the two share it. The
// body's memory comes from answerBuffers and goes back there once sent.
type heldResponse struct {
	header http.Header
	status int
	buf    *[]byte
	body   []byte
}

// answerBuffers are the memory of held responses, used again and again: a
// page is tens of kilobytes, allocated anew for every answer otherwise.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledAnswer is the largest buffer kept for another answer; larger
// ones, rare, are left to the garbage collector.
const maxPooledAnswer = 1 << 20

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	if h.buf == nil {
		h.buf = answerBuffers.Get().(*[]byte)
		h.body = (*h.buf)[:0]
	}
	h.body = append(h.body, b...)
	return len(b), nil
}

// sendTo writes the held response, if anything was written, to w, with its
// length, and gives its memory back. The body must not be used after.
func (h *heldResponse) sendTo(w http.ResponseWriter) error {
	if h.status == 0 {
		return nil
	}
	defer h.release()
	out := w.Header()
	for name, vs := range h.header {
		out[name] = vs
	}
	if len(h.body) > 0 && out.Get(echo.HeaderContentLength) == "" {
		out.Set(echo.HeaderContentLength, strconv.Itoa(len(h.body)))
	}
	w.WriteHeader(h.status)
	if len(h.body) == 0 {
		return nil
	}
	_, err := w.Write(h.body)
	return err
}

// release gives the body's memory back for another answer.
func (h *heldResponse) release() {
	if h.buf == nil {
		return
	}
	if cap(h.body) <= maxPooledAnswer {
		*h.buf = h.body[:0]
		answerBuffers.Put(h.buf)
	}
	h.buf, h.body = nil, nil
}
