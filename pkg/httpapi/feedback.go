package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// giveFeedback records a party's "was this helpful?" answer on a closed dispute.
func (s *Server) giveFeedback(c echo.Context) error {
	var b apigen.FeedbackRequest
	if err := s.decode(c, &b, false); err != nil {
		return err
	}
	f, err := s.feedback.GiveFeedback(c.Request().Context(), actorOf(c), c.Param("id"), int(b.Rating), b.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiFeedback(f))
}

// feedbackFigures answers satisfaction per team and reason to staff.
func (s *Server) feedbackFigures(c echo.Context) error {
	figs, err := s.feedback.FeedbackFigures(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apigen.FeedbackFigures{Data: mapAll(figs, apiFeedbackFigure)})
}
