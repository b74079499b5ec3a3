package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers 200 while the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers, 503 otherwise.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if s.db != nil {
		if err := s.db.Ping(ctx); err != nil {
			s.log.Warn("readiness check failed", "err", err)
			c.Response().Header().Set("Retry-After", "5")
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready", "database": "ok"})
}

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", s.openapi)
}

// docsPage renders the OpenAPI document with Redoc.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Disputes API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<noscript>The API reference needs JavaScript; the raw document is at <a href="/openapi.yaml">/openapi.yaml</a>.</noscript>
<redoc spec-url="/openapi.yaml"></redoc>
<script src="https://cdn.redoc.ly/redoc/v2.1.5/bundles/redoc.standalone.js"></script>
</body>
</html>
`

func (s *Server) docs(c echo.Context) error {
	return c.HTML(http.StatusOK, docsPage)
}
