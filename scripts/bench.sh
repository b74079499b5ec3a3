#!/usr/bin/env bash
# Benchmarks the service against PostgreSQL's own limit, side by side in one
# run: for each data size it seeds a fresh database, measures the raw
# database with pgbench running the SQL shape the service runs (a
# transition, one statement per round trip and with its writes pipelined
# into one; the same pipelined transition with every write the service's
# makes; a two-statement read), on the same disputes the load generator
# then drives through the service (BENCH_POOL of them, written to a targets
# file that both read), then the least any HTTP request costs here (a
# request that does no work, the floor), then the service through HTTP, auth,
# validation and the audit chain under the same concurrency, for
# transitions, dispute reads, queue claims, a buyer's dispute list, a user's
# record (history, random users and the heavy seller), a staff list page of
# 50 with the parties' records (list_context), full-text search (staff
# searching the seed's rare word, which about 0.1 % of disputes hold; a buyer
# searching their own disputes), and last evidence uploads (JPEGs with EXIF
# to remove, to open disputes, as their parties), with the service's peak
# memory during the uploads alone.
# It prints a table and writes it to scripts/bench/results/.
#
#   BENCH_SIZES="10000 1000000"  data sizes (disputes)
#   BENCH_DURATION=15s           length of each measurement
#   BENCH_CLIENTS=16             concurrent clients, for pgbench and the service
#   BENCH_POOL=4000              disputes transitions and reads draw from
#   BENCH_UPLOAD_BYTES=2097152   size of each uploaded JPEG
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in psql pgbench; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed (Debian: apt install postgresql-client postgresql-contrib)" >&2; exit 1; }
done
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  exec ./scripts/with-postgres.sh "$0" "$@"
fi
sizes=${BENCH_SIZES:-"10000 1000000"}
dur=${BENCH_DURATION:-15s}
secs=${dur%s}
clients=${BENCH_CLIENTS:-16}
pool=${BENCH_POOL:-4000}
upload_bytes=${BENCH_UPLOAD_BYTES:-2097152}
admin=$TEST_DATABASE_URL
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for s in $sizes; do psql -q "$admin" -c "DROP DATABASE IF EXISTS disputes_bench_$s WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/disputes" ./cmd/disputes
go build -o "$tmp/loadgen" ./scripts/bench/loadgen
export DISPUTES_JWT_SECRET=bench-secret-0123456789abcdefghijklmnop
# Seeded and uploaded files go to a folder removed with the rest.
export DISPUTES_BLOB_URL=$tmp/blobs
mkdir -p scripts/bench/results
out="scripts/bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt"

# percentile FILE P: the P-th percentile (0-100) of pgbench's per-transaction log, in ms.
percentile() { awk '{print $3}' "$1" | sort -n | awk -v p="$2" '{a[NR]=$1} END {i=int((NR-1)*p/100)+1; printf "%.2f", a[i]/1000}'; }

pgb() { # name script vars...
  local name=$1 script=$2; shift 2
  rm -f "$tmp"/pgbench_log*
  local tps
  tps=$(pgbench -n -M prepared -c "$clients" -j 2 -T "$secs" -f "$script" "$@" -l --log-prefix="$tmp/pgbench_log" "$url" 2>/dev/null \
    | awk '/^tps/ {print $3}')
  cat "$tmp"/pgbench_log* > "$tmp/all.log"
  echo "$name $tps $(percentile "$tmp/all.log" 50) $(percentile "$tmp/all.log" 99)"
}

# loadgen_op OP SIZE [FLAGS...]: runs loadgen for one operation against the
# service and records its figures.
loadgen_op() {
  local op=$1 size=$2 line r a b e
  shift 2
  line=$("$tmp/loadgen" -url "http://127.0.0.1:$port" -op "$op" -c "$clients" -d "$dur" "$@")
  r=$(echo "$line" | sed -E 's/.*"rps":([0-9.]+).*/\1/')
  a=$(echo "$line" | sed -E 's/.*"p50_ms":([0-9.]+).*/\1/')
  b=$(echo "$line" | sed -E 's/.*"p99_ms":([0-9.]+).*/\1/')
  e=$(echo "$line" | sed -E 's/.*"errors":([0-9]+).*/\1/')
  rps[$op,$size]=$r; p50[$op,$size]=$a; p99[$op,$size]=$b
  [ "$e" = 0 ] || echo "warning: $op had $e errors at $size disputes" >&2
}

declare -A rps p50 p99 mem upmem
for size in $sizes; do
  db=disputes_bench_$size
  PGOPTIONS="--client-min-messages=warning" psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  url=$(echo "$admin" | sed -E "s#/[^/?]*(\?|$)#/$db\1#")
  echo "== $size disputes =="
  "$tmp/disputes" migrate up --database-url "$url" >/dev/null
  "$tmp/disputes" seed --cases "$size" --database-url "$url"
  # The targets: the disputes awaiting the seller that transitions move,
  # and the closed ones that reads read, the same for pgbench and the
  # load generator.
  psql -q -v pool="$pool" "$url" <<'SQL'
CREATE TABLE bench_ids AS SELECT row_number() OVER (ORDER BY id) AS n, id, order_id
    FROM (SELECT id, order_id FROM disputes WHERE state = 'awaiting_seller' ORDER BY id LIMIT :pool) s;
CREATE UNIQUE INDEX ON bench_ids (n);
CREATE TABLE bench_read_ids AS SELECT row_number() OVER (ORDER BY id) AS n, id, order_id
    FROM (SELECT id, order_id FROM disputes WHERE state = 'closed' ORDER BY id LIMIT :pool) s;
CREATE UNIQUE INDEX ON bench_read_ids (n);
VACUUM ANALYZE;
SQL
  nd=$(psql -tA "$url" -c "SELECT count(*) FROM bench_ids")
  nr=$(psql -tA "$url" -c "SELECT count(*) FROM bench_read_ids")

  read -r _ r a b <<<"$(pgb db_transition scripts/bench/transition.sql -D ndisputes="$nd")"
  rps[db_transition,$size]=$r; p50[db_transition,$size]=$a; p99[db_transition,$size]=$b
  read -r _ r a b <<<"$(pgb db_pipelined scripts/bench/transition-pipelined.sql -D ndisputes="$nd")"
  rps[db_pipelined,$size]=$r; p50[db_pipelined,$size]=$a; p99[db_pipelined,$size]=$b
  read -r _ r a b <<<"$(pgb db_read scripts/bench/read.sql -D nreads="$nr")"
  rps[db_read,$size]=$r; p50[db_read,$size]=$a; p99[db_read,$size]=$b
  read -r _ r a b <<<"$(pgb db_same_writes scripts/bench/transition-same.sql -D ndisputes="$nd")"
  rps[db_same_writes,$size]=$r; p50[db_same_writes,$size]=$a; p99[db_same_writes,$size]=$b
  # pgbench's outbox events are not the service's to number, and its
  # messages are not the service's to search.
  psql -q "$url" -c "DELETE FROM events WHERE type = 'bench'" \
    -c "DELETE FROM search_texts WHERE source_id LIKE 'msg_bench_%'" -c "DELETE FROM messages WHERE id LIKE 'msg_bench_%'" \
    -c "VACUUM ANALYZE events, search_texts, messages" >/dev/null
  # Written after pgbench, whose same-writes transition hands disputes from
  # one party to the other: the load generator starts from their states now.
  psql -tA -F, "$url" -c "SELECT d.id, d.buyer_id, d.seller_id, d.state FROM disputes d JOIN bench_ids b USING (id) ORDER BY b.n" \
    -c "SELECT d.id, d.buyer_id, d.seller_id, d.state FROM disputes d JOIN bench_read_ids b USING (id) ORDER BY b.n" >"$tmp/targets.csv"

  port=$((20000 + RANDOM % 20000))
  DISPUTES_RATE_LIMIT=0 DISPUTES_AUTH_FAILURE_LIMIT=0 DISPUTES_LOG_LEVEL=warn DISPUTES_DB_MAX_CONNS=$clients \
    "$tmp/disputes" serve --no-workers --addr "127.0.0.1:$port" --database-url "$url" ${BENCH_PPROF:+--admin-addr "$BENCH_PPROF"} \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
  pid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.1; done
  for op in floor transition read; do
    loadgen_op "$op" "$size" -targets "$tmp/targets.csv"
  done
  for op in claim list history list_context search search_party; do
    loadgen_op "$op" "$size"
  done
  mem[$size]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  # Writing 5 to clear_refs resets the peak to the present use, so the
  # peak read after the uploads is theirs alone.
  echo 5 2>/dev/null > "/proc/$pid/clear_refs" || echo "bench: cannot reset the peak memory; the upload figure includes the runs before" >&2
  loadgen_op upload "$size" -upload-bytes "$upload_bytes"
  upmem[$size]=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done

first=${sizes%% *}
last=${sizes##* }
{
  echo "disputes benchmark $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(psql -tA "$admin" -c 'SHOW server_version' | cut -d' ' -f1) PostgreSQL; $clients clients, $dur each"
  echo
  printf "%-14s %10s %10s %9s %9s %8s %10s %9s %11s\n" operation disputes "req/s" "p50 ms" "p99 ms" "vs db" "vs piped" "vs same" "p99 vs $first"
  for size in $sizes; do
    for op in db_transition db_pipelined db_same_writes db_read floor transition read claim list history list_context search search_party upload; do
      base=db_transition
      case $op in floor|read|list|db_read|history|list_context|search|search_party) base=db_read ;; esac
      ratio="-" piped="-" same="-"
      case $op in db_*|upload) ;; *) ratio=$(awk -v a="${rps[$op,$size]}" -v b="${rps[$base,$size]}" 'BEGIN {printf "%.0f%%", 100*a/b}') ;; esac
      case $op in transition|claim) piped=$(awk -v a="${rps[$op,$size]}" -v b="${rps[db_pipelined,$size]}" 'BEGIN {printf "%.0f%%", 100*a/b}') ;; esac
      case $op in transition) same=$(awk -v a="${rps[$op,$size]}" -v b="${rps[db_same_writes,$size]}" 'BEGIN {printf "%.0f%%", 100*a/b}') ;; esac
      scale=$(awk -v a="${p99[$op,$size]}" -v b="${p99[$op,$first]}" 'BEGIN {if (b > 0) printf "%.2fx", a/b; else print "-"}')
      printf "%-14s %10s %10.0f %9.2f %9.2f %8s %10s %9s %11s\n" "$op" "$size" "${rps[$op,$size]}" "${p50[$op,$size]}" "${p99[$op,$size]}" "$ratio" "$piped" "$same" "$scale"
    done
  done
  echo
  for size in $sizes; do echo "service peak memory (VmHWM) at $size disputes: ${mem[$size]} MiB; during the uploads alone: ${upmem[$size]} MiB"; done
  echo "upload: JPEGs of at least $upload_bytes bytes with EXIF, each stored anew without it; req/s are uploads per second."
  echo "vs db: the service's requests per second over pgbench's transactions per second for the same SQL shape, one statement per round trip"
  echo "(transitions and claims against the transition, reads, lists, history, list_context and searches against the two-statement read);"
  echo "vs piped: against the transition with its writes pipelined into one round trip (db_pipelined). pgbench runs with -M prepared"
  echo "on the $pool disputes the load generator moves and reads."
  echo "vs same: against db_same_writes, the pipelined transition with every write the service's transition makes (state and"
  echo "deadline change, audit record, event, message, search text), less the feed's numbering of its event."
  echo "floor: GET /healthz, which does no work, through the same load generator and middleware: the most requests a second"
  echo "any HTTP service answers on this machine while the load generator runs beside it; its vs db bounds what reads can reach."
} | tee "$out"
echo "results written to $out"
