#!/usr/bin/env bash
# The main job on the demo district, on one machine:
#   starts ClickHouse (installing it with apt if missing), builds residenthub,
#   generates one synthetic district's department extracts (var/demo/drop),
#   runs the hub (embedded Kafka, connectors → pipelines → ClickHouse, API),
#   waits until every extract is loaded, prints row counts per dataset and
#   dead letters per source, the URL and curl commands for a real resident.
# The hub then keeps serving until Ctrl-C. With --check it runs the curls,
# verifies the answers and stops (used by the tests of this script).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
check=false
[ "${1:-}" = "--check" ] && check=true

./deploy/local/clickhouse.sh start
go=$(./deploy/local/go.sh)
echo "building residenthub with $("$go" env GOVERSION) ..."
"$go" build -o var/bin/ ./cmd/residenthub ./cmd/residenthub-demo

demo=$repo/var/demo
config=deploy/demo/residenthub.yaml
# A fresh district each time: extracts, checkpoints, embedded Kafka log and
# the demo database start empty.
if pid=$(cat "$demo/hub.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
  echo "stopping the previous demo hub (pid $pid)"
  kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
fi
rm -rf "$demo"
mkdir -p "$demo"
for db in $(awk '/^clickhouse:/ {c=1} c && /^[[:space:]]+(analytics_)?database:/ {print $2} /^[a-z]/ && !/^clickhouse:/ {c=0}' "$config"); do
  clickhouse-client --port "${CLICKHOUSE_TCP_PORT:-19000}" -q "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
done
var/bin/residenthub-demo -out "$demo"

var/bin/residenthub run -config "$config" >"$demo/hub.log" 2>&1 &
hub=$!
echo "$hub" >"$demo/hub.pid"
trap 'kill $hub 2>/dev/null || true' INT TERM
url=$(awk '/^http:/ {h=1} h && /listen:/ {print $2; exit}' "$config")
url="http://$url"

echo "waiting for the hub at $url ..."
for _ in $(seq 1 120); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$hub" 2>/dev/null || { echo "the hub exited; its log:" >&2; tail -n 40 "$demo/hub.log" >&2; exit 1; }
  sleep 0.5
done

echo "loading the extracts (connectors → Kafka → pipelines → ClickHouse) ..."
var/bin/residenthub wait-loaded -config "$config" -timeout 5m
var/bin/residenthub report -config "$config"

# shellcheck disable=SC1091
. "$demo/example.env"   # EXAMPLE_ID, EXAMPLE_NAME(_URL): head of a household the dibao rules find eligible
cat <<MSG

residenthub is serving the demo district at $url
  service-hall page: $url/   (enter demo-counter-key, a purpose, the ID number and name below)
  API document:      $url/v1/openapi.json
  hub log:           $demo/hub.log
  truth generated:   $demo/truth.json
demo API keys: demo-counter-key, demo-caseworker-key, demo-department-key, demo-admin-key

a resident's profile (the caseworker sees it in full, the counter masked):
  curl -s -H 'Authorization: Bearer demo-caseworker-key' -H 'X-Purpose: demo' $url/v1/residents/$EXAMPLE_ID
a dibao check at the counter:
  curl -s -H 'Authorization: Bearer demo-counter-key' -H 'X-Purpose: dibao application' \\
       -d '{"program":"dibao","id_number":"$EXAMPLE_ID","name":"$EXAMPLE_NAME"}' $url/v1/checks
a residence certificate to print (the counter gives the holder's name):
  curl -s -H 'Authorization: Bearer demo-counter-key' -H 'X-Purpose: certificate' \\
       "$url/v1/residents/$EXAMPLE_ID/certificates/residence?name=$EXAMPLE_NAME_URL" > certificate.html
the 12345 hotline pushing a ticket (one good record, one without a ticket number):
  curl -s -H 'Authorization: Bearer demo-department-key' $url/v1/sources/hotline/records \\
       -d '[{"工单编号":"T-1","受理时间":"2026-11-20 09:30","诉求类别":"供暖","诉求内容":"暖气不热","办理状态":"办理中"},{"工单编号":""}]'
what was rejected, and why:
  var/bin/residenthub dead-letters -config $config -source hukou
analysts (read-only user analyst; docs/analytics.md, example queries in docs/analytics/):
  clickhouse-client --port ${CLICKHOUSE_TCP_PORT:-19000} --user analyst --password "\$(cat ${CLICKHOUSE_HOME:-var/clickhouse}/analyst.password)" --database residenthub_demo_analytics
  var/bin/residenthub export -config $config -dataset person -format parquet -out person.parquet
MSG

if $check; then
  profile=$(curl -fsS -H 'Authorization: Bearer demo-caseworker-key' -H 'X-Purpose: demo' "$url/v1/residents/$EXAMPLE_ID")
  echo "$profile" | grep -q "$EXAMPLE_ID" || { echo "profile does not name the resident: $profile" >&2; exit 1; }
  decision=$(curl -fsS -H 'Authorization: Bearer demo-counter-key' -H 'X-Purpose: demo' \
    -d "{\"program\":\"dibao\",\"id_number\":\"$EXAMPLE_ID\",\"name\":\"$EXAMPLE_NAME\"}" "$url/v1/checks")
  # The rules pass; the 2022 standard is overdue for review (dibao.yaml parameter_review), so the
  # hub answers needs_review naming it, with the allowance provisional.
  echo "$decision" | grep -q '"decision": *"needs_review"' && echo "$decision" | grep -q 'parameter standard_fen' \
    || { echo "dibao check did not say needs_review for the overdue standard: $decision" >&2; exit 1; }
  curl -fsS -H 'Authorization: Bearer demo-counter-key' -H 'X-Purpose: demo' \
    "$url/v1/residents/$EXAMPLE_ID/certificates/residence?name=$EXAMPLE_NAME_URL" | grep -q '居住证明' \
    || { echo "no residence certificate for the example resident" >&2; exit 1; }
  echo "check passed: profile served, dibao rules pass (needs_review: standard overdue for review), certificate printed"
  kill -TERM "$hub"
  wait "$hub"
  exit 0
fi
echo
echo "Ctrl-C stops the hub."
wait "$hub"
