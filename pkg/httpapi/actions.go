package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

type remedyBody struct {
	Type      string     `json:"type" validate:"required,oneof=refund_full refund_partial order_cancellation listing_removal account_suspension account_restriction law_enforcement_referral no_action"`
	Amount    *moneyBody `json:"amount"`
	ListingID string     `json:"listing_id" validate:"omitempty,ident"`
	Party     string     `json:"party" validate:"omitempty,oneof=buyer seller"`
	Until     *time.Time `json:"until"`
	Scope     string     `json:"scope" validate:"omitempty,max=64"`
	Category  string     `json:"category" validate:"omitempty,oneof=counterfeit fraud stolen_goods other"`
	Authority string     `json:"authority" validate:"omitempty,max=256"`
}

func remedies(bs []remedyBody) []dispute.Remedy {
	if bs == nil {
		return nil
	}
	out := make([]dispute.Remedy, len(bs))
	for i, b := range bs {
		out[i] = dispute.Remedy{
			Type: dispute.RemedyType(b.Type), Amount: b.Amount.money(), ListingID: b.ListingID,
			Party: dispute.Party(b.Party), Until: b.Until, Scope: b.Scope, Category: b.Category, Authority: b.Authority,
		}
	}
	return out
}

type offerBody struct {
	Remedies []remedyBody `json:"remedies" validate:"required,min=1,max=10,dive"`
}

type sellerReplyBody struct {
	Message string     `json:"message" validate:"required_without=Offer,max=10000"`
	Offer   *offerBody `json:"offer"`
}

type messageBody struct {
	Message string `json:"message" validate:"required,max=10000"`
}

type reasonBody struct {
	Reason string `json:"reason" validate:"max=2000"`
}

type requiredReasonBody struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

type assignBody struct {
	AssigneeID string `json:"assignee_id" validate:"omitempty,ident"`
}

type emptyBody struct{}

type requestInfoBody struct {
	Party    string     `json:"party" validate:"required,oneof=buyer seller"`
	Question string     `json:"question" validate:"required,max=10000"`
	DueAt    *time.Time `json:"due_at"`
}

type decideBody struct {
	Remedies      []remedyBody `json:"remedies" validate:"required,min=1,max=10,dive"`
	Rationale     string       `json:"rationale" validate:"required,max=20000"`
	PolicyRefs    []string     `json:"policy_refs" validate:"required,min=1,max=20,dive,required,max=128"`
	FavouredParty string       `json:"favoured_party" validate:"required,oneof=buyer seller split"`
}

type decideAppealBody struct {
	Verdict   string       `json:"verdict" validate:"required,oneof=upheld overturned modified"`
	Rationale string       `json:"rationale" validate:"required,max=20000"`
	Remedies  []remedyBody `json:"remedies" validate:"required_if=Verdict modified,max=10,dive"`
}

// commands decodes each action's body into its command.
var commands = map[dispute.Event]func(s *Server, c echo.Context) (dispute.Command, error){
	dispute.EventSellerReply: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b sellerReplyBody
		err := s.decode(c, &b, false)
		cmd := dispute.Command{Message: b.Message}
		if b.Offer != nil {
			cmd.Offer = &dispute.OfferInput{Remedies: remedies(b.Offer.Remedies)}
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
		var b requiredReasonBody
		err := s.decode(c, &b, false)
		return dispute.Command{Reason: b.Reason}, err
	},
	dispute.EventWithdraw: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b reasonBody
		err := s.decode(c, &b, true)
		return dispute.Command{Reason: b.Reason}, err
	},
	dispute.EventAppeal: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b requiredReasonBody
		err := s.decode(c, &b, false)
		return dispute.Command{Reason: b.Reason}, err
	},
	dispute.EventAssign:       decodeAssign,
	dispute.EventAssignAppeal: decodeAssign,
	dispute.EventRequestInfo: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b requestInfoBody
		err := s.decode(c, &b, false)
		return dispute.Command{Party: dispute.Party(b.Party), Question: b.Question, DueAt: b.DueAt}, err
	},
	dispute.EventDecide: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b decideBody
		err := s.decode(c, &b, false)
		return dispute.Command{Remedies: remedies(b.Remedies), Rationale: b.Rationale, PolicyRefs: b.PolicyRefs, FavouredParty: dispute.Party(b.FavouredParty)}, err
	},
	dispute.EventDecideAppeal: func(s *Server, c echo.Context) (dispute.Command, error) {
		var b decideAppealBody
		err := s.decode(c, &b, false)
		return dispute.Command{Verdict: dispute.Verdict(b.Verdict), Rationale: b.Rationale, Remedies: remedies(b.Remedies)}, err
	},
}

func decodeMessage(s *Server, c echo.Context) (dispute.Command, error) {
	var b messageBody
	err := s.decode(c, &b, false)
	return dispute.Command{Message: b.Message}, err
}

func decodeEmpty(s *Server, c echo.Context) (dispute.Command, error) {
	var b emptyBody
	return dispute.Command{}, s.decode(c, &b, true)
}

func decodeAssign(s *Server, c echo.Context) (dispute.Command, error) {
	var b assignBody
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
			return err
		}
		cmd.Event = ev
		d, err := s.svc.Act(c.Request().Context(), actorOf(c), c.Param("id"), cmd, version)
		if err != nil {
			return err
		}
		return s.respondDispute(c, http.StatusOK, d)
	}
}
