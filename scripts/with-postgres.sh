#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at a PostgreSQL server where
# the tests may create databases:
#   1. TEST_DATABASE_URL if it is already set;
#   2. else a server on 127.0.0.1:5432 (user postgres, trust auth);
#   3. else a throwaway cluster made with this machine's initdb/pg_ctl in a
#      temporary directory, stopped and removed afterwards.
# Without any of them the command runs without PostgreSQL (its tests skip),
# except under CI=true, where that is a failure.
set -euo pipefail

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open 5432; then
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  echo "with-postgres: using the server on 127.0.0.1:5432" >&2
  exec "$@"
fi

bindir=""
if command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v initdb)")
else
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "with-postgres: no PostgreSQL found (no TEST_DATABASE_URL, nothing on 127.0.0.1:5432, no initdb) and CI=true" >&2
    exit 1
  fi
  echo "with-postgres: no PostgreSQL found; PostgreSQL tests will be skipped" >&2
  exec "$@"
fi

tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
as_pg=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root; the cluster belongs to the postgres user.
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$tmp/data" -U postgres -A trust >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
echo "with-postgres: started a throwaway cluster on 127.0.0.1:$port" >&2
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
"$@"
