// Package pipelines consumes the raw.<source> Kafka topics and loads the
// resident profile into ClickHouse:
//
//	raw.<source> ─ decode ─ normalize (record) ─ batch per dataset ─┐
//	                 └─ reject ─ dlq.<source> + rejects table ──────┤
//	  owners: id_numbers each record was stored under → tombstones  │
//	  person: compare name/birth_date with other sources → conflict │
//	  Arrow record batch (arrowbatch) ─ ClickHouse INSERT ──────────┴─ commit offsets
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
// materialized views, one primary-key lookup per batch) and in the batch,
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
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/segmentio/kafka-go"
)

// PipelineVersion is written to every loaded row and dead letter. Bump it
// when normalization changes, so replayed rows say which code produced them
// (pipelines/2: canonical record keys, record.CanonicalKey).
const PipelineVersion = "pipelines/2"

// shutdownTimeout bounds the final flush when Run's context is cancelled.
const shutdownTimeout = 10 * time.Second

// Runner consumes the raw topics of the configured sources with one Kafka
// consumer group and loads them into ClickHouse. Create it with New, start
// it with Run; Status and WaitIdle may be called from other goroutines.
type Runner struct {
	cfg     *config.Config
	conn    driver.Conn
	brokers []string
	log     *slog.Logger
	db      string                    // quoted profile database
	byTopic map[string]*config.Source // raw topic → source
	topics  []string                  // raw topics in config order
	stats   []*sourceStats            // in config order
	bySrc   map[string]*sourceStats
	m       *metrics
	hooks   hooks
	running atomic.Bool
	pending atomic.Int64 // messages fetched and not yet committed
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
		byTopic: map[string]*config.Source{}, bySrc: map[string]*sourceStats{},
	}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if _, ok := schema.Datasets[src.Dataset]; !ok {
			return nil, fmt.Errorf("cannot create pipelines: source %s: unknown dataset %q", src.Name, src.Dataset)
		}
		topic := schema.RawTopic(src.Name)
		r.byTopic[topic] = src
		r.topics = append(r.topics, topic)
		st := &sourceStats{source: src.Name, dataset: src.Dataset, topic: topic}
		r.stats = append(r.stats, st)
		r.bySrc[src.Name] = st
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("cannot create pipelines: %w", err)
	}
	r.m = m
	return r, nil
}

// Run consumes until ctx is cancelled, then flushes and commits what it
// holds (for at most 10 s) and returns nil. While ClickHouse or Kafka fail it
// pauses fetching and retries with exponential backoff up to
// pipelines.max_backoff; it holds at most one batch per dataset. Run returns
// an error only when it cannot start or cannot finish its final flush (the
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
	reader := kafka.NewReader(r.readerConfig())
	dlq := bus.NewWriter(r.brokers)
	defer dlq.Close()

	fetchCtx, stopFetch := context.WithCancel(ctx)
	msgs := make(chan kafka.Message)
	fetchDone := make(chan error, 1)
	go func() { fetchDone <- r.fetch(fetchCtx, reader, msgs) }()
	lagDone := make(chan struct{})
	go func() { defer close(lagDone); r.pollLag(fetchCtx) }()

	l := &loop{r: r, reader: reader, dlq: dlq, batches: map[string]*batch{}}
	err := l.run(ctx, msgs, fetchDone)
	stopFetch()
	<-lagDone
	select {
	case <-fetchDone:
	case <-time.After(5 * time.Second):
	}
	if cerr := reader.Close(); cerr != nil {
		r.log.Warn("cannot close Kafka reader", "err", cerr)
	}
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
		if !bo.wait(ctx) {
			return fmt.Errorf("cannot start pipelines: %w", err)
		}
	}
}

func (r *Runner) readerConfig() kafka.ReaderConfig {
	return kafka.ReaderConfig{
		Brokers:           r.brokers,
		GroupID:           r.cfg.Pipelines.GroupID,
		GroupTopics:       r.topics,
		MinBytes:          1,
		MaxBytes:          16 << 20,
		MaxWait:           250 * time.Millisecond,
		QueueCapacity:     1000,
		CommitInterval:    0, // synchronous commits: CommitMessages returns after the broker stored them
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  time.Second,
		ReadBackoffMin:    100 * time.Millisecond,
		ReadBackoffMax:    time.Second,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			text := fmt.Sprintf(msg, args...)
			if strings.Contains(text, "i/o timeout") {
				// A fetch that outlived its deadline while the broker was busy;
				// the reader retries it. Not worth an operator's attention.
				r.log.Debug("kafka: " + text)
				return
			}
			r.log.Warn("kafka: " + text)
		}),
	}
}

// fetch hands messages to the loop one at a time; it blocks while the loop
// flushes, which stops fetching (the reader's own queue is bounded).
func (r *Runner) fetch(ctx context.Context, reader *kafka.Reader, out chan<- kafka.Message) error {
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			return err
		}
		select {
		case out <- m:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// backoff doubles a wait from 100 ms up to pipelines.max_backoff.
type backoff struct {
	next, max time.Duration
}

func (r *Runner) newBackoff() *backoff {
	max := r.cfg.Pipelines.MaxBackoff
	if max <= 0 {
		max = 30 * time.Second
	}
	return &backoff{next: 100 * time.Millisecond, max: max}
}

// wait sleeps for the next interval; false when ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	d := min(b.next, b.max)
	b.next = min(b.next*2, b.max)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
