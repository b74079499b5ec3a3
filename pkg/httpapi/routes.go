package httpapi

import (
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/dispute"
)

// routes registers every route. The OpenAPI document in api/ lists the same
// set; a test keeps the two equal.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.yaml", s.openAPI)
	e.GET("/docs", s.docs)
	e.GET("/docs/redoc.standalone.js", s.docsScript)

	// Failed authentications are counted around authenticate; the
	// per-caller request limit needs the authenticated caller.
	v1 := v1Group{g: e.Group("/v1"), mw: []echo.MiddlewareFunc{validParams, s.limitAuthFailures, s.authenticate, s.limitRequests, s.idempotent}}
	v1.PUT("/orders/:order_id", s.putOrder)
	v1.GET("/orders/:order_id", s.getOrder)

	v1.POST("/disputes", s.openDispute)
	v1.GET("/disputes", s.page(s.listDisputes), paged(filterParam("state", stateValues), filterParam("team", teamValues),
		filterParam("reason", reasonValues), filterParam("assignee", nil), filterParam("order_id", nil),
		filterParam("buyer_id", nil), filterParam("seller_id", nil), filterParam("party_id", nil),
		dateParam("created_after"), dateParam("created_before"), inputParam("q", nil))...)
	v1.GET("/disputes/:id", s.getDispute)
	for _, ev := range dispute.UserEvents {
		v1.POST("/disputes/:id/"+ev.Action(), s.act(ev))
	}
	v1.GET("/disputes/:id/timeline", s.timeline)
	v1.GET("/disputes/:id/messages", s.listMessages, pagingParams...)
	v1.POST("/disputes/:id/messages", s.postMessage)
	v1.POST("/disputes/:id/evidence", s.postEvidence)
	v1.GET("/disputes/:id/evidence", s.listEvidence, pagingParams...)
	v1.GET("/disputes/:id/evidence/:evidence_id", s.getEvidence)
	v1.GET("/disputes/:id/evidence/:evidence_id/content", s.evidenceContent)
	v1.GET("/disputes/:id/audit", s.auditLog)
	v1.GET("/disputes/:id/audit/verify", s.verifyAudit)
	v1.POST("/disputes/:id/feedback", s.giveFeedback)
	v1.GET("/disputes/:id/remedies", s.disputeRemedies)
	v1.GET("/remedies", s.page(s.listRemedies), paged(filterParam("status", instructionValues),
		queryParam{name: "dispute_id", reason: dispute.CodeInvalidFilter, many: true})...)
	v1.POST("/remedies/:id/executed", s.reportRemedy(dispute.InstructionExecuted))
	v1.POST("/remedies/:id/failed", s.reportRemedy(dispute.InstructionFailed))
	v1.GET("/feedback/figures", s.feedbackFigures)
	v1.GET("/disputes/:id/statement-of-reasons", s.statementOfReasons, inputParam("addressee", addresseeValues))
	v1.GET("/statements-of-reasons", s.page(s.listStatements), paged(filterParam("status", statementValues))...)
	v1.GET("/users/:user_id/history", s.userHistory)
	v1.GET("/reports/transparency", s.transparencyReport, inputParam("from", nil), inputParam("to", nil))

	v1.GET("/contact-options", s.contactOptions, inputParam("dispute_id", nil), inputParam("reason", reasonValues),
		inputParam("item_count", nil), inputParam("language", languageValues), inputParam("at", nil))

	v1.POST("/api-keys", s.createAPIKey)
	v1.GET("/api-keys", s.listAPIKeys, paged(queryParam{name: "seller_id", reason: dispute.CodeInvalidFilter})...)
	v1.DELETE("/api-keys/:id", s.revokeAPIKey)
	v1.GET("/events", s.page(s.events), queryParam{name: "after", reason: dispute.CodeInvalidCursor}, limitParam)
	v1.POST("/webhooks", s.createWebhook)
	v1.GET("/webhooks", s.listWebhooks)
	v1.GET("/webhooks/:id", s.getWebhook)
	v1.DELETE("/webhooks/:id", s.deleteWebhook)
	v1.GET("/webhooks/:id/deliveries", s.listDeliveries, pagingParams...)
	v1.POST("/webhooks/:id/deliveries/:delivery_id/redeliver", s.redeliver)

	v1.GET("/queue", s.page(s.queue), paged(filterParam("team", teamValues), filterParam("kind", queueKindValues))...)
	v1.POST("/queue/claim", s.claim)
}

// v1Group puts the /v1 middleware on each route rather than on the group:
// group middleware makes echo add catch-all routes under /v1, and those
// answer 404 where the path exists with other methods (which is a 405).
// Each route names the query parameters it takes (none unless given), and
// checkQuery, the last middleware, refuses any other (see query.go).
type v1Group struct {
	g  *echo.Group
	mw []echo.MiddlewareFunc
}

// with returns the middleware of a route that takes the query parameters.
func (v v1Group) with(params []queryParam) []echo.MiddlewareFunc {
	return append(slices.Clip(v.mw), checkQuery(params))
}

func (v v1Group) GET(path string, h echo.HandlerFunc, params ...queryParam) *echo.Route {
	return v.g.GET(path, h, v.with(params)...)
}

func (v v1Group) POST(path string, h echo.HandlerFunc, params ...queryParam) *echo.Route {
	return v.g.POST(path, h, v.with(params)...)
}

func (v v1Group) PUT(path string, h echo.HandlerFunc, params ...queryParam) *echo.Route {
	return v.g.PUT(path, h, v.with(params)...)
}

func (v v1Group) PATCH(path string, h echo.HandlerFunc, params ...queryParam) *echo.Route {
	return v.g.PATCH(path, h, v.with(params)...)
}

func (v v1Group) DELETE(path string, h echo.HandlerFunc, params ...queryParam) *echo.Route {
	return v.g.DELETE(path, h, v.with(params)...)
}
