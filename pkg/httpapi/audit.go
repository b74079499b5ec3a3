package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/httpapi/apigen"
)

func (s *Server) auditLog(c echo.Context) error {
	rs, err := s.audits.Audit(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apigen.AuditLog{Data: mapAll(rs, apiAuditRecord)})
}

func (s *Server) verifyAudit(c echo.Context) error {
	v, err := s.audits.VerifyAudit(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiVerification(v))
}
