// Package loader is the hub's one Kafka → batch → store → commit loop, used
// by the pipelines (raw.<source> → the profile tables) and by the audit sink
// (audit → audit_log).
//
//	Kafka (one consumer group) ─ fetch ─┬─ lane 0: collect ─ prepare ─ store ─ commit
//	                                    ├─ lane 1: collect ─ prepare ─ store ─ commit
//	                                    └─ …
//
// Every topic belongs to one lane (a dataset, say). A lane collects its
// messages in fetch order until it holds Config.BatchRows of them or its
// oldest is Config.Linger old, then hands the batch to its prepare stage
// (decoding, pure CPU) and that to its store stage (ClickHouse). The three
// stages of a lane run at once, so batch N is stored while batch N+1 is
// prepared and N+2 collected, and the lanes run beside each other.
//
// Batches grow with the backlog (group commit): a lane whose messages are
// Config.Linger old is cut only when at most one of its batches is still
// being prepared or stored. While its stages are busy, a partial batch would
// only wait for them, so the lane goes on collecting (up to BatchRows, or
// until the in-flight bound cuts it) and the next insert is larger. An idle
// lane is cut after Linger as before, so a lone change waits at most about
// Linger plus the store of the batch before it.
//
// Guarantees:
//   - Per-partition order: a partition's messages are in one lane, and a
//     lane's batches are prepared and stored one after the other, in order.
//   - Offsets after the store: a batch's offsets (per partition, the last
//     message of the batch) are committed only after Store returned nil for
//     it, and a lane commits its batches in order, so a committed offset
//     never passes a message that was not stored. Delivery is at least once:
//     Store must be idempotent (a crash between store and commit, or a
//     rebalance, delivers the messages again).
//   - Bounded memory: at most Config.MaxInFlight messages are fetched and
//     not yet committed, over all lanes; at the limit fetching pauses and
//     the fullest lane's partial batch is handed on at once.
//   - Backpressure: a failing Store is retried with exponential backoff
//     (retry.Backoff, 100 ms … Config.MaxBackoff) and the lane does not move
//     on, so fetching stops once the in-flight limit is reached.
//   - Shutdown: when Run's context ends, fetching stops, every collected
//     message is prepared and stored, and the offsets are committed, within
//     Config.ShutdownTimeout.
//
// Several processes in one consumer group share the partitions; a rebalance
// may deliver a message to two of them (both store it: idempotent), never
// to none.
package loader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/retry"
	"github.com/segmentio/kafka-go"
)

// Config says what a Loop consumes and how it batches. B is the prepared
// batch type of the user (the pipelines' rows, the audit events).
type Config[B any] struct {
	Brokers []string
	GroupID string
	Topics  []string
	// Lanes is the number of lanes; LaneOf maps each of Topics to one of
	// 0..Lanes-1 (nil: every topic in lane 0).
	Lanes  int
	LaneOf func(topic string) int
	// BatchRows is the most messages in one batch; Linger the longest a
	// message waits for its batch to fill.
	BatchRows int
	Linger    time.Duration
	// MaxInFlight bounds the messages fetched and not yet committed, over
	// all lanes (default 4 × BatchRows). It bounds the loop's memory.
	MaxInFlight int
	// MaxBackoff is the longest pause between attempts of a failing Store
	// (default 30 s).
	MaxBackoff time.Duration
	// ShutdownTimeout bounds the final prepare, store and commit after
	// Run's context ended (default 10 s).
	ShutdownTimeout time.Duration

	// Prepare turns a lane's batch of messages (in fetch order, which keeps
	// every partition's order) into B. It runs on the lane's prepare
	// goroutine, beside the Store of the previous batch and the Prepare of
	// other lanes, so it must be safe for concurrent use across lanes. It
	// cannot fail: a message it cannot use belongs in B as a rejection.
	// msgs is reused for a later batch once Prepare returns: B may keep a
	// message's Key and Value, never the slice msgs itself.
	Prepare func(lane int, msgs []Message) B
	// Store writes a batch. After an error it is called again with the same
	// batch (after a backoff) until it returns nil, so it must be
	// idempotent; it may keep its progress in B. Batches of one lane are
	// stored one at a time, in order; lanes store concurrently.
	Store func(ctx context.Context, b B) error
	// Committed (optional) is called once the batch's offsets were
	// committed (or committing failed five times: the messages will be
	// delivered again and stored again).
	Committed func(b B, msgs int)
	// BeforeCommit (optional, for tests) runs after a successful Store and
	// before the commit; an error stops the loop at once, as a crash would:
	// nothing more is stored or committed, and Run returns the error.
	BeforeCommit func() error

	// Log receives retries and Kafka errors (default: discarded).
	Log *slog.Logger
	// Fetched (optional) is told of every fetched message, and Released of
	// every n messages committed (or dropped by a crash), to keep a count
	// of pending messages.
	Fetched  func(m *Message)
	Released func(n int)
}

// ErrCrashed wraps the error of Config.BeforeCommit.
var ErrCrashed = errors.New("loader: stopped before commit")

// Message is what the loop keeps of a fetched Kafka message until its batch
// is prepared: 88 bytes, against the 152 of kafka-go's Message (headers,
// high-water mark and writer data are dropped; nothing here reads them).
// Tens of thousands are held at once (Config.MaxInFlight), so the size is
// the loop's memory and the collector's work.
type Message struct {
	Topic      string
	Key, Value []byte
	Offset     int64
	// Time is the Kafka message time in Unix milliseconds (Kafka's own
	// unit); 0 when the message has none (kafka-go reads a timestamp ≤ 0
	// as none).
	Time      int64
	Partition int32
}

// messageOf keeps what Message holds of m.
func messageOf(m *kafka.Message) Message {
	var ms int64
	if !m.Time.IsZero() {
		ms = m.Time.UnixMilli()
	}
	return Message{Topic: m.Topic, Key: m.Key, Value: m.Value, Offset: m.Offset, Time: ms, Partition: int32(m.Partition)}
}

// MessageTime returns m's Kafka time in UTC, or the zero time when it has
// none.
func (m *Message) MessageTime() time.Time {
	if m.Time == 0 {
		return time.Time{}
	}
	return time.UnixMilli(m.Time).UTC()
}

// Loop is one consumer of Config.Topics. Create it with New and call Run
// once.
type Loop[B any] struct {
	cfg Config[B]
	log *slog.Logger
}

// New checks cfg and fills its defaults.
func New[B any](cfg Config[B]) (*Loop[B], error) {
	switch {
	case len(cfg.Brokers) == 0:
		return nil, errors.New("cannot create loader: no Kafka brokers")
	case cfg.GroupID == "" || len(cfg.Topics) == 0:
		return nil, errors.New("cannot create loader: a consumer group and topics are required")
	case cfg.BatchRows < 1 || cfg.Linger <= 0:
		return nil, errors.New("cannot create loader: batch rows and linger must be positive")
	case cfg.Prepare == nil || cfg.Store == nil:
		return nil, errors.New("cannot create loader: Prepare and Store are required")
	}
	if cfg.Lanes < 1 {
		cfg.Lanes = 1
	}
	if cfg.LaneOf == nil {
		cfg.LaneOf = func(string) int { return 0 }
	}
	for _, t := range cfg.Topics {
		if l := cfg.LaneOf(t); l < 0 || l >= cfg.Lanes {
			return nil, fmt.Errorf("cannot create loader: topic %s in lane %d of %d", t, l, cfg.Lanes)
		}
	}
	if cfg.MaxInFlight < 1 {
		cfg.MaxInFlight = 4 * cfg.BatchRows
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Loop[B]{cfg: cfg, log: log}, nil
}

// ReaderConfig is the consumer-group reader the loop uses: synchronous
// commits (CommitMessages returns after the broker stored them), reading
// from the first offset of a partition the group never committed.
func ReaderConfig(brokers []string, groupID string, topics []string, log *slog.Logger) kafka.ReaderConfig {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return kafka.ReaderConfig{
		Brokers:           brokers,
		Dialer:            bus.Dialer(brokers), // the hub's Kafka credentials (bus.Secure)
		GroupID:           groupID,
		GroupTopics:       topics,
		MinBytes:          1,
		MaxBytes:          1 << 20, // per partition fetch (a few thousand messages): bounds the reader's buffers
		MaxWait:           250 * time.Millisecond,
		QueueCapacity:     4096,
		CommitInterval:    0,
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
				// A fetch that outlived its deadline while the broker was
				// busy; the reader retries it.
				log.Debug("kafka: " + text)
				return
			}
			log.Warn("kafka: " + text)
		}),
	}
}

// batch is one lane's collected messages, then its prepared form and the
// messages to commit (the last of every partition, without key and value,
// so the message bytes are freed once prepared).
type batch[B any] struct {
	msgs     []Message
	n        int
	prepared B
	commit   []kafka.Message
}

type lane[B any] struct {
	id      int
	msgs    []Message
	started time.Time
	prepare chan *batch[B]
	store   chan *batch[B]
	// spare is a prepared batch's emptied message slice, handed back to
	// collect for the next batch (a batch of 20,000 messages is 1.8 MB).
	spare chan []Message
	// busy counts the lane's batches handed to prepare and not yet done
	// with by the store stage (stored, or given up).
	busy atomic.Int32
}

// run is the state of one Run.
type run[B any] struct {
	l        *Loop[B]
	reader   *kafka.Reader
	lanes    []*lane[B]
	inFlight atomic.Int64
	released chan struct{} // a store committed (signal, capacity 1)

	// work is the context of prepare and store: not ended by Run's
	// context, but ShutdownTimeout after it ended, or by a crash.
	work     context.Context
	stopWork context.CancelFunc
	// collecting ends with Run's context (nil once the shutdown began)
	collecting <-chan struct{}
	errMu      sync.Mutex
	err        error
}

func (r *run[B]) fail(err error) {
	r.errMu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.errMu.Unlock()
}

// Run consumes until ctx ends, then stores and commits what it holds (within
// ShutdownTimeout) and returns nil. It returns an error when the final store
// did not finish (those messages are delivered again on the next start),
// when fetching failed for another reason than ctx, or when BeforeCommit
// failed (ErrCrashed).
func (l *Loop[B]) Run(ctx context.Context) error {
	reader := kafka.NewReader(ReaderConfig(l.cfg.Brokers, l.cfg.GroupID, l.cfg.Topics, l.log))
	r := &run[B]{l: l, reader: reader, released: make(chan struct{}, 1)}
	r.work, r.stopWork = context.WithCancel(context.WithoutCancel(ctx))
	defer r.stopWork()

	var stages sync.WaitGroup
	for i := 0; i < l.cfg.Lanes; i++ {
		ln := &lane[B]{id: i, prepare: make(chan *batch[B], 1), store: make(chan *batch[B], 1), spare: make(chan []Message, 1)}
		r.lanes = append(r.lanes, ln)
		stages.Add(2)
		go func() { defer stages.Done(); r.prepareStage(ln) }()
		go func() { defer stages.Done(); r.storeStage(ln) }()
	}

	fetchCtx, stopFetch := context.WithCancel(ctx)
	msgs := make(chan Message, 256)
	fetchDone := make(chan error, 1)
	go func() { fetchDone <- fetch(fetchCtx, reader, msgs) }()

	r.collecting = ctx.Done()
	ferr := r.collect(ctx, msgs, fetchDone)
	r.collecting = nil
	stopFetch()
	// Shutdown: the collected messages go on; the stages finish within
	// ShutdownTimeout of now.
	deadline := time.AfterFunc(l.cfg.ShutdownTimeout, r.stopWork)
	defer deadline.Stop()
	if r.work.Err() == nil {
		for _, ln := range r.lanes {
			r.cut(ln)
		}
	}
	for _, ln := range r.lanes {
		close(ln.prepare)
	}
	stages.Wait()
	select {
	case <-fetchDone:
	case <-time.After(5 * time.Second):
	}
	if cerr := reader.Close(); cerr != nil {
		l.log.Warn("cannot close Kafka reader", "err", cerr)
	}
	r.errMu.Lock()
	defer r.errMu.Unlock()
	switch {
	case r.err != nil:
		return r.err
	case ferr != nil:
		return ferr
	}
	return nil
}

// fetch hands messages to collect; it blocks while collect does not take
// them (in-flight limit), which stops fetching.
func fetch(ctx context.Context, reader *kafka.Reader, out chan<- Message) error {
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			return err
		}
		select {
		case out <- messageOf(&m):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// collect sorts fetched messages into the lanes and cuts batches until ctx
// ends (nil), fetching fails (its error) or the work stopped (a crash).
func (r *run[B]) collect(ctx context.Context, msgs <-chan Message, fetchDone <-chan error) error {
	cfg := r.l.cfg
	tick := min(max(cfg.Linger/4, 10*time.Millisecond), 250*time.Millisecond)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		in := msgs
		if r.inFlight.Load() >= int64(cfg.MaxInFlight) {
			// At the limit: stop taking messages and hand on the fullest
			// lane's messages, so that its commit makes room (the other
			// lanes keep filling their batches meanwhile).
			in = nil
			var fullest *lane[B]
			for _, ln := range r.lanes {
				if fullest == nil || len(ln.msgs) > len(fullest.msgs) {
					fullest = ln
				}
			}
			r.cut(fullest)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.work.Done():
			return nil
		case err := <-fetchDone:
			if ctx.Err() != nil {
				return nil
			}
			r.l.log.Error("cannot fetch from Kafka", "err", err)
			return fmt.Errorf("cannot fetch from Kafka: %w", err)
		case m := <-in:
			r.inFlight.Add(1)
			if cfg.Fetched != nil {
				cfg.Fetched(&m)
			}
			ln := r.lanes[cfg.LaneOf(m.Topic)]
			if len(ln.msgs) == 0 {
				ln.started = time.Now()
			}
			ln.msgs = append(ln.msgs, m)
			if len(ln.msgs) >= cfg.BatchRows {
				r.cut(ln)
			}
		case <-r.released:
		case <-ticker.C:
			for _, ln := range r.lanes {
				// Group commit: with two batches of the lane still in its
				// stages, the partial batch would only wait behind them.
				if len(ln.msgs) > 0 && time.Since(ln.started) >= cfg.Linger && ln.busy.Load() < 2 {
					r.cut(ln)
				}
			}
		}
	}
}

// cut hands the lane's collected messages to its prepare stage, waiting
// while that stage is busy with two batches (backpressure). While Run's
// context is alive (r.collecting) the wait also ends with that context, and
// the messages stay in the lane for the shutdown's cut, whose wait ends
// only with the work (the shutdown deadline).
func (r *run[B]) cut(ln *lane[B]) {
	if len(ln.msgs) == 0 {
		return
	}
	b := &batch[B]{msgs: ln.msgs, n: len(ln.msgs)}
	ln.busy.Add(1)
	select {
	case ln.prepare <- b:
		select {
		case ln.msgs = <-ln.spare:
		default:
			ln.msgs = nil
		}
		return
	case <-r.collecting:
	case <-r.work.Done():
	}
	ln.busy.Add(-1)
}

func (r *run[B]) prepareStage(ln *lane[B]) {
	defer close(ln.store)
	for b := range ln.prepare {
		if r.work.Err() != nil {
			continue // crashed or past the shutdown deadline: drain
		}
		b.prepared = r.l.cfg.Prepare(ln.id, b.msgs)
		b.commit = lastOfPartitions(b.msgs)
		clear(b.msgs) // drop the references to the message bytes
		select {
		case ln.spare <- b.msgs[:0]:
		default:
		}
		b.msgs = nil
		select {
		case ln.store <- b:
		case <-r.work.Done():
		}
	}
}

func (r *run[B]) storeStage(ln *lane[B]) {
	broken := false // a batch of the lane was not stored: commit nothing after it
	for b := range ln.store {
		r.storeOne(b, &broken)
		ln.busy.Add(-1)
	}
}

// storeOne stores and commits b unless an earlier batch of its lane was
// not stored (*broken), in which case nothing after it may be committed.
func (r *run[B]) storeOne(b *batch[B], broken *bool) {
	if *broken {
		return
	}
	if r.work.Err() != nil {
		*broken = true
		r.fail(errors.New("cannot store the batches in flight before the shutdown deadline (the messages will be consumed again)"))
		return
	}
	if err := r.storeBatch(b); err != nil {
		*broken = true
		r.fail(err)
		if errors.Is(err, ErrCrashed) {
			r.stopWork()
		}
		return
	}
	r.inFlight.Add(-int64(b.n))
	if r.l.cfg.Released != nil {
		r.l.cfg.Released(b.n)
	}
	select {
	case r.released <- struct{}{}:
	default:
	}
}

// storeBatch stores b (retrying with backoff until the work context ends)
// and commits its offsets.
func (r *run[B]) storeBatch(b *batch[B]) error {
	cfg := r.l.cfg
	bo := retry.New(100*time.Millisecond, cfg.MaxBackoff)
	for {
		err := cfg.Store(r.work, b.prepared)
		if err == nil {
			break
		}
		r.l.log.Warn("cannot store batch, retrying", "messages", b.n, "err", err)
		if !bo.Wait(r.work) {
			return fmt.Errorf("cannot store a batch of %d messages (they will be consumed again): %w", b.n, err)
		}
	}
	if cfg.BeforeCommit != nil {
		if err := cfg.BeforeCommit(); err != nil {
			return fmt.Errorf("%w: %w", ErrCrashed, err)
		}
	}
	// A failed commit loses nothing: the messages are delivered again and
	// stored again (idempotently).
	bo = retry.New(100*time.Millisecond, cfg.MaxBackoff)
	for attempt := 1; ; attempt++ {
		err := r.reader.CommitMessages(r.work, b.commit...)
		if err == nil {
			break
		}
		r.l.log.Warn("cannot commit offsets", "attempt", attempt, "err", err)
		if attempt == 5 || !bo.Wait(r.work) {
			break
		}
	}
	if cfg.Committed != nil {
		cfg.Committed(b.prepared, b.n)
	}
	return nil
}

type partition struct {
	topic string
	id    int
}

// lastOfPartitions returns the last message of every partition in msgs
// (committing its offset commits every message before it), as the
// kafka-go message the commit takes: topic, partition and offset only.
func lastOfPartitions(msgs []Message) []kafka.Message {
	last := map[partition]int{}
	var out []kafka.Message
	for _, m := range msgs {
		p := partition{m.Topic, int(m.Partition)}
		c := kafka.Message{Topic: m.Topic, Partition: int(m.Partition), Offset: m.Offset}
		if i, ok := last[p]; ok {
			out[i] = c
			continue
		}
		last[p] = len(out)
		out = append(out, c)
	}
	return out
}
