#!/usr/bin/env bash
# residenthub bench on this machine: builds residenthub and residenthub-demo
# into var/bin, makes sure PostgreSQL answers on 127.0.0.1:5432 (the
# freshness part's sql source; databases.sh), then runs
#   var/bin/residenthub bench "$@"
# which starts its own private ClickHouse (var/bench/clickhouse, native port
# 29000, HTTP 28123; stopped again at the end), generates the district, runs
# the hub as subprocesses and prints the table (README: Performance).
#   ./deploy/local/bench.sh -residents 1000000
#   ./deploy/local/bench.sh -residents 100000 -duration 20s -out var/bench.json
set -euo pipefail
cd "$(dirname "$0")/../.."

./deploy/local/databases.sh start
go=$(./deploy/local/go.sh)
echo "building residenthub and residenthub-demo with $("$go" env GOVERSION) ..."
"$go" build -o var/bin/ ./cmd/residenthub ./cmd/residenthub-demo
exec var/bin/residenthub bench "$@"
