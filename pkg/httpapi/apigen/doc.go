// Package apigen holds the API's request and response types, generated from
// the OpenAPI document (api/openapi.yaml) by oapi-codegen with the settings
// and Go-specific hints in api/oapi-codegen.yaml and
// api/oapi-codegen-overlay.yaml. The document is the one source of the wire
// format: change it and run `make generate`; never edit apigen.gen.go. A test
// fails when the generated file is stale.
package apigen
