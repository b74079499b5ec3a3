package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

const (
	defaultLimit = 50
	maxPageLimit = 200
)

// list is the envelope of every list response.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

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

// page answers a list: items holds up to limit+1 entries; the extra one only
// says that a next page exists.
func page[T any](c echo.Context, items []T, limit int, cursorOf func(T) []byte) error {
	out := list[T]{Data: items}
	if len(items) > limit {
		out.Data = items[:limit]
		out.NextCursor = encodeCursor(cursorOf(items[limit-1]))
	}
	if out.Data == nil {
		out.Data = []T{}
	}
	return c.JSON(http.StatusOK, out)
}

func queueCursor(b []byte) (*dispute.QueueCursor, error) {
	if b == nil {
		return nil, nil
	}
	var qc dispute.QueueCursor
	if err := json.Unmarshal(b, &qc); err != nil || !identPattern.MatchString(qc.ID) || qc.Priority < 0 || qc.Priority > 1000 ||
		qc.DueAt.Year() < 1 || qc.DueAt.Year() > 9999 {
		return nil, dispute.Invalid(dispute.CodeInvalidCursor, "cursor", "is not a cursor this API returned")
	}
	return &qc, nil
}

// idCursor checks a cursor that is the id of the last item of a page.
func idCursor(b []byte) (string, error) {
	if b == nil {
		return "", nil
	}
	if !identPattern.Match(b) {
		return "", dispute.Invalid(dispute.CodeInvalidCursor, "cursor", "is not a cursor this API returned")
	}
	return string(b), nil
}
