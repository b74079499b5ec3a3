package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

const (
	defaultLimit = 50
	maxPageLimit = 200
)

// pageParams reads ?limit= and ?cursor=; the cursor is opaque to clients.
func pageParams(c echo.Context) (limit int, cursor []byte, err error) {
	limit = defaultLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageLimit {
			return 0, nil, dispute.Invalid(dispute.CodeInvalidLimit, "limit", "must be an integer from 1 to 200")
		}
		limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		cursor, err = base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(cursor) == 0 || len(cursor) > 512 {
			return 0, nil, dispute.Invalid(dispute.CodeInvalidCursor, "cursor", "is not a cursor this API returned")
		}
	}
	return limit, cursor, nil
}

func encodeCursor(b []byte) *string {
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// pageOf cuts a page of a list: items holds up to limit+1 entries; the
// extra one only says that a next page exists, whose cursor is returned
// (nil on the last page).
func pageOf[T any](items []T, limit int, cursorOf func(T) []byte) ([]T, *string) {
	if len(items) > limit {
		return items[:limit], encodeCursor(cursorOf(items[limit-1]))
	}
	if items == nil {
		items = []T{}
	}
	return items, nil
}

// queueCursorJSON is the content of a queue's cursor, opaque to clients:
// the position of the last case of a page.
type queueCursorJSON struct {
	Priority int       `json:"p"`
	DueAt    time.Time `json:"d"`
	ID       string    `json:"i"`
}

func encodeQueueCursor(qc dispute.QueueCursor) []byte {
	b, _ := json.Marshal(queueCursorJSON{Priority: qc.Priority, DueAt: qc.DueAt, ID: qc.ID}) // cannot fail
	return b
}

func queueCursor(b []byte) (*dispute.QueueCursor, error) {
	if b == nil {
		return nil, nil
	}
	var qc queueCursorJSON
	if err := json.Unmarshal(b, &qc); err != nil || !identPattern.MatchString(qc.ID) || qc.Priority < 0 || qc.Priority > 1000 ||
		qc.DueAt.Year() < 1 || qc.DueAt.Year() > 9999 {
		return nil, dispute.Invalid(dispute.CodeInvalidCursor, "cursor", "is not a cursor this API returned")
	}
	return &dispute.QueueCursor{Priority: qc.Priority, DueAt: qc.DueAt, ID: qc.ID}, nil
}

// idCursor checks a cursor that is the id of the last item of a page.
// idPage reads the page a list of id-ordered items asks for: one item more
// than the limit (to know whether a next page exists) after the cursor's id.
func idPage(c echo.Context) (dispute.Page, int, error) {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return dispute.Page{}, 0, err
	}
	after, err := idCursor(cursor)
	if err != nil {
		return dispute.Page{}, 0, err
	}
	return dispute.Page{Limit: limit + 1, After: after}, limit, nil
}

func idCursor(b []byte) (string, error) {
	if b == nil {
		return "", nil
	}
	if !identPattern.Match(b) {
		return "", dispute.Invalid(dispute.CodeInvalidCursor, "cursor", "is not a cursor this API returned")
	}
	return string(b), nil
}
