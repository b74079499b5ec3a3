package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

// statementOfReasons answers the latest statement of reasons of a dispute
// for the caller: its own as the restricted party, any for staff.
func (s *Server) statementOfReasons(c echo.Context) error {
	st, err := s.statements.StatementOfReasons(c.Request().Context(), actorOf(c), c.Param("id"), dispute.Party(c.QueryParam("addressee")))
	if err != nil {
		return err
	}
	contentLanguage(c, st.Language)
	return c.JSON(http.StatusOK, apiStatement(st))
}

// listStatements lists the statements of reasons, the outbox of their
// submission to the Transparency Database, for leads and admins.
func (s *Server) listStatements(c echo.Context) error {
	page, limit, err := idPage(c)
	if err != nil {
		return err
	}
	// checkQuery has refused unknown statuses; repeated, they mean any.
	f := dispute.StatementFilter{Statuses: enumsOf[dispute.StatementStatus](queryValues(c, "status")), Page: page}
	sts, err := s.statements.Statements(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	data, next := pageOf(sts, limit, func(st *dispute.StatementRecord) []byte { return []byte(st.ID) })
	return c.JSON(http.StatusOK, apigen.StatementOfReasonsPage{Data: mapAll(data, apiStatement), NextCursor: next})
}

func apiStatement(st *dispute.StatementRecord) apigen.StatementOfReasons {
	out := apigen.StatementOfReasons{
		ID: st.ID, DisputeID: st.DisputeID, Addressee: apigen.StatementAddressee(st.Addressee), DecidedAt: st.DecidedAt,
		OnAppeal: st.OnAppeal, Language: apigen.Language(st.Language), Tdb: apiTDB(st.TDB), Text: st.Text,
		Status: apigen.StatementStatus(st.Status), Attempts: int32(min(st.Attempts, 1<<31-1)), TdbID: st.TDBID, Error: st.Error, CreatedAt: st.CreatedAt,
	}
	r := st.Redress
	out.Redress.InternalAppeal.Available = r.InternalAppeal
	if r.AppealUntil != nil {
		out.Redress.InternalAppeal.Until = *r.AppealUntil
	}
	out.Redress.OutOfCourt.Country = r.Country
	out.Redress.OutOfCourt.Bodies = []apigen.SettlementBody{}
	for _, b := range r.Bodies {
		out.Redress.OutOfCourt.Bodies = append(out.Redress.OutOfCourt.Bodies, apigen.SettlementBody{Name: b.Name, URL: b.URL})
	}
	out.Redress.Courts = r.Courts
	return out
}

func apiTDB(t dispute.TDBStatement) apigen.TDBStatement {
	out := apigen.TDBStatement{
		DecisionMonetary: t.DecisionMonetary, DecisionProvision: apigen.TDBStatementDecisionProvision(t.DecisionProvision),
		DecisionAccount: apigen.TDBStatementDecisionAccount(t.DecisionAccount), DecisionGround: apigen.TDBStatementDecisionGround(t.DecisionGround),
		IllegalContentLegalGround: t.IllegalContentLegalGround, IllegalContentExplanation: t.IllegalContentExplanation,
		IncompatibleContentGround: t.IncompatibleContentGround, IncompatibleContentExplanation: t.IncompatibleContentExplanation,
		ContentTypeOther: t.ContentTypeOther, Category: apigen.TDBCategory(t.Category),
		ContentDate: t.ContentDate, ApplicationDate: t.ApplicationDate,
		EndDateAccountRestriction: t.EndDateAccountRestriction, EndDateServiceRestriction: t.EndDateServiceRestriction,
		EndDateVisibilityRestriction: t.EndDateVisibilityRestriction, DecisionFacts: t.DecisionFacts,
		SourceType: apigen.TDBStatementSourceType(t.SourceType), AutomatedDetection: apigen.TDBStatementAutomatedDetection(t.AutomatedDetection),
		AutomatedDecision: apigen.TDBStatementAutomatedDecision(t.AutomatedDecision), Puid: t.PUID,
	}
	for _, v := range t.DecisionVisibility {
		out.DecisionVisibility = append(out.DecisionVisibility, apigen.TDBStatementDecisionVisibility(v))
	}
	for _, v := range t.ContentType {
		out.ContentType = append(out.ContentType, apigen.TDBStatementContentType(v))
	}
	for _, v := range t.TerritorialScope {
		out.TerritorialScope = append(out.TerritorialScope, apigen.TerritorialCountry(v))
	}
	return out
}
