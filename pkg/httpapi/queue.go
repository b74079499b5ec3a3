package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// queueStates maps the ?kind= of a queue to the states waiting in it.
var queueStates = map[string][]dispute.State{
	"":        {dispute.StateEscalated, dispute.StateAppealed},
	"cases":   {dispute.StateEscalated},
	"appeals": {dispute.StateAppealed},
}

func (s *Server) queue(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	after, err := queueCursor(cursor)
	if err != nil {
		return err
	}
	// checkQuery has refused unknown kinds and teams; repeated, they mean
	// any of them.
	states := queueStates[""]
	if kinds := queryValues(c, "kind"); len(kinds) > 0 {
		states = nil
		for _, k := range kinds {
			states = append(states, queueStates[k]...)
		}
	}
	a := actorOf(c)
	teams := a.Teams
	if ts := enumsOf[dispute.Team](queryValues(c, "team")); len(ts) > 0 {
		teams = ts
	}
	if len(teams) == 0 && a.Staff() {
		return dispute.Invalid(dispute.CodeTeamRequired, "team", "is required for callers who belong to no team")
	}
	ds, err := s.queues.Queue(c.Request().Context(), a, dispute.QueueFilter{Teams: teams, States: states, Limit: limit + 1, After: after})
	if err != nil {
		return err
	}
	counts, err := s.queues.QueueCounts(c.Request().Context(), a, teams, states)
	if err != nil {
		return err
	}
	// Only the shown cases are rendered; one more tells there is a next page.
	shown := ds
	var next *string
	if len(ds) > limit {
		shown = ds[:limit]
		last := ds[limit-1]
		next = encodeCursor(encodeQueueCursor(dispute.QueueCursor{Priority: last.Priority, DueAt: timeOf(last.ReviewDueAt), ID: last.ID}))
	}
	views, err := s.views(c, shown)
	if err != nil {
		return err
	}
	out := apigen.QueuePage{Data: views, Summary: mapAll(counts, apiQueueCount), NextCursor: next}
	return c.JSON(http.StatusOK, out)
}

// claim assigns the caller the next waiting case: 200 with it, 204 if none.
func (s *Server) claim(c echo.Context) error {
	var b apigen.ClaimRequest
	if err := s.decode(c, &b, true); err != nil {
		return err
	}
	d, err := s.queues.Claim(c.Request().Context(), actorOf(c), dispute.ClaimInput{Team: dispute.Team(b.Team), Kind: dispute.ClaimKind(b.Kind)})
	if dispute.ErrorReason(err) == dispute.CodeQueueEmpty {
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		return err
	}
	return s.respondDispute(c, http.StatusOK, d)
}
