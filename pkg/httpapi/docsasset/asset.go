// Package docsasset holds the script that renders the API reference at /docs:
// Redoc's standalone bundle, copied from the npm package pinned in
// scripts/web/package.json with the one image it would load from the
// network, its maker's logo, replaced by an empty image (scripts/update-redoc.sh;
// scripts/test-web.sh fails when the copy differs), so the page needs
// nothing from outside the binary.
package docsasset

import _ "embed"

// Redoc is redoc.standalone.js of the pinned redoc package, made offline.
//
//go:embed redoc.standalone.js
var Redoc []byte

// RedocVersion is the version of the redoc package Redoc comes from.
const RedocVersion = "2.5.4"
