#!/usr/bin/env bash
# Runs the fault tests (pkg/faults) verbosely: under concurrent load of
# random valid actions they kill the service with SIGKILL, crash and restart
# PostgreSQL, and stop PostgreSQL for a few seconds, then check that every
# acknowledged action is in the audit log exactly once, that nothing is
# half-applied, that every audit chain verifies, and that the service
# answered 503 while the database was away and recovered by itself. A
# fourth scenario runs three instances of `disputes serve` on one database,
# each with its workers, the load spread over them and a webhook for every
# seller: one instance is killed and restarted, then PostgreSQL restarts, and
# besides the checks above every event of each seller's feed must reach its
# webhook (at least once; repeats are counted). A table of actions sent,
# acknowledged, found and lost, deadlines fired, and webhook events, deliveries
# and repeats ends the output. With 20s per scenario the run takes about two
# and a half minutes, up to four when deliveries wait for their leases.
#
#   scripts/test-faults.sh          # 45s of load per scenario
#   scripts/test-faults.sh 20s      # a shorter run (CI)
#
# The tests start a PostgreSQL cluster of their own with this machine's
# initdb and pg_ctl on a free port, never a shared server. Without initdb
# they are skipped, except under CI=true, where that fails the run.
# FAULTS_SEED=N repeats a run's choice of actions.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 1 ]; then
  echo "usage: $0 [duration per scenario, e.g. 20s]" >&2
  exit 2
fi
export FAULTS=1
if [ $# -eq 1 ]; then
  export FAULTS_DURATION="$1"
fi
exec go test -count=1 -v -timeout 20m -run 'TestFaults|TestCheck|TestOutage' ./pkg/faults/
