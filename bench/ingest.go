package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/file"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/residenthub/residenthub/pipelines"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/segmentio/kafka-go"
)

// datasets are the profile tables the district loads.
var datasets = []string{"person", "residence", "social_insurance", "employment", "health", "asset"}

// loadTimeout bounds one loading wait: generous, a slow hub must still
// finish (at 500 records/s), but a stuck one must not hang the run.
func loadTimeout(records int64) time.Duration {
	return 10*time.Minute + time.Duration(records/500)*time.Second
}

// waitLoaded polls every 250 ms until no file waits in a file source's drop
// folder (when files is set) and the consumer group has committed every
// message of topics, and returns the time of the first poll that saw it,
// once three more polls agree. It fails when the hub exits.
func waitLoaded(ctx context.Context, p *hubProc, cfg *config.Config, brokers []string, group string, topics []string, files bool, o *Options, timeout time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var first time.Time
	quiet, last, report := 0, "nothing polled yet", time.Now()
	for quiet < 4 {
		if err := p.exited(); err != nil {
			return time.Time{}, err
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("hub %s: not loaded: %s", p.name, last)
		case <-time.After(250 * time.Millisecond):
		}
		now := time.Now()
		pending := 0
		if files {
			for i := range cfg.Sources {
				if s := &cfg.Sources[i]; s.Kind == "file" {
					n, err := file.Pending(s)
					if err != nil {
						return time.Time{}, err
					}
					pending += n
				}
			}
		}
		lag, err := bus.TotalGroupLag(ctx, brokers, group, topics)
		switch {
		case err != nil:
			last, quiet = err.Error(), 0
		case pending > 0 || lag > 0:
			last, quiet = fmt.Sprintf("%d files waiting, lag %d messages", pending, lag), 0
		default:
			if quiet == 0 {
				first = now
			}
			quiet++
		}
		if time.Since(report) > 30*time.Second {
			o.logf("hub %s after %.0f s: %s", p.name, time.Since(p.started).Seconds(), last)
			report = time.Now()
		}
	}
	return first, nil
}

// topicMessages counts the messages on topics (end offsets summed over
// partitions). It fails when a partition no longer starts at offset 0: a
// step reading the topics would then measure part of the district.
func topicMessages(ctx context.Context, brokers []string, topics []string) (int64, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return 0, fmt.Errorf("cannot read topic metadata: %w", err)
	}
	reqs := map[string][]kafka.OffsetRequest{}
	for _, t := range meta.Topics {
		for _, p := range t.Partitions {
			reqs[t.Name] = append(reqs[t.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
		}
	}
	offs, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: reqs})
	if err != nil {
		return 0, fmt.Errorf("cannot list offsets: %w", err)
	}
	var n int64
	for topic, ps := range offs.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return 0, fmt.Errorf("cannot list offsets of %s/%d: %w", topic, p.Partition, p.Error)
			}
			if p.FirstOffset != 0 {
				return 0, fmt.Errorf("%s/%d starts at offset %d, not 0: the broker deleted messages (retention), so the topics no longer hold the whole district", topic, p.Partition, p.FirstOffset)
			}
			n += p.LastOffset
		}
	}
	return n, nil
}

// datasetRows counts the rows of the six dataset tables of db.
func datasetRows(ctx context.Context, conn driver.Conn, db string) (int64, error) {
	var total int64
	for _, ds := range datasets {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+store.QuoteIdent(db)+"."+ds).Scan(&n); err != nil {
			return 0, fmt.Errorf("cannot count %s rows: %w", ds, err)
		}
		total += int64(n)
	}
	return total, nil
}

// ingest measures the pipelines alone, ClickHouse's Kafka engine on the
// same raw topics, and ClickHouse's bulk insert of the loaded rows, while
// hub A (whose embedded broker holds the topics) idles.
//
// Each starts on a quiet ClickHouse (no merge of the previous loads still
// running), so it does not pay for the one before.
func (r *run) ingest(ctx context.Context) error {
	in := r.res.Ingest
	for _, step := range []struct {
		name string
		run  func(context.Context, *Ingest) error
	}{{"pipelines_only", r.pipelinesOnly}, {"peer", r.peer}, {"floor_insert", r.floorInsert}} {
		if err := r.quiet(ctx); err != nil {
			return err
		}
		if err := step.run(ctx, in); err != nil {
			return err
		}
		r.stepDone(step.name)
	}
	if in.FloorInsertRowsPerS > 0 {
		in.EndToEndVsFloor = in.EndToEndPerS / in.FloorInsertRowsPerS
		in.PipelinesOnlyVsFloor = in.PipelinesOnlyPerS / in.FloorInsertRowsPerS
	}
	if in.PeerKafkaEnginePerS > 0 {
		in.PipelinesOnlyVsPeer = in.PipelinesOnlyPerS / in.PeerKafkaEnginePerS
		in.EndToEndVsPeer = in.EndToEndPerS / in.PeerKafkaEnginePerS
	}
	return nil
}

// pipelinesOnly runs hub B with the pipelines role alone (its own consumer
// group and databases) against hub A's broker, whose raw topics already hold
// the whole district, and times it until its group has no lag.
func (r *run) pipelinesOnly(ctx context.Context, in *Ingest) error {
	o := r.o
	hc, cfg, err := r.pipelinesHub(ctx, "pipelines", "pipelines-only", "hub-b")
	if err != nil {
		return err
	}
	o.logf("pipelines only: hub B (pipelines) reading hub A's %d raw messages into %s", in.RawMessages, hc.clickhouse.Database)
	chPID := o.clickhousePID()
	chCPU0, events0 := cpuOf(chPID), r.serverEvents(ctx)
	pprofAddr, env, err := o.pprofListener()
	if err != nil {
		return err
	}
	b, err := startHub(o.Binary, hc.path, "pipelines", filepath.Join(r.work, "hub-b.log"), "B", env...)
	if err != nil {
		return err
	}
	defer b.stop()
	waitProfile := o.profileHub(ctx, o.Profile, "ingest-pipelines-only", pprofAddr, ingestProfileWindow)
	defer waitProfile()
	done, err := waitLoaded(ctx, b, cfg, r.brokers, cfg.Pipelines.GroupID, rawTopicsOf(cfg), false, o, loadTimeout(in.RawMessages))
	if err != nil {
		return err
	}
	u, err := b.usage()
	if err != nil {
		return err
	}
	in.PipelinesOnlySeconds = done.Sub(b.started).Seconds()
	in.PipelinesOnlyPerS = float64(in.RawMessages) / in.PipelinesOnlySeconds
	in.PipelinesOnlyPeakRSSBytes = u.PeakRSS
	in.PipelinesOnlyCPUSPerMillion = u.CPU / float64(in.RawMessages) * 1e6
	o.logf("pipelines only: %.1f s, %.0f messages/s, peak RSS %.0f MiB", in.PipelinesOnlySeconds, in.PipelinesOnlyPerS, float64(u.PeakRSS)/(1<<20))
	if err := b.stop(); err != nil {
		return err
	}
	// The merges the load caused are part of its cost.
	if err := r.quiet(ctx); err != nil {
		return err
	}
	perMessage := func(v float64) float64 { return v / float64(in.RawMessages) }
	if chPID > 0 {
		in.PipelinesOnlyClickHouseCPUSPerMillion = perMessage(cpuOf(chPID)-chCPU0) * 1e6
	}
	events := r.serverEvents(ctx)
	in.PipelinesOnlyRowsWrittenPerMessage = perMessage(events["MergeTreeDataWriterRows"] - events0["MergeTreeDataWriterRows"])
	in.PipelinesOnlyRowsMergedPerMessage = perMessage(events["MergedRows"] - events0["MergedRows"])
	o.logf("pipelines only: ClickHouse CPU %.0f s per million messages (hub B: %.0f); rows written %.1f and merged %.1f per message",
		in.PipelinesOnlyClickHouseCPUSPerMillion, in.PipelinesOnlyCPUSPerMillion, in.PipelinesOnlyRowsWrittenPerMessage, in.PipelinesOnlyRowsMergedPerMessage)
	return nil
}

// pipelinesHub prepares a hub that runs the pipelines role alone against
// hub A's broker: fresh, migrated databases bench_<id>_<suffix> (and its
// analytics database), the config <work>/deploy/demo/<name>.yaml with its
// data in <work>/var/<dataDir> and the consumer group bench-<id>-<name>.
func (r *run) pipelinesHub(ctx context.Context, suffix, name, dataDir string) (hubConfig, *config.Config, error) {
	ch := clickhouseConfig(r.chAddr, "bench_"+r.id+"_"+suffix)
	r.dbs = append(r.dbs, ch.Database, ch.AnalyticsDatabase)
	if err := migrate(ctx, ch); err != nil {
		return hubConfig{}, nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return hubConfig{}, nil, err
	}
	hc := hubConfig{path: filepath.Join(r.work, "deploy", "demo", name+".yaml"), dataDir: filepath.Join(r.work, "var", dataDir),
		brokers: r.brokers, kafkaPort: 1, httpPort: httpPort, clickhouse: ch, groupID: "bench-" + r.id + "-" + name}
	cfg, err := writeConfig(r.o, hc, r.keys)
	return hc, cfg, err
}

// rawTopicsOf returns the raw topics of cfg's sources.
func rawTopicsOf(cfg *config.Config) []string {
	var topics []string
	for _, s := range cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name))
	}
	return topics
}

// cpuOf returns the CPU seconds of process pid so far (0 for pid 0 or
// when unreadable).
func cpuOf(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	u, err := procUsage(pid)
	if err != nil {
		return 0
	}
	return u.CPU
}

// serverEvents returns ClickHouse's cumulative counters of rows written to
// and merged in MergeTree tables (system.events; an event not yet counted
// is absent there and 0 here; nil on error, which reads as 0s).
func (r *run) serverEvents(ctx context.Context) map[string]float64 {
	rows, err := r.conn.Query(ctx, "SELECT event, value FROM system.events WHERE event IN ('MergeTreeDataWriterRows', 'MergedRows')")
	if err != nil {
		r.o.logf("cannot read ClickHouse's system.events: %v", err)
		return nil
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var name string
		var v uint64
		if err := rows.Scan(&name, &v); err != nil {
			r.o.logf("cannot read ClickHouse's system.events: %v", err)
			return nil
		}
		out[name] = float64(v)
	}
	return out
}

// quietWait bounds the wait for ClickHouse's merges to finish.
const quietWait = 3 * time.Minute

// quiet waits until ClickHouse runs no merge (system.merges is empty),
// at most quietWait.
func (r *run) quiet(ctx context.Context) error {
	t0 := time.Now()
	for {
		var n uint64
		if err := r.conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			return fmt.Errorf("cannot read ClickHouse's merges: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Since(t0) > quietWait {
			r.o.logf("ClickHouse still runs %d merges after %s; going on", n, quietWait)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// sourceRates reads hub A's GET /v1/sources after loading and returns every
// file source's end-to-end rate (SourceRate), in config order.
func (r *run) sourceRates(ctx context.Context) ([]SourceRate, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", r.apiURL+"/v1/sources", nil)
	if err != nil {
		return nil, err
	}
	resp, err := newHTTPClient(1).Do(r.authorize(req, r.keys.caseworker))
	if err != nil {
		return nil, fmt.Errorf("cannot read hub A's sources: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot read hub A's sources: HTTP %d", resp.StatusCode)
	}
	var reports []struct { // cmd/residenthub's SourceReport
		runtime.SourceStatus
		Pipeline *pipelines.DatasetStatus `json:"pipeline"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reports); err != nil {
		return nil, fmt.Errorf("cannot read hub A's sources: %w", err)
	}
	byName := map[string]int{}
	for i, rep := range reports {
		byName[rep.Source] = i
	}
	var out []SourceRate
	for i := range r.cfg.Sources {
		s := &r.cfg.Sources[i]
		if s.Kind != "file" {
			continue
		}
		j, ok := byName[s.Name]
		if !ok || reports[j].Pipeline == nil || reports[j].Pipeline.LastLoadedAt == nil {
			continue // nothing of it was loaded
		}
		rep := reports[j]
		format, err := file.Format(s)
		if err != nil {
			format = "" // only a label: the source's files may differ
		}
		sr := SourceRate{Source: s.Name, Format: format, Records: rep.RowsRejected + rep.Pipeline.Loaded + rep.Pipeline.Rejected,
			Seconds: rep.Pipeline.LastLoadedAt.Sub(r.hub.started).Seconds()}
		if sr.Seconds > 0 {
			sr.PerS = float64(sr.Records) / sr.Seconds
		}
		out = append(out, sr)
	}
	return out, nil
}
