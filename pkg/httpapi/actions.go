package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// commands decodes each action's body into its command.
var commands = map[dispute.Event]func(s *Server, c echo.Context) (dispute.Command, error){
	dispute.EventSellerReply: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.SellerReplyRequest
		err := s.decode(c, &b, false)
		cmd := dispute.Command{Message: b.Message}
		if b.Offer != nil {
			cmd.Offer = &dispute.OfferInput{Remedies: domainRemedies(b.Offer.Remedies)}
		}
		return cmd, err
	},
	dispute.EventBuyerReply:    decodeMessage,
	dispute.EventProvideInfo:   decodeMessage,
	dispute.EventAcceptOffer:   decodeEmpty,
	dispute.EventAcceptClaim:   decodeEmpty,
	dispute.EventRelease:       decodeEmpty,
	dispute.EventReleaseAppeal: decodeEmpty,
	dispute.EventEscalate: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.EscalateRequest
		err := s.decode(c, &b, false)
		return dispute.Command{Reason: b.Reason}, err
	},
	dispute.EventWithdraw: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.WithdrawRequest
		err := s.decode(c, &b, true)
		return dispute.Command{Reason: b.Reason}, err
	},
	dispute.EventAppeal: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.AppealRequest
		err := s.decode(c, &b, false)
		return dispute.Command{Reason: b.Reason}, err
	},
	dispute.EventAssign:       decodeAssign,
	dispute.EventAssignAppeal: decodeAssign,
	dispute.EventRequestInfo: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.RequestInfoRequest
		err := s.decode(c, &b, false)
		return dispute.Command{Party: dispute.Party(b.Party), Question: b.Question, DueAt: b.DueAt}, err
	},
	dispute.EventDecide: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.DecideRequest
		err := s.decode(c, &b, false)
		return dispute.Command{Remedies: domainRemedies(b.Remedies), Rationale: b.Rationale, PolicyRefs: b.PolicyRefs, FavouredParty: dispute.Party(b.FavouredParty),
			Basis: domainBasis(b.Ground, b.Category, b.AutomatedDetection, b.AutomatedDecision, b.TerritorialScope)}, err
	},
	dispute.EventDecideAppeal: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b apigen.DecideAppealRequest
		err := s.decode(c, &b, false)
		return dispute.Command{Verdict: dispute.Verdict(b.Verdict), Rationale: b.Rationale, Remedies: domainRemedies(b.Remedies),
			Basis: domainBasis(b.Ground, b.Category, b.AutomatedDetection, b.AutomatedDecision, b.TerritorialScope)}, err
	},
}

func decodeMessage(s *Server, c echo.Context) (dispute.Command, error) {
	var b apigen.MessageRequest
	err := s.decode(c, &b, false)
	return dispute.Command{Message: b.Message}, err
}

func decodeEmpty(s *Server, c echo.Context) (dispute.Command, error) {
	var b apigen.EmptyRequest
	return dispute.Command{}, s.decode(c, &b, true)
}

func decodeAssign(s *Server, c echo.Context) (dispute.Command, error) {
	var b apigen.AssignRequest
	err := s.decode(c, &b, true)
	return dispute.Command{AssigneeID: b.AssigneeID}, err
}

// act returns the handler of one action: POST /v1/disputes/{id}/{action}.
func (s *Server) act(ev dispute.Event) echo.HandlerFunc {
	decode := commands[ev]
	return func(c echo.Context) error {
		version, err := ifMatch(c)
		if err != nil {
			return err
		}
		cmd, err := decode(s, c)
		if err != nil {
			// The payload is judged last: who may not act on the dispute
			// now is told that, whatever they sent.
			return firstOf(s.disputes.MayAct(c.Request().Context(), actorOf(c), c.Param("id"), ev), err)
		}
		cmd.Event = ev
		d, err := s.disputes.Act(c.Request().Context(), actorOf(c), c.Param("id"), cmd, version)
		if err != nil {
			return err
		}
		return s.respondDispute(c, http.StatusOK, d)
	}
}

// firstOf returns refusal if there is one, else err: the refusal a request
// meets whatever its body comes before the body's own errors.
func firstOf(refusal, err error) error {
	if refusal != nil {
		return refusal
	}
	return err
}
