// Package pipelines consumes the raw.<source> Kafka topics and loads the
// resident profile into ClickHouse:
//
//	raw.<source> ─ batch per dataset (loader) ─ decode ─ normalize (record) ─┐
//	                 └─ reject ─ dlq.<source> + rejects table ───────────────┤
//	  owners: id_numbers each record was stored under → tombstones           │
//	  person: compare name/birth_date with other sources → conflict          │
//	  Arrow record batch (arrowbatch) ─ ClickHouse INSERT ───────────────────┴─ commit offsets
//
// The loop is pipelines/loader's: one lane per dataset, and in each lane
// batch N is stored while batch N+1 is decoded (on every core) and N+2
// fetched; the datasets' lanes run beside each other. A dataset's batches
// are stored one after the other, so the owners and identities a batch looks
// up include those of every earlier batch of the dataset.
//
// Delivery is at-least-once and loading is idempotent: a row's ClickHouse
// sorting key (id_number, source, record_key, source_time) and version
// (ingest_time = the Kafka message time) depend only on the message, so a
// replay or a crash between insert and commit inserts identical rows that
// ReplacingMergeTree collapses (read with FINAL). Offsets are committed only
// after ClickHouse acknowledged every insert of the batch and the dead
// letters were acknowledged by Kafka (acks=all).
//
// Owners: the profile tables are ordered by id_number, so a source record
// that is deleted, or moves to another person (an update with a new
// id_number), must also end under the id_numbers it was stored under before.
// The loader looks up the record's earlier owners in record_owner (filled by
// materialized views, one primary-key lookup per batch; only records that
// can move are in it: a source whose record key holds the id_number stores a
// record under that one, and its deletes take it from the key) and in the batch,
// and writes a tombstone (deleted=1, zero fields) under each: at the delete's
// source_time for a delete (which needs only the record key; plus its own
// id_number if it has one, and "" if no owner is known), at the update's
// source_time for an update by a new owner. See resolveOwners.
package pipelines

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/loader"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/retry"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// PipelineVersion is written to every loaded row and dead letter. Bump it
// when normalization changes, so replayed rows say which code produced them
// (pipelines/2: canonical record keys, record.CanonicalKey).
const PipelineVersion = "pipelines/2"

// DefaultMaxInFlight is the pipelines.max_in_flight of a config that sets
// none (or batch_rows, if larger): the messages fetched and not yet
// committed, about 1.5 KiB of heap each (2 KiB before 2026-12-08). The
// loop commits a message after its batch was stored, so its throughput is
// at most this many messages per batch's time in flight (collected,
// decoded, stored, committed): with 60,000 (3 × the default batch_rows, the default until 2026-12-07) the
// 2-core bench machine loaded 38,000 messages a second with half its CPU
// idle; 120,000 made it 60,000 a second, within the 360 MiB soft memory
// limit of residenthub run; 150,000 and 200,000 only added garbage
// collection (README: Performance).
const DefaultMaxInFlight = 120_000

// shutdownTimeout bounds the final store and commit when Run's context is
// cancelled.
const shutdownTimeout = 8 * time.Second

// Runner consumes the raw topics of the configured sources with one Kafka
// consumer group and loads them into ClickHouse. Create it with New, start
// it with Run; Status and WaitIdle may be called from other goroutines.
type Runner struct {
	cfg      *config.Config
	conn     driver.Conn
	brokers  []string
	log      *slog.Logger
	db       string                    // quoted profile database
	intake   string                    // quoted {analytics_db}.intake_history
	salt     string                    // clickhouse.pseudonym_salt (store.Pseudonym of record keys)
	byTopic  map[string]*config.Source // raw topic → source
	topics   []string                  // raw topics in config order
	datasets []schema.Dataset          // one loader lane each, in order of first use
	laneOf   map[string]int            // raw topic → lane
	stats    []*sourceStats            // in config order
	bySrc    map[string]*sourceStats
	m        *metrics
	hooks    hooks
	running  atomic.Bool
	pending  atomic.Int64 // messages fetched and not yet committed
	chSlots  chan struct{}
	// One INSERT for the intake and reject rows of the batches being
	// stored at the same time (group.go).
	intakeGroup *groupInsert[intakeRows]
	rejectGroup *groupInsert[[]pendingReject]
	// keyHoldsSubject: the source's record key has a column mapped to the
	// dataset's subject field (id_number), so a record keeps its owner.
	keyHoldsSubject map[string]bool
}

// hooks let tests simulate failures; nil hooks do nothing.
type hooks struct {
	// beforeInsert runs before every ClickHouse insert; an error fails it
	// (as if ClickHouse were down) and the batch is retried.
	beforeInsert func(table string) error
	// beforeCommit runs after a batch is stored and before its offsets are
	// committed; an error makes Run return it at once (a crash).
	beforeCommit func() error
}

// errCrash wraps the error of the beforeCommit test hook.
var errCrash = loader.ErrCrashed

// New prepares a runner for every source of cfg.Sources, loading through
// conn into cfg.ClickHouse.Database, with Kafka at brokers. reg (optional)
// receives the pipeline metrics; log (optional) the operational log.
func New(cfg *config.Config, conn driver.Conn, brokers []string, reg prometheus.Registerer, log *slog.Logger) (*Runner, error) {
	if cfg == nil || conn == nil {
		return nil, errors.New("cannot create pipelines: config and ClickHouse connection are required")
	}
	if len(brokers) == 0 {
		return nil, errors.New("cannot create pipelines: no Kafka brokers")
	}
	if cfg.Pipelines.GroupID == "" || cfg.Pipelines.BatchRows < 1 || cfg.Pipelines.Linger <= 0 {
		return nil, errors.New("cannot create pipelines: pipelines.group_id, batch_rows and linger are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runner{
		cfg: cfg, conn: conn, brokers: brokers, log: log.With("component", "pipelines"),
		db:      store.QuoteIdent(cfg.ClickHouse.Database),
		intake:  store.QuoteIdent(cfg.ClickHouse.AnalyticsDatabase) + ".intake_history",
		salt:    cfg.ClickHouse.PseudonymSalt,
		byTopic: map[string]*config.Source{}, bySrc: map[string]*sourceStats{}, laneOf: map[string]int{},
		chSlots: make(chan struct{}, chSlots), keyHoldsSubject: map[string]bool{},
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("cannot create pipelines: %w", err)
	}
	r.m = m
	batchRows := cfg.Pipelines.BatchRows
	r.intakeGroup = &groupInsert[intakeRows]{join: joinIntake, send: r.sendIntake,
		spacing: bookkeepingSpacing, full: func(rows intakeRows) bool { return len(rows.offsets) >= batchRows }}
	r.rejectGroup = &groupInsert[[]pendingReject]{join: func(into, rows []pendingReject) []pendingReject { return append(into, rows...) }, send: r.sendRejects,
		spacing: bookkeepingSpacing, full: func(rows []pendingReject) bool { return len(rows) >= batchRows }}
	lanes := map[string]int{}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		ds, ok := schema.Datasets[src.Dataset]
		if !ok {
			return nil, fmt.Errorf("cannot create pipelines: source %s: unknown dataset %q", src.Name, src.Dataset)
		}
		if _, ok := lanes[ds.Name]; !ok {
			lanes[ds.Name] = len(r.datasets)
			r.datasets = append(r.datasets, ds)
		}
		_, r.keyHoldsSubject[src.Name] = record.KeyPartOfSubject(ds, src)
		topic := schema.RawTopic(src.Name)
		r.byTopic[topic] = src
		r.laneOf[topic] = lanes[ds.Name]
		r.topics = append(r.topics, topic)
		st := newSourceStats(src, topic, m)
		r.stats = append(r.stats, st)
		r.bySrc[src.Name] = st
	}
	return r, nil
}

// Run consumes until ctx is cancelled, then stores and commits what it
// holds (for at most 8 s) and returns nil. While ClickHouse or Kafka fail it
// retries with exponential backoff up to pipelines.max_backoff and stops
// fetching once pipelines.max_in_flight messages wait. Run returns an error
// only when it cannot start or cannot finish its final store (the
// uncommitted messages are then consumed again on the next start).
func (r *Runner) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("pipelines: already running")
	}
	defer r.running.Store(false)
	r.pending.Store(0)
	if len(r.topics) == 0 {
		<-ctx.Done()
		return nil
	}
	if err := r.ensureTopics(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	dlq := bus.NewWriter(r.brokers)
	defer dlq.Close()
	p := r.cfg.Pipelines
	inFlight := p.MaxInFlight
	if inFlight == 0 {
		inFlight = max(DefaultMaxInFlight, p.BatchRows)
	}
	l, err := loader.New(loader.Config[*batch]{
		Brokers: r.brokers, GroupID: p.GroupID, Topics: r.topics,
		Lanes: len(r.datasets), LaneOf: func(topic string) int { return r.laneOf[topic] },
		BatchRows: p.BatchRows, Linger: p.Linger, MaxInFlight: inFlight,
		MaxBackoff: p.MaxBackoff, ShutdownTimeout: shutdownTimeout,
		Prepare:      r.prepare,
		Store:        func(ctx context.Context, b *batch) error { return r.store(ctx, dlq, b) },
		Committed:    r.committed,
		BeforeCommit: r.hooks.beforeCommit,
		Log:          r.log,
		Fetched:      func(*loader.Message) { r.pending.Add(1) },
		Released:     func(n int) { r.pending.Add(-int64(n)) },
	})
	if err != nil {
		return fmt.Errorf("cannot start pipelines: %w", err)
	}
	lagCtx, stopLag := context.WithCancel(ctx)
	lagDone := make(chan struct{})
	go func() { defer close(lagDone); r.pollLag(lagCtx) }()
	err = l.Run(ctx)
	stopLag()
	<-lagDone
	return err
}

// ensureTopics creates the raw and DLQ topics, retrying while Kafka is down.
func (r *Runner) ensureTopics(ctx context.Context) error {
	topics := append([]string(nil), r.topics...)
	for _, st := range r.stats {
		topics = append(topics, schema.DLQTopic(st.source))
	}
	bo := r.newBackoff()
	for {
		err := bus.EnsureTopics(ctx, r.brokers, r.cfg.Kafka.Partitions, topics...)
		if err == nil {
			return nil
		}
		r.log.Warn("cannot create topics, retrying", "err", err)
		if !bo.Wait(ctx) {
			return fmt.Errorf("cannot start pipelines: %w", err)
		}
	}
}

// newBackoff pauses from 100 ms up to pipelines.max_backoff.
func (r *Runner) newBackoff() *retry.Backoff {
	return retry.New(100*time.Millisecond, r.cfg.Pipelines.MaxBackoff)
}
