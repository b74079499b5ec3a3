// Package api embeds the OpenAPI document, the detailed contract of the REST
// API, so the binary can serve it at /openapi.yaml.
package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
