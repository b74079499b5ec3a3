#!/usr/bin/env bash
# Times the transparency report on PostgreSQL: seeds a throwaway database
# with generated disputes (`disputes seed --cases`, a year of history walked
# through the real state machine), vacuums and analyzes it, serves it, and
# asks for the report of the last 365 days as an admin, as JSON and as CSV,
# several times each. It prints the time of every request.
#
#   BENCH_REPORT_CASES=1000000   disputes to seed
#   BENCH_REPORT_RUNS=5          requests per form
#   BENCH_REPORT_KEEP=1          keep the database afterwards, and reuse a
#                                kept one instead of seeding again
set -euo pipefail
cd "$(dirname "$0")/.."
command -v psql >/dev/null || { echo "bench-report: psql is needed (Debian: apt install postgresql-client)" >&2; exit 1; }
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec ./scripts/with-postgres.sh "$0" "$@"
fi
cases=${BENCH_REPORT_CASES:-1000000}
runs=${BENCH_REPORT_RUNS:-5}
admin=$TEST_DATABASE_URL
db=disputes_bench_report
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "${BENCH_REPORT_KEEP:-}" ] || psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  [ -s "$tmp/serve.err" ] && { echo "server's errors:"; tail -5 "$tmp/serve.err"; }
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/disputes" ./cmd/disputes
export DISPUTES_JWT_SECRET=bench-secret-0123456789abcdefghijklmnop
url=$(echo "$admin" | sed -E "s#/[^/?]*(\?|$)#/$db\1#")
if [ -n "${BENCH_REPORT_KEEP:-}" ] && psql -q "$url" -c "SELECT 1 FROM disputes LIMIT 1" >/dev/null 2>&1; then
  "$tmp/disputes" migrate up --database-url "$url" >/dev/null
else
  PGOPTIONS="--client-min-messages=warning" psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  "$tmp/disputes" migrate up --database-url "$url" >/dev/null
  "$tmp/disputes" seed --cases "$cases" --database-url "$url"
fi
psql -q "$url" -c "VACUUM ANALYZE"
echo "disputes: $(psql -tA "$url" -c 'SELECT count(*) FROM disputes'), audit records: $(psql -tA "$url" -c 'SELECT count(*) FROM audit_records')"

port=$((20000 + RANDOM % 20000))
DISPUTES_RATE_LIMIT=0 DISPUTES_LOG_LEVEL=warn \
  "$tmp/disputes" serve --no-workers --addr "127.0.0.1:$port" --database-url "$url" >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.1; done
token=$("$tmp/disputes" token --sub bench-admin --role admin)
for accept in application/json text/csv; do
  for i in $(seq 1 "$runs"); do
    t=$(curl -sS -o "$tmp/body" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" -H "Accept: $accept" \
      "http://127.0.0.1:$port/v1/reports/transparency")
    echo "$accept run $i: HTTP ${t% *}, ${t#* }s, $(wc -c <"$tmp/body") bytes"
  done
done
head -c 400 "$tmp/body"; echo
