#!/usr/bin/env bash
# Prints the plans of the review-queue queries over a million synthetic
# disputes in a throwaway PostgreSQL database (found as make test finds one).
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./scripts/with-postgres.sh go run ./scripts/explain-queue "$@"
