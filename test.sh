#!/usr/bin/env bash
# Runs the whole residenthub test suite. Starts what the integration tests
# need on loopback: a private ClickHouse (deploy/local/clickhouse.sh, installed
# with apt if missing), PostgreSQL and MariaDB for the SQL connector tests
# (started, or installed with apt, if not running), and Debian's chromium for
# the service-hall page test (RESIDENTHUB_SKIP_BROWSER=1 skips that test).
# Kafka is the embedded broker each test starts itself.
set -euo pipefail
cd "$(dirname "$0")"

./deploy/local/clickhouse.sh start
./deploy/local/databases.sh start
# Headless browser for the service-hall page test (api/webpage_test.go).
if [ ! -x /usr/bin/chromium ] && [ "${RESIDENTHUB_SKIP_BROWSER:-}" != 1 ]; then
  echo "installing Debian's chromium for the page test ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
go=$(./deploy/local/go.sh)
gofmt=$(dirname "$go")/gofmt

echo "== gofmt"
unformatted=$("$gofmt" -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './var/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
echo "== go vet"
"$go" vet ./...
echo "== go test"
"$go" test -count=1 -timeout 30m "$@" ./...
