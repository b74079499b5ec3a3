package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/opendispute/disputes/pkg/httpapi/docsasset"
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

// docsPage renders the OpenAPI document with Redoc, whose script the binary
// serves itself: the page loads nothing from another host.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Disputes API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="alternate" type="application/yaml" href="/openapi.yaml" title="OpenAPI document">
</head>
<body>
<p style="margin:0;padding:8px 16px;font:14px sans-serif;background:#f4f4f4">Disputes API reference &middot;
<a id="openapi-link" href="/openapi.yaml">the OpenAPI document (/openapi.yaml)</a></p>
<noscript>The API reference needs JavaScript; the raw document is at <a href="/openapi.yaml">/openapi.yaml</a>.</noscript>
<redoc spec-url="/openapi.yaml"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
`

// docsCSP lets the page load only what this server serves. Redoc writes its
// styles into style elements and runs its search in a worker it makes from a
// blob, hence 'unsafe-inline' for styles and blob: for workers.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *Server) docs(c echo.Context) error {
	c.Response().Header().Set("Content-Security-Policy", docsCSP)
	return c.HTML(http.StatusOK, docsPage)
}

// docsScript serves the embedded Redoc bundle.
func (s *Server) docsScript(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", docsasset.Redoc)
}
