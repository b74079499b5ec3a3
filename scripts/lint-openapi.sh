#!/usr/bin/env bash
# Lints api/openapi.yaml with Spectral (its OpenAPI rules and the OWASP API
# Security ruleset, scripts/web/.spectral.yaml) and Redocly (its recommended
# rules, scripts/web/redocly.yaml). Any finding, warnings included, fails.
# Without Node.js it says it is skipped, except under CI=true, where that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/web/env.sh
need_node "lint-openapi" || exit 0
bin=scripts/web/node_modules/.bin
"$bin/spectral" lint api/openapi.yaml --ruleset scripts/web/.spectral.yaml --fail-severity=warn --quiet
echo "spectral: api/openapi.yaml has no findings"
# Redocly adds a boxed notice about its own Node.js support; the rest is kept.
"$bin/redocly" lint api/openapi.yaml --config scripts/web/redocly.yaml --max-problems 50 2>&1 | grep -v "^ *[║╔╚]" || exit 1
