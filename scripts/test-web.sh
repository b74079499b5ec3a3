#!/usr/bin/env bash
# The tests that need a browser or Node.js, run by `make test` after go test:
#   - /docs in headless Chromium (scripts/web/test/docs.test.mjs);
#   - the TypeScript client generated from api/openapi.yaml (openapi-typescript,
#     openapi-fetch) walking a dispute from open to closed, every response and
#     webhook delivery validated against the document (scripts/web/test/client.test.ts).
# Both run against a `disputes serve --demo` started here on a free port with a
# throwaway SQLite database. Without Node.js or Chromium they print that they
# are skipped; under CI=true a missing tool is a failure (Chromium is then
# installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. scripts/web/env.sh
need_node "test-web" || exit 0
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
	if [ "${CI:-}" = true ]; then
		echo "test-web: installing Debian's chromium"
		apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	else
		echo "test-web: skipped: no chromium (apt-get install chromium to run the /docs and TypeScript client tests)"
		exit 0
	fi
fi

# The committed Redoc bundle is the one of the pinned package, made offline.
if ! cmp -s <(redoc_offline) pkg/httpapi/docsasset/redoc.standalone.js; then
	echo "test-web: pkg/httpapi/docsasset/redoc.standalone.js differs from the pinned redoc package; run make generate" >&2
	exit 1
fi

# The client: types generated from the document, then type-checked with the test.
web=scripts/web
mkdir -p $web/generated
$web/node_modules/.bin/openapi-typescript api/openapi.yaml -o $web/generated/api.d.ts --default-non-nullable false >/dev/null
(cd $web && node_modules/.bin/tsc -p tsconfig.json)

work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/disputes" ./cmd/disputes
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
port=$(free_port)
hook_port=$(free_port)
(cd "$work" && DISPUTES_WEBHOOK_ALLOW_HTTP=true DISPUTES_WEBHOOK_ALLOW_PRIVATE=true \
	exec ./disputes serve --demo --addr "127.0.0.1:$port" >serve.out 2>serve.err) &
pid=$!
for _ in $(seq 100); do
	grep -q '^export API=' "$work/serve.out" 2>/dev/null && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	sleep 0.2
done
if ! grep -q '^export API=' "$work/serve.out"; then
	echo "test-web: the server did not start" >&2
	cat "$work/serve.err" >&2
	exit 1
fi
eval "$(grep '^export ' "$work/serve.out")"
export HOOK_PORT=$hook_port CHROMIUM=$chromium
cd $web
node --test --test-reporter=spec test/docs.test.mjs
node --import tsx --test --test-reporter=spec test/client.test.ts
