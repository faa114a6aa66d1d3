package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
)

// Crash is the crash part: the pipelines killed with SIGKILL at full speed
// and started again, then compared with hub A's uninterrupted load of the
// same raw messages.
type Crash struct {
	// Killed says hub E was killed before it had loaded everything (a
	// small district can be loaded before the first look).
	Killed bool `json:"killed"`
	// KilledAfterS is the time from hub E's start to the kill, and
	// CommittedAtKill the raw messages its consumer group had committed
	// then (out of Ingest.RawMessages).
	KilledAfterS    float64 `json:"killed_after_s"`
	CommittedAtKill int64   `json:"committed_at_kill"`
	// RestartS is the time from the restart until the group had no lag.
	RestartS float64 `json:"restart_s"`
	// Tables is every compared table of both loads, and Equal whether all
	// of them match.
	Tables []CrashTable `json:"tables"`
	Equal  bool         `json:"equal"`
}

// CrashTable compares one table of the crashed load with the same table of
// hub A's load: its rows after collapsing (FINAL), with a hash of every
// column of them; for the rejects, the distinct Kafka messages rejected.
type CrashTable struct {
	Table    string `json:"table"`
	Rows     uint64 `json:"rows"`
	Hash     uint64 `json:"hash"`
	RowsHubA uint64 `json:"rows_hub_a"`
	HashHubA uint64 `json:"hash_hub_a"`
	Equal    bool   `json:"equal"`
}

// crashPollEvery is how often the crash part looks at hub E's progress.
const crashPollEvery = 100 * time.Millisecond

// crash is issue 9's crash test at full speed: hub E (the pipelines role
// alone, its own consumer group and databases) reads hub A's raw topics and
// is killed with SIGKILL once its group has committed half of them; it is
// started again and, once its group has no lag, every dataset table must
// hold exactly the rows of hub A's uninterrupted load (FINAL: count and the
// sum of cityHash64 over every column, ingest_time included: both loads read
// the same messages), and its rejects the same messages. A difference is
// reported (Crash.Equal false) and returned as an error; the figures are
// still printed and written, the parts after this one do not run.
func (r *run) crash(ctx context.Context) error {
	o := r.o
	hc, cfg, err := r.pipelinesHub(ctx, "crash", "crash", "hub-e")
	if err != nil {
		return err
	}
	topics := rawTopicsOf(cfg)
	raw, err := topicMessages(ctx, r.brokers, r.fileTopics())
	if err != nil {
		return err
	}
	res := &Crash{}
	r.res.Crash = res
	o.logf("crash: hub E (pipelines) reading the %d raw messages into %s, killed with SIGKILL at half", raw, hc.clickhouse.Database)
	c, err := startHub(o.Binary, hc.path, "pipelines", filepath.Join(r.work, "hub-e.log"), "E")
	if err != nil {
		return err
	}
	defer c.stop()
	for {
		if err := c.exited(); err != nil {
			return err
		}
		lag, err := bus.TotalGroupLag(ctx, r.brokers, cfg.Pipelines.GroupID, r.fileTopics())
		if err == nil && raw-lag >= raw/2 {
			// Half committed: kill now (a lag of 0: hub E loaded
			// everything before this look).
			res.Killed, res.CommittedAtKill = lag > 0, raw-lag
			break
		}
		if time.Since(c.started) > loadTimeout(raw) {
			return fmt.Errorf("crash: hub E did not load half of the raw messages in %s", loadTimeout(raw))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(crashPollEvery):
		}
	}
	_ = c.cmd.Process.Kill()
	<-c.done
	res.KilledAfterS = time.Since(c.started).Seconds()
	if res.Killed {
		o.logf("crash: hub E killed after %.1f s with %d of %d messages committed", res.KilledAfterS, res.CommittedAtKill, raw)
	} else {
		o.logf("crash: hub E loaded all %d messages within %.1f s, before the first look; killed and restarted all the same", raw, res.KilledAfterS)
	}
	c, err = startHub(o.Binary, hc.path, "pipelines", filepath.Join(r.work, "hub-e-restarted.log"), "E (restarted)")
	if err != nil {
		return err
	}
	defer c.stop()
	done, err := waitLoaded(ctx, c, cfg, r.brokers, cfg.Pipelines.GroupID, topics, false, o, loadTimeout(raw))
	if err != nil {
		return err
	}
	res.RestartS = done.Sub(c.started).Seconds()
	if err := c.stop(); err != nil {
		return err
	}
	if res.Tables, err = r.compareLoads(ctx, "bench_"+r.id, hc.clickhouse.Database, cfg.Sources); err != nil {
		return err
	}
	res.Equal = true
	var differ []string
	for _, t := range res.Tables {
		if !t.Equal {
			res.Equal = false
			differ = append(differ, fmt.Sprintf("%s (%d rows, hub A %d)", t.Table, t.Rows, t.RowsHubA))
		}
	}
	o.logf("crash: reloaded in %.1f s after the restart; equal to hub A's load: %v", res.RestartS, res.Equal)
	if !res.Equal {
		return fmt.Errorf("crash: the load killed and restarted differs from the uninterrupted one in %s", strings.Join(differ, ", "))
	}
	return nil
}

// compareLoads compares every dataset table of the sources (and the
// rejects) of database a with the same table of database b.
func (r *run) compareLoads(ctx context.Context, a, b string, sources []config.Source) ([]CrashTable, error) {
	var tables []string
	for _, s := range sources {
		if !slices.Contains(tables, s.Dataset) {
			tables = append(tables, s.Dataset)
		}
	}
	var out []CrashTable
	for _, t := range tables {
		var names []string
		if err := r.conn.QueryRow(ctx, "SELECT groupArray(name) FROM (SELECT name FROM system.columns WHERE database = "+
			store.QuoteString(a)+" AND table = "+store.QuoteString(t)+" ORDER BY name)").Scan(&names); err != nil {
			return nil, fmt.Errorf("cannot read the columns of %s: %w", t, err)
		}
		cols := make([]string, len(names))
		for i, n := range names {
			cols[i] = store.QuoteIdent(n)
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("cannot compare %s: no columns in %s", t, a)
		}
		q := "SELECT count(), sum(cityHash64(" + strings.Join(cols, ", ") + ")) FROM %s." + store.QuoteIdent(t) + " FINAL"
		ct, err := r.compareTable(ctx, t, q, a, b)
		if err != nil {
			return nil, err
		}
		out = append(out, ct)
	}
	// Rejects: the rejected messages (a replay after the crash writes a
	// reject again, with another rejected_at).
	ct, err := r.compareTable(ctx, "rejects", "SELECT count(), sum(h) FROM (SELECT DISTINCT cityHash64(source, dataset, record_key, topic, "+
		"kafka_partition, kafka_offset, field, reason) AS h FROM %s.rejects)", a, b)
	if err != nil {
		return nil, err
	}
	return append(out, ct), nil
}

// compareTable runs q, a query of a row count and a hash with %s for the
// database, on database b (the crashed load) and on a (hub A's).
func (r *run) compareTable(ctx context.Context, table, q, a, b string) (CrashTable, error) {
	ct := CrashTable{Table: table}
	if err := r.conn.QueryRow(ctx, fmt.Sprintf(q, store.QuoteIdent(b))).Scan(&ct.Rows, &ct.Hash); err != nil {
		return ct, fmt.Errorf("cannot hash %s.%s: %w", b, table, err)
	}
	if err := r.conn.QueryRow(ctx, fmt.Sprintf(q, store.QuoteIdent(a))).Scan(&ct.RowsHubA, &ct.HashHubA); err != nil {
		return ct, fmt.Errorf("cannot hash %s.%s: %w", a, table, err)
	}
	ct.Equal = ct.Rows == ct.RowsHubA && ct.Hash == ct.HashHubA
	return ct, nil
}
