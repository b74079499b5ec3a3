#!/usr/bin/env bash
# Runs the README's walk-through as written, against `disputes serve --demo`
# on a fresh SQLite file, and fails if any step fails or the audit chain does
# not verify at the end. CI runs it so the README stays true.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/disputes" ./cmd/disputes
port=$((20000 + RANDOM % 20000))
# As make run does: the webhook example delivers to a receiver on loopback.
DATABASE_URL="sqlite:$tmp/d.db" DISPUTES_WEBHOOK_ALLOW_HTTP=true DISPUTES_WEBHOOK_ALLOW_PRIVATE=true \
  "$tmp/disputes" serve --demo --addr "127.0.0.1:$port" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$tmp/out" && break
  sleep 0.1
done
grep -q "listening on" "$tmp/out" || { cat "$tmp/err"; exit 1; }
eval "$(grep '^export ' "$tmp/out")"

# Every sh block of the "## Walk-through" section, in order, as the newcomer
# pastes them: the dispute's life, contact options, the seller's integration
# (API key, feed, a webhook to the receiver the project ships).
awk '/^## /{w=($0 ~ /^## Walk-through/)} w&&/^```sh$/{b=1; next} b&&/^```$/{b=0; next} w&&b' README.md >"$tmp/walk.sh"
[ -s "$tmp/walk.sh" ] || { echo "no walk-through found in README.md"; exit 1; }
set +e
( set -e; set -o pipefail; source "$tmp/walk.sh" ) >"$tmp/walk.out" 2>&1
rc=$?
set -e
cat "$tmp/walk.out"
echo
[ $rc -eq 0 ] || { echo "readme-walkthrough: a step failed ($rc)"; exit 1; }
for want in '"type":"remedy.issued"' '"valid":true' '"records":10' '"content_type":"image/png"' 'Content-Security-Policy: sandbox' '"state":"closed"' '"status":"executed"' '"rating":5' 'verified dispute.opened'; do
  grep -q "$want" "$tmp/walk.out" || { echo "readme-walkthrough: expected $want in the output"; exit 1; }
done
if grep -q '"status":5[0-9][0-9]' "$tmp/walk.out"; then echo "readme-walkthrough: a server error"; exit 1; fi
echo "readme-walkthrough: ok"
