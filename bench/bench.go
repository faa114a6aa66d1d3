// Package bench is `residenthub bench`: it generates a demo district of N
// residents, runs the hub under test as real subprocesses (`residenthub run`)
// against a private ClickHouse and the embedded Kafka broker, and measures
// ingest, counter checks and freshness, each beside a floor measured in the
// same run on the same machine (ClickHouse's bulk insert, ClickHouse's own
// Kafka engine, a ClickHouse primary-key lookup, the pipelines' linger), so
// the ratios hold when the machine's speed drifts. It prints one table and
// writes the figures as JSON (Result).
//
// Parts (-parts): ingest (end to end, pipelines alone, floor, peer),
// checks (dibao, residence certificate, profile; 1 and C clients; a
// burst), freshness (pushes and SQL pulls until a profile shows them),
// crash (the pipelines killed with SIGKILL halfway through the raw topics
// and restarted, then compared with the uninterrupted load; optional),
// gobench (the Go benchmarks of the hot functions, optional), hotline (the
// top-problems ranking over a generated district-year of a million 12345
// tickets, optional; alone it needs no district). Checks and
// freshness need the district loaded, which the first step always does.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Options are the flags of `residenthub bench`.
type Options struct {
	Residents int
	Clients   int
	Duration  time.Duration
	Parts     []string
	Out       string
	Seed      int64
	// Dir holds the bench's private ClickHouse (Dir/clickhouse) and each
	// run's district, configs and hub logs (Dir/run-<id>, removed at the
	// end unless Keep).
	Dir  string
	Repo string // repository root: deploy/local/clickhouse.sh, deploy/demo/residenthub.yaml
	Keep bool   // keep databases, work folder and a ClickHouse the bench started
	// ClickHouse is the native address of a running server to use; empty
	// starts the private one on ClickHousePort / ClickHouseHTTPPort.
	ClickHouse         string
	ClickHousePort     int
	ClickHouseHTTPPort int
	Postgres           string // DSN of the PostgreSQL the sql source pulls from
	Burst              int
	Pushes             int
	SQLChanges         int
	Binary             string // residenthub binary for the hub processes; default this executable
	DemoBinary         string // residenthub-demo, which writes the district; default beside Binary
	// Cluster is the native addresses (comma-separated) of a ClickHouse
	// cluster named ClusterName for the cluster part (bench/cluster.go);
	// empty skips it.
	Cluster     string
	ClusterName string
	// Profile, when set, is a folder for CPU profiles of hub A and of the
	// bench's load generator during each checks load (hub-<load>.pprof,
	// bench-<load>.pprof), and of hub A and hub B over the first 90 s of the
	// end-to-end and the pipelines-only ingest (hub-ingest-end-to-end.pprof,
	// hub-ingest-pipelines-only.pprof) with a heap profile at the end of
	// each window (hub-ingest-<step>.heap.pprof); read with go tool pprof.
	Profile string
	// ReadCache sets the hub's clickhouse.read_cache: 0 keeps the hub's
	// default, negative turns the read cache off.
	ReadCache int
	// Rate is the requests per second offered in the fixed-rate loads of
	// dibao, the residence certificate and the profile (at most Clients in
	// flight); 0 skips them.
	Rate float64
	Log  io.Writer
}

// AllParts are the parts run by default; crash, gobench and hotline are
// optional.
var AllParts = []string{"ingest", "checks", "freshness"}

var knownParts = []string{"ingest", "crash", "checks", "freshness", "gobench", "hotline"}

func (o *Options) has(part string) bool { return slices.Contains(o.Parts, part) }

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "bench: "+format+"\n", args...)
	}
}

// Command runs `residenthub bench` with its command-line arguments: the
// run, then the table on stdout and the JSON file.
func Command(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	o := Options{Log: os.Stderr}
	fs.IntVar(&o.Residents, "residents", 1_000_000, "residents of the generated district")
	fs.IntVar(&o.Clients, "clients", 32, "concurrent closed-loop HTTP clients of the checks part")
	fs.DurationVar(&o.Duration, "duration", 60*time.Second, "how long each checks load runs")
	parts := fs.String("parts", strings.Join(AllParts, ","), "parts to run: any of "+strings.Join(knownParts, ","))
	fs.StringVar(&o.Out, "out", "bench.json", "JSON result file")
	fs.Int64Var(&o.Seed, "seed", 1, "district seed")
	fs.StringVar(&o.Dir, "dir", "var/bench", "work folder (private ClickHouse, districts, hub logs)")
	fs.StringVar(&o.Repo, "repo", ".", "repository root (deploy/local/clickhouse.sh, deploy/demo/residenthub.yaml)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the databases, the work folder and the private ClickHouse running")
	fs.StringVar(&o.ClickHouse, "clickhouse", "", "native address of a running ClickHouse to use instead of starting the private one")
	fs.IntVar(&o.ClickHousePort, "clickhouse-port", 29000, "native port of the private ClickHouse")
	fs.IntVar(&o.ClickHouseHTTPPort, "clickhouse-http-port", 28123, "HTTP port of the private ClickHouse")
	fs.StringVar(&o.Postgres, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL the freshness part's sql source pulls from")
	fs.IntVar(&o.Burst, "burst", 1000, "requests sent at once in the burst case")
	fs.IntVar(&o.Pushes, "pushes", 100, "changes pushed in the freshness part")
	fs.IntVar(&o.SQLChanges, "sql-changes", 20, "changes inserted into PostgreSQL in the freshness part")
	fs.StringVar(&o.Binary, "binary", "", "residenthub binary to run the hub with (default: this one)")
	fs.StringVar(&o.DemoBinary, "demo-binary", "", "residenthub-demo binary that writes the district (default: beside the residenthub binary)")
	fs.StringVar(&o.Cluster, "cluster", "", "also load and check on this ClickHouse cluster (its native addresses, comma-separated; deploy/local/cluster.sh addrs)")
	fs.StringVar(&o.ClusterName, "cluster-name", "residenthub", "the cluster's name in <remote_servers>")
	fs.IntVar(&o.ReadCache, "read-cache", 0, "the hub's clickhouse.read_cache entries (0: the hub's default; -1 turns the read cache off)")
	fs.Float64Var(&o.Rate, "rate", 500, "requests per second offered in the fixed-rate loads of dibao, the residence certificate and the profile (at most -clients in flight; 0 skips them)")
	fs.StringVar(&o.Profile, "profile", "", "folder for CPU profiles: of the hub over the first 90 s of each ingest step, and of the hub and of the bench's load generator during each checks load")
	_ = fs.Parse(args)
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	for _, p := range strings.Split(*parts, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.Parts = append(o.Parts, p)
		}
	}
	res, err := Run(context.Background(), o)
	if res != nil {
		Print(os.Stdout, res)
		if werr := WriteJSON(o.Out, res); werr != nil {
			err = errors.Join(err, werr)
		} else {
			fmt.Printf("\nfigures written to %s\n", o.Out)
		}
	}
	return err
}

// validate checks the options and fills in defaults.
func (o *Options) validate() error {
	if o.Residents < 1 || o.Clients < 1 || o.Duration <= 0 || o.Burst < 1 || o.Pushes < 1 || o.SQLChanges < 1 {
		return errors.New("bench: -residents, -clients, -duration, -burst, -pushes and -sql-changes must be positive")
	}
	if len(o.Parts) == 0 {
		o.Parts = AllParts
	}
	for _, p := range o.Parts {
		if !slices.Contains(knownParts, p) {
			return fmt.Errorf("bench: -parts: unknown part %q (want %s)", p, strings.Join(knownParts, ", "))
		}
	}
	if _, err := os.Stat(o.Repo + "/deploy/demo/residenthub.yaml"); err != nil {
		return fmt.Errorf("bench: %s is not the repository root (no deploy/demo/residenthub.yaml); run from the repository or pass -repo", o.Repo)
	}
	if o.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: cannot find this executable: %w", err)
		}
		o.Binary = exe
	}
	if o.DemoBinary == "" {
		o.DemoBinary = demoBinary(o.Binary)
	}
	if _, err := os.Stat(o.DemoBinary); err != nil {
		return fmt.Errorf("bench: no %s to write the district (build both: go build -o var/bin/ ./cmd/residenthub ./cmd/residenthub-demo, or run deploy/local/bench.sh)", o.DemoBinary)
	}
	return nil
}

// Run runs the parts and returns their figures. On an error it returns
// what was measured so far with the error.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	res := &Result{Date: start.UTC().Truncate(time.Second), Seed: o.Seed, Parts: o.Parts,
		Machine: Machine{Cores: runtime.NumCPU(), LoadAvgStart: loadAvg(), LoadAvgSteps: map[string]float64{}, MemoryBytes: memTotal(), GoVersion: runtime.Version()}}
	r := &run{o: &o, res: res, id: randomHex(4), keys: newKeys()}
	res.RunID = r.id
	err := r.all(ctx)
	err = errors.Join(err, r.cleanup())
	if r.chStop == nil {
		// No ClickHouse (another run holds it, say): nothing was measured,
		// and no empty result may overwrite an earlier one.
		return nil, err
	}
	res.Machine.LoadAvgEnd = loadAvg()
	res.Seconds = time.Since(start).Seconds()
	return res, err
}

// WriteJSON writes the result, indented.
func WriteJSON(path string, res *Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode result: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write result: %w", err)
	}
	return nil
}
