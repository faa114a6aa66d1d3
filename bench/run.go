package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/file"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// run is the state of one bench run.
type run struct {
	o    *Options
	res  *Result
	id   string // random; names the databases, groups and PostgreSQL table of the run
	keys keys
	work string // Dir/run-<id>

	chAddr  string
	chStop  func() error
	conn    driver.Conn // the bench's own ClickHouse connection
	dbs     []string    // databases created by this run, dropped at the end
	pgTable string

	sample  *sample
	cfg     *config.Config // hub A's
	hub     *hubProc       // hub A: every role, the district loaded
	brokers []string       // hub A's embedded broker
	apiURL  string
	// pprofAddr is hub A's RESIDENTHUB_PPROF listener (with -profile).
	pprofAddr string
	topics    []string // raw topics of every source
}

// all runs the steps in order: ClickHouse, district, hub A loading it
// (timed: the end-to-end figure), then the parts.
func (r *run) all(ctx context.Context) error {
	o := r.o
	var err error
	if r.chAddr, r.chStop, err = startClickHouse(o); err != nil {
		return err
	}
	if r.conn, err = store.Open(ctx, clickhouseConfig(r.chAddr, "default")); err != nil {
		return err
	}
	if err := r.conn.QueryRow(ctx, "SELECT version()").Scan(&r.res.Machine.ClickHouseVersion); err != nil {
		return fmt.Errorf("cannot read the ClickHouse version: %w", err)
	}
	if r.work, err = filepath.Abs(filepath.Join(o.Dir, "run-"+r.id)); err != nil {
		return err
	}
	if o.has("hotline") {
		if err := r.hotline(ctx); err != nil {
			return err
		}
		r.stepDone("hotline")
		if len(o.Parts) == 1 {
			return nil // the hotline part needs no district
		}
	}
	if err := r.district(); err != nil {
		return err
	}
	r.stepDone("generate")
	if err := r.load(ctx); err != nil {
		return err
	}
	r.stepDone("end_to_end")
	if o.has("ingest") {
		if err := r.ingest(ctx); err != nil {
			return err
		}
	}
	if o.has("crash") {
		if err := r.quiet(ctx); err != nil {
			return err
		}
		if err := r.crash(ctx); err != nil {
			return err
		}
		r.stepDone("crash")
	}
	if o.has("checks") {
		if err := r.quiet(ctx); err != nil {
			return err
		}
		if err := r.checks(ctx); err != nil {
			return err
		}
		r.stepDone("checks")
	}
	if o.has("freshness") {
		if err := r.freshness(ctx); err != nil {
			return err
		}
		r.stepDone("freshness")
	}
	if o.Cluster != "" {
		if err := r.cluster(ctx); err != nil {
			return err
		}
		r.stepDone("cluster")
	}
	if o.has("gobench") {
		b, err := goBenchmarks(ctx, o)
		if err != nil {
			return err
		}
		r.res.GoBench = b
	}
	return nil
}

// load starts hub A (every role, embedded broker, fresh databases) on the
// district and waits until everything is in ClickHouse. The wall time from
// the process start is the end-to-end ingest figure.
func (r *run) load(ctx context.Context) error {
	o := r.o
	kafkaPort, err := freePort()
	if err != nil {
		return err
	}
	httpPort, err := freePort()
	if err != nil {
		return err
	}
	ch := clickhouseConfig(r.chAddr, "bench_"+r.id)
	r.dbs = append(r.dbs, ch.Database, ch.AnalyticsDatabase)
	if err := migrate(ctx, ch); err != nil {
		return err
	}
	hc := hubConfig{path: filepath.Join(r.work, "deploy", "demo", "residenthub.yaml"), dataDir: filepath.Join(r.work, "var", "hub"),
		kafkaPort: kafkaPort, httpPort: httpPort, clickhouse: ch, groupID: "bench-" + r.id + "-pipelines"}
	if o.has("freshness") {
		r.pgTable = "bench_fresh_" + r.id
		hc.pgTable, hc.postgres = r.pgTable, o.Postgres
		if err := createPGTable(ctx, o.Postgres, r.pgTable); err != nil {
			return err
		}
	}
	if r.cfg, err = writeConfig(o, hc, r.keys); err != nil {
		return err
	}
	for _, s := range r.cfg.Sources {
		r.topics = append(r.topics, schema.RawTopic(s.Name))
	}
	r.brokers = []string{r.cfg.Kafka.EmbeddedListen}
	r.apiURL = "http://" + r.cfg.HTTP.Listen

	o.logf("loading: hub A (connectors, pipelines, api) from the drop folders into ClickHouse %s/%s", r.chAddr, ch.Database)
	var env []string
	if r.pprofAddr, env, err = o.pprofListener(); err != nil {
		return err
	}
	r.hub, err = startHub(o.Binary, hc.path, "connectors,pipelines,api", filepath.Join(r.work, "hub-a.log"), "A", env...)
	if err != nil {
		return err
	}
	waitProfile := o.profileHub(ctx, o.Profile, "ingest-end-to-end", r.pprofAddr, ingestProfileWindow)
	defer waitProfile()
	done, err := waitLoaded(ctx, r.hub, r.cfg, r.brokers, r.cfg.Pipelines.GroupID, r.topics, true, o, loadTimeout(r.res.District.Records))
	if err != nil {
		return err
	}
	u, err := r.hub.usage()
	if err != nil {
		return err
	}
	if err := failedFiles(r.cfg); err != nil {
		return err
	}
	in := &Ingest{Records: r.res.District.Records, EndToEndSeconds: done.Sub(r.hub.started).Seconds(), PeakRSSBytes: u.PeakRSS, CPUSeconds: u.CPU}
	in.EndToEndPerS = float64(in.Records) / in.EndToEndSeconds
	in.CPUSPerMillion = u.CPU / float64(in.Records) * 1e6
	if in.RawMessages, err = topicMessages(ctx, r.brokers, r.fileTopics()); err != nil {
		return err
	}
	if in.Rows, err = datasetRows(ctx, r.conn, ch.Database); err != nil {
		return err
	}
	o.logf("loaded %d records (%d raw messages, %d rows) in %.1f s: %.0f records/s, peak RSS %.0f MiB, %.1f CPU s",
		in.Records, in.RawMessages, in.Rows, in.EndToEndSeconds, in.EndToEndPerS, float64(in.PeakRSSBytes)/(1<<20), in.CPUSeconds)
	if err := r.hub.waitHTTP(ctx, r.apiURL+"/readyz"); err != nil {
		return err
	}
	if in.Sources, err = r.sourceRates(ctx); err != nil {
		return err
	}
	for _, s := range in.Sources {
		o.logf("source %s (%s): %d records, the last committed %.1f s after the start: %.0f records/s", s.Source, s.Format, s.Records, s.Seconds, s.PerS)
	}
	if o.has("ingest") {
		r.res.Ingest = in
	}
	return nil
}

// failedFiles fails when a file source moved an extract to failed/: then
// not every record was loaded and no figure would be right.
func failedFiles(cfg *config.Config) error {
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Kind != "file" {
			continue
		}
		names, err := file.Failed(s)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return fmt.Errorf("source %s moved %v to failed/ (see the .error note beside each): not everything loaded", s.Name, names)
		}
	}
	return nil
}

// stepDone notes the load average at the end of a step.
func (r *run) stepDone(step string) { r.res.Machine.LoadAvgSteps[step] = loadAvg() }

// fileTopics are the raw topics of the district's file sources.
func (r *run) fileTopics() []string {
	var out []string
	for _, s := range r.cfg.Sources {
		if s.Kind == "file" {
			out = append(out, schema.RawTopic(s.Name))
		}
	}
	return out
}

// dropTimeout bounds the drop of one of the run's databases.
const dropTimeout = 5 * time.Minute

// cleanup stops the hub, drops what the run created and stops a ClickHouse
// the bench started (all unless -keep, but the hub always stops).
func (r *run) cleanup() error {
	var errs []error
	errs = append(errs, r.hub.stop())
	if !r.o.Keep {
		if r.conn != nil && len(r.dbs) > 0 {
			// Dropping a database removes every file of its parts: after a
			// 1,000,000-resident ingest that is minutes, not seconds, on a
			// disk that discards on unlink (the ingest part's eight
			// databases once took more than the minute all of them had).
			r.o.logf("dropping the run's databases %v", r.dbs)
			for _, db := range r.dbs {
				ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
				if err := r.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+store.QuoteIdent(db)); err != nil {
					errs = append(errs, fmt.Errorf("cannot drop database %s: %w", db, err))
				}
				cancel()
			}
		}
		if r.pgTable != "" {
			errs = append(errs, dropPGTable(r.o.Postgres, r.pgTable))
		}
		if r.work != "" {
			errs = append(errs, os.RemoveAll(r.work))
		}
	} else if r.work != "" {
		r.o.logf("kept: work folder %s, databases %v", r.work, r.dbs)
	}
	if r.conn != nil {
		r.conn.Close()
	}
	if r.chStop != nil {
		errs = append(errs, r.chStop())
	}
	return errors.Join(errs...)
}
