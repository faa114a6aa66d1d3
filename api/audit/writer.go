package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Writer produces audit events to the Kafka topic schema.AuditTopic and
// returns only after every in-sync replica acknowledged them (acks=all).
// The API answers a read only after Write returned nil.
//
// Events of concurrent reads are produced together (group commit): the
// producer (franz-go) keeps one produce request in flight per broker, the
// events that arrive meanwhile wait, and the next request carries all of
// them; each Write still returns only when its own event is acknowledged.
// A lone read's event is produced at once (no linger).
//
// The events of one produce request go to one partition (franz-go's sticky
// partitioner: a partition per batch, the next batch to another), not to
// the partition of their key: an embedded broker that syncs each
// partition's batch to disk before it acknowledges
// (kafka.embedded_fsync_interval: 0) made a group spread over every
// partition cost one fsync per partition in each round trip
// (BenchmarkWrite32: 32 writers, 4 partitions, ~0.9 ms of wall time and
// 0.21 ms of CPU per event with kafka-go and keyed partitions; ~0.3 ms and
// 0.06 ms now). Events keep the subject's ID number as their key, but one
// person's events may sit in several partitions: their order is the time
// column of audit_log (each Write is acknowledged before its read is
// answered, so a person's later read has a later event).
type Writer struct {
	cl  *kgo.Client
	err error // the client could not be made: every Write fails with it

	mu     sync.Mutex
	closed bool
}

// maxBatchBytes bounds a partition's record batch: under Kafka's (and
// kfake's) default message.max.bytes of 1 MiB.
const maxBatchBytes = 960 << 10

// NewWriter returns a Writer for the brokers (with their bus.Secure
// settings). Close it when done.
func NewWriter(brokers []string, extra ...kgo.Opt) *Writer {
	opts := []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// As kafka-go's writer before: no producer IDs (no
		// IDEMPOTENT_WRITE right needed on an external cluster), one
		// produce request in flight per broker (franz-go's default
		// without idempotence), which is what groups the events.
		kgo.DisableIdempotentWrite(),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerBatchMaxBytes(maxBatchBytes),
		kgo.RecordPartitioner(kgo.StickyPartitioner()),
		kgo.AllowAutoTopicCreation(),
		kgo.DefaultProduceTopic(schema.AuditTopic),
	}
	cl, err := bus.FranzClient(brokers, append(opts, extra...)...)
	if err != nil {
		return &Writer{err: fmt.Errorf("cannot write audit event: %w", err)}
	}
	return &Writer{cl: cl}
}

// Write produces one event, keyed by the subject's ID number, and waits for
// the acknowledgement or ctx's end, whichever comes first. An event without
// an ID gets one (NewEventID).
func (w *Writer) Write(ctx context.Context, e Event) error {
	if w.err != nil {
		return w.err
	}
	if e.EventID == "" {
		e.EventID = NewEventID()
	}
	e.Time = e.Time.UTC()
	value, err := e.Marshal()
	if err != nil {
		return fmt.Errorf("cannot encode audit event: %w", err)
	}
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return errors.New("cannot write audit event: the writer is closed")
	}
	done := make(chan error, 1)
	rec := &kgo.Record{Topic: schema.AuditTopic, Key: []byte(e.SubjectIDNumber), Value: value}
	// ctx bounds the record: franz-go fails it when ctx ends before it is
	// in a produce request.
	w.cl.Produce(ctx, rec, func(_ *kgo.Record, err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("cannot write audit event to kafka topic %s: %w", schema.AuditTopic, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cannot write audit event to kafka topic %s: %w", schema.AuditTopic, ctx.Err())
	}
}

// closeFlush bounds how long Close waits for events in flight.
const closeFlush = 10 * time.Second

// Close waits for the events in flight (at most closeFlush) and closes the
// producer.
func (w *Writer) Close() error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if w.cl == nil || already {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeFlush)
	defer cancel()
	err := w.cl.Flush(ctx)
	w.cl.Close()
	if err != nil {
		return fmt.Errorf("cannot flush audit events: %w", err)
	}
	return nil
}
