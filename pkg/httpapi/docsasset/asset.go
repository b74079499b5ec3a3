// Package docsasset holds the script that renders the API reference at /docs:
// Redoc's standalone bundle, copied from the npm package pinned in
// scripts/web/package.json (scripts/test-web.sh fails when the copy differs),
// so the page needs nothing from outside the binary.
package docsasset

import (
	"bytes"
	_ "embed"
)

//go:embed redoc.standalone.js
var bundle []byte

// redocLogo is the one image the bundle loads from the network, its maker's
// logo in the menu's footer; it is served as an empty image instead.
const redocLogo = "https://cdn.redoc.ly/redoc/logo-mini.svg"

const emptyImage = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

// Redoc is redoc.standalone.js of the pinned redoc package, its logo
// replaced by an empty image so that the page loads nothing from another host.
var Redoc = bytes.ReplaceAll(bundle, []byte(redocLogo), []byte(emptyImage))

// RedocVersion is the version of the redoc package Redoc comes from.
const RedocVersion = "2.5.4"
