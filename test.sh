#!/usr/bin/env bash
# Runs the whole residenthub test suite. Starts what the integration tests
# need on loopback: a private ClickHouse (deploy/local/clickhouse.sh, installed
# with apt if missing), PostgreSQL and MariaDB for the SQL connector tests
# (started, or installed with apt, if not running), a replicated, sharded
# ClickHouse cluster with ZooKeeper (deploy/local/cluster.sh), and Debian's chromium with
# a CJK font (fonts-noto-cjk; fonts-wqy-zenhei if that is not available) for
# the service-hall page test, which checks that the page's Chinese is drawn
# and keeps its screenshots in var/screenshots/ (RESIDENTHUB_SKIP_BROWSER=1
# skips that test).
# Kafka is the embedded broker each test starts itself.
set -euo pipefail
cd "$(dirname "$0")"

./deploy/local/clickhouse.sh start
./deploy/local/databases.sh start
# The replicated, sharded test cluster (ZooKeeper + 2 shards x 2 replicas on
# loopback, deploy/local/cluster.sh; installs zookeeper with apt where
# missing). Its tests skip, saying why, only when it cannot be installed or
# started here; once it started they fail if it stops answering.
if ./deploy/local/cluster.sh start; then
  export RESIDENTHUB_REQUIRE_CLUSTER=1
else
  echo "the ClickHouse test cluster could not be started: its tests will be skipped" >&2
fi
# Headless browser and a CJK font for the service-hall page test (api/webpage_test.go):
# without a font that has Chinese glyphs the page renders boxes.
if [ "${RESIDENTHUB_SKIP_BROWSER:-}" != 1 ]; then
  need=()
  [ -x /usr/bin/chromium ] || need+=(chromium)
  if ! fc-list :lang=zh family 2>/dev/null | grep -q .; then
    need+=(fonts-noto-cjk)
  fi
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} for the page test ..."
    apt-get update -qq
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; then
      # A smaller CJK font where fonts-noto-cjk is not available.
      need=("${need[@]/fonts-noto-cjk/fonts-wqy-zenhei}")
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    fi
  fi
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
