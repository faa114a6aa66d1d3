// Command residenthub is the one binary of the hub. Data flows, in order:
//
//	connectors (pull / push) → Kafka raw.<source> → pipelines (normalize,
//	validate, resolve identity) → ClickHouse profile tables → api (checks,
//	profiles, certificates) ; rejects → Kafka dlq.<source>
//
// Subcommands:
//
//	run        start the roles (connectors, pipelines, api) in this process
//	migrate    apply the ClickHouse migrations
//	report     print row counts per dataset and dead letters per source
//	dead-letters print a source's rejected records and why
//	wait-loaded  wait until the drop folders are empty and the pipelines have no lag
//	hash-key   print the SHA-256 of an API key, for api_keys[].key_sha256
//	export     write an analytics table to a Parquet or Arrow file
//	bench      measure ingest, checks and freshness beside same-run floors
package main

import (
	"fmt"
	"os"

	"github.com/residenthub/residenthub/bench"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = cmdRun(os.Args[2:])
	case "migrate":
		err = cmdMigrate(os.Args[2:])
	case "report":
		err = cmdReport(os.Args[2:])
	case "dead-letters":
		err = cmdDeadLetters(os.Args[2:])
	case "wait-loaded":
		err = cmdWaitLoaded(os.Args[2:])
	case "ack-alarms":
		err = cmdAckAlarms(os.Args[2:])
	case "hash-key":
		err = cmdHashKey(os.Args[2:])
	case "export":
		err = cmdExport(os.Args[2:])
	case "bench":
		err = bench.Command(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "residenthub: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "residenthub:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: residenthub <command> [flags]

commands:
  run -config residenthub.yaml [-roles connectors,pipelines,api]
        start the hub; with kafka.brokers empty it starts the embedded broker
  migrate -config residenthub.yaml
        apply the ClickHouse migrations (safe to run twice)
  report -config residenthub.yaml
        print current rows per dataset, dead letters per source and open alarms
        (exits 1 while an alarm is open)
  ack-alarms -config residenthub.yaml
        print the open alarms (data_dir/alarms) and mark them handled
  dead-letters -config residenthub.yaml -source NAME [-n 50]
        print a source's rejected records (dlq.<source>): origin, field, reason
  wait-loaded -config residenthub.yaml [-timeout 5m]
        wait until drop folders are empty and the pipelines have no lag
  hash-key [key]
        print the hex SHA-256 of an API key (reads stdin without an argument)
  export -dataset NAME [-as-of YYYY-MM-DD] -format parquet|arrow -out FILE [-config residenthub.yaml | -addr HOST:PORT -user analyst]
        write a de-identified analytics table (docs/analytics.md) to a Parquet or Arrow file
  bench [-residents 1000000] [-clients 32] [-duration 60s] [-parts ingest,checks,freshness] [-out bench.json]
        measure ingest, checks and freshness beside floors of the same run (README: Performance)
`)
}
