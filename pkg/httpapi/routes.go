package httpapi

import "github.com/opendispute/disputes/pkg/dispute"

// routes registers every route. The OpenAPI document in api/ lists the same
// set; a test keeps the two equal.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.yaml", s.openAPI)
	e.GET("/docs", s.docs)

	v1 := e.Group("/v1", validParams, s.authenticate, s.idempotent)
	v1.PUT("/orders/:order_id", s.putOrder)
	v1.GET("/orders/:order_id", s.getOrder)

	v1.POST("/disputes", s.openDispute)
	v1.GET("/disputes", s.listDisputes)
	v1.GET("/disputes/:id", s.getDispute)
	for _, ev := range dispute.UserEvents {
		v1.POST("/disputes/:id/"+ev.Action(), s.act(ev))
	}
	v1.GET("/disputes/:id/timeline", s.timeline)
	v1.GET("/disputes/:id/messages", s.listMessages)
	v1.POST("/disputes/:id/messages", s.postMessage)
	v1.GET("/disputes/:id/audit", s.auditLog)
	v1.GET("/disputes/:id/audit/verify", s.verifyAudit)
	v1.POST("/disputes/:id/feedback", s.giveFeedback)
	v1.GET("/disputes/:id/remedies", s.disputeRemedies)
	v1.GET("/remedies", s.listRemedies)
	v1.POST("/remedies/:id/executed", s.reportRemedy(dispute.InstructionExecuted))
	v1.POST("/remedies/:id/failed", s.reportRemedy(dispute.InstructionFailed))
	v1.GET("/feedback/figures", s.feedbackFigures)

	v1.GET("/contact-options", s.contactOptions)

	v1.GET("/queue", s.queue)
	v1.POST("/queue/claim", s.claim)
}
