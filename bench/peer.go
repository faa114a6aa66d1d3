package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/residenthub/residenthub/store"
)

// peerStall is how long the peer may read nothing before the run fails.
const peerStall = 45 * time.Second

// peerColumns are the envelope's top-level scalar fields (schema.Envelope);
// JSONEachRow skips the rest (the nested "fields" object). ClickHouse 18.16
// has no way to keep a nested object as text, and no
// kafka_skip_broken_messages: every envelope is well-formed JSON.
const peerColumns = "source String, dataset String, record_key String, op String, source_time String, pulled_at String, origin String"

// peer is what a user might pick instead of the hub's pipelines:
// ClickHouse's own Kafka table engine, one Kafka table per raw topic with a
// materialized view into a MergeTree table, reading the same messages from
// hub A's embedded broker. Timed from attaching the views until the tables
// hold every message.
func (r *run) peer(ctx context.Context, in *Ingest) error {
	o := r.o
	db := "bench_" + r.id + "_peer"
	r.dbs = append(r.dbs, db)
	q := store.QuoteIdent(db)
	exec := func(sql string) error {
		if err := r.conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("peer: cannot run %q: %w", firstLine(sql), err)
		}
		return nil
	}
	if err := exec("CREATE DATABASE " + q); err != nil {
		return err
	}
	topics := r.fileTopics()
	var views, targets []string
	for i, topic := range topics {
		kt, tt, mv := fmt.Sprintf("%s.q%d", q, i), fmt.Sprintf("%s.t%d", q, i), fmt.Sprintf("%s.mv%d", q, i)
		if err := exec(fmt.Sprintf("CREATE TABLE %s (%s) ENGINE = Kafka(%s, %s, %s, 'JSONEachRow')", kt, peerColumns,
			store.QuoteString(strings.Join(r.brokers, ",")), store.QuoteString(topic), store.QuoteString(fmt.Sprintf("bench-%s-peer-%d", r.id, i)))); err != nil {
			return err
		}
		if err := exec(fmt.Sprintf("CREATE TABLE %s (%s) ENGINE = MergeTree ORDER BY record_key", tt, peerColumns)); err != nil {
			return err
		}
		views = append(views, fmt.Sprintf("CREATE MATERIALIZED VIEW %s TO %s AS SELECT * FROM %s", mv, tt, kt))
		targets = append(targets, "SELECT count() AS n FROM "+tt)
	}
	o.logf("peer: ClickHouse Kafka engine reading the %d raw messages of %d topics", in.RawMessages, len(topics))
	count := "SELECT sum(n) FROM (" + strings.Join(targets, " UNION ALL ") + ")"
	t0 := time.Now()
	for _, v := range views {
		if err := exec(v); err != nil {
			return err
		}
	}
	// No new row for peerStall: the engine is not reading (a server started
	// without auto_offset_reset smallest waits for new messages only).
	var n, seen uint64
	progress := time.Now()
	for int64(n) < in.RawMessages {
		time.Sleep(200 * time.Millisecond)
		if err := r.conn.QueryRow(ctx, count).Scan(&n); err != nil {
			return fmt.Errorf("peer: cannot count rows: %w", err)
		}
		if n > seen {
			seen, progress = n, time.Now()
		}
		if time.Since(progress) > peerStall {
			return fmt.Errorf("peer: the Kafka engine read %d of %d messages and nothing for %s; does the server config have <kafka><auto_offset_reset>smallest</auto_offset_reset></kafka> (deploy/local/clickhouse/config.xml; a server started before it was added needs a restart, or use the bench's private one)?", n, in.RawMessages, peerStall)
		}
	}
	in.PeerSeconds = time.Since(t0).Seconds()
	in.PeerMessages = int64(n)
	in.PeerKafkaEnginePerS = float64(n) / in.PeerSeconds
	o.logf("peer: %d messages in %.1f s: %.0f messages/s", n, in.PeerSeconds, in.PeerKafkaEnginePerS)
	// Stop consuming before the next parts.
	return exec("DROP DATABASE " + q)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
