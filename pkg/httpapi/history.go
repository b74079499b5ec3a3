package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// userHistory answers a user's record to staff.
func (s *Server) userHistory(c echo.Context) error {
	// validParams has answered 404 to an id that is no user id.
	h, err := s.parties.UserHistory(c.Request().Context(), actorOf(c), c.Param("user_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiUserHistory(h))
}

func apiUserHistory(h *dispute.UserHistory) apigen.UserHistory {
	out := apigen.UserHistory{
		UserID: h.UserID, AsBuyer: apiSideRecord(h.AllTime.AsBuyer), AsSeller: apiSideRecord(h.AllTime.AsSeller),
		RemediesAgainst: apiRemediesAgainst(h.AllTime.RemediesAgainst),
		Strikes:         apigen.Strikes{Active: int64(h.Strikes.Active), Total: int64(h.Strikes.Total), NextExpiry: timeOf(h.Strikes.NextExpiry)},
		RepeatOffender:  h.RepeatOffender, RestrictionsActive: []apigen.ActiveRestriction{},
		Last90Days: apigen.RecentRecord{AsBuyer: apiSideRecord(h.Recent.AsBuyer), AsSeller: apiSideRecord(h.Recent.AsSeller),
			RemediesAgainst: apiRemediesAgainst(h.Recent.RemediesAgainst)},
	}
	for _, r := range h.RestrictionsActive {
		out.RestrictionsActive = append(out.RestrictionsActive, apigen.ActiveRestriction{InstructionID: r.InstructionID, DisputeID: r.DisputeID,
			Type: apigen.ActiveRestrictionType(r.Type), Until: timeOf(r.Until)})
	}
	return out
}

func apiSideRecord(r dispute.PartyRecord) apigen.SideRecord {
	return apigen.SideRecord{Opened: int64(r.Opened), OpenNow: int64(r.OpenNow), DecidedFor: int64(r.DecidedFor),
		DecidedAgainst: int64(r.DecidedAgainst), DecidedSplit: int64(r.DecidedSplit), Settled: int64(r.Settled), Withdrawn: int64(r.Withdrawn)}
}

func apiRemediesAgainst(m map[dispute.RemedyType]int) apigen.RemediesAgainst {
	return apigen.RemediesAgainst{
		RefundFull: int64(m[dispute.RemedyRefundFull]), RefundPartial: int64(m[dispute.RemedyRefundPartial]),
		OrderCancellation: int64(m[dispute.RemedyOrderCancellation]), ListingRemoval: int64(m[dispute.RemedyListingRemoval]),
		AccountSuspension: int64(m[dispute.RemedyAccountSuspension]), AccountRestriction: int64(m[dispute.RemedyAccountRestriction]),
		LawEnforcementReferral: int64(m[dispute.RemedyLawEnforcementReferral]),
	}
}

func apiPartyRecord(p dispute.PartyContext) apigen.PartyRecord {
	return apigen.PartyRecord{Opened: int64(p.Opened), DecidedAgainst: int64(p.DecidedAgainst), ActiveStrikes: int64(p.ActiveStrikes), RepeatOffender: p.RepeatOffender}
}
