#!/usr/bin/env bash
# Copies Redoc's standalone bundle from the redoc package pinned in
# scripts/web/package.json to pkg/httpapi/docsasset, where the binary embeds it
# for /docs, its logo replaced by an empty image (redoc_offline in
# scripts/web/env.sh). Run by make generate; without Node.js it leaves the
# committed copy.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/web/env.sh
need_node "update-redoc" || exit 0
redoc_offline >pkg/httpapi/docsasset/redoc.standalone.js
cp scripts/web/node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt pkg/httpapi/docsasset/
