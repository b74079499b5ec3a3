# Sourced by the scripts that need the Node tooling of scripts/web (lint-openapi.sh,
# test-web.sh). need_node returns 1 after printing "skipped: ..." when Node.js is
# missing outside CI; under CI=true a missing tool is a failure. It installs the
# pinned packages (npm ci) when node_modules is missing or older than the lockfile.
WEB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need_node() {
	local what=$1
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		if [ "${CI:-}" = true ]; then
			echo "$what: Node.js and npm are required under CI (.ci/run installs them)" >&2
			exit 1
		fi
		echo "$what: skipped: no node (install Node.js 20 or later and npm to run it)"
		return 1
	fi
	if [ ! -d "$WEB_DIR/node_modules" ] || [ "$WEB_DIR/package-lock.json" -nt "$WEB_DIR/node_modules/.package-lock.json" ]; then
		echo "$what: installing the pinned Node packages (npm ci in scripts/web)"
		(cd "$WEB_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
	fi
}

# redoc_offline prints Redoc's standalone bundle with the one thing it loads
# from the network, its maker's logo in the menu's footer, replaced by an
# empty image, so that /docs needs nothing from another host. The binary
# embeds what it prints (pkg/httpapi/docsasset).
redoc_offline() {
	sed 's#https://cdn\.redoc\.ly/redoc/logo-mini\.svg#data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7#g' \
		"$WEB_DIR/node_modules/redoc/bundles/redoc.standalone.js"
}
