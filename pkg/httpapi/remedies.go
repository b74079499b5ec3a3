package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// listRemedies lists remedy instructions for the marketplace's systems and
// staff: ?status=pending is the queue of work to carry out.
func (s *Server) listRemedies(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	// checkQuery has refused unknown statuses; repeated, they mean any.
	f := dispute.InstructionFilter{Statuses: enumsOf[dispute.InstructionStatus](queryValues(c, "status")), Page: page}
	// One dispute: the list of that dispute (a party's too). Several
	// (repeated): the instructions of any of them, for staff and systems.
	ids := queryValues(c, "dispute_id")
	if len(ids) > 100 {
		return dispute.Invalid(dispute.CodeInvalidFilter, "dispute_id", "may be given at most 100 times")
	}
	for _, id := range ids {
		if !identPattern.MatchString(id) {
			return dispute.Invalid(dispute.CodeInvalidFilter, "dispute_id", "is not a dispute id")
		}
	}
	if len(ids) == 1 {
		f.DisputeID = ids[0]
	} else {
		f.DisputeIDs = ids
	}
	ins, err := s.remedies.Instructions(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	data, next := pageOf(ins, limit, func(in *dispute.Instruction) []byte { return []byte(in.ID) })
	return c.JSON(http.StatusOK, apigen.InstructionPage{Data: mapAll(data, apiInstruction), NextCursor: next})
}

// disputeRemedies lists a dispute's remedy instructions as the caller may see them.
func (s *Server) disputeRemedies(c echo.Context) error {
	ins, err := s.remedies.Instructions(c.Request().Context(), actorOf(c), dispute.InstructionFilter{DisputeID: c.Param("id")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apigen.InstructionList{Data: mapAll(ins, apiInstruction)})
}

// reportRemedy returns the handler that records an instruction's result.
func (s *Server) reportRemedy(status dispute.InstructionStatus) echo.HandlerFunc {
	return func(c echo.Context) error {
		var detail string
		var err error
		if status == dispute.InstructionFailed {
			var b apigen.RemedyFailedRequest
			err = s.decode(c, &b, false)
			detail = b.Detail
		} else {
			var b apigen.RemedyExecutedRequest
			err = s.decode(c, &b, true)
			detail = b.Detail
		}
		if err != nil {
			return firstOf(s.remedies.MayReport(c.Request().Context(), actorOf(c), c.Param("id")), err)
		}
		in, err := s.remedies.ReportInstruction(c.Request().Context(), actorOf(c), c.Param("id"), status, detail)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, apiInstruction(in))
	}
}
