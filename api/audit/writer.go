package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// Writer produces audit events to the Kafka topic schema.AuditTopic and
// returns only after every in-sync replica acknowledged them (acks=all,
// bus.NewWriter). The API answers a read only after Write returned nil.
//
// Events of concurrent reads are produced together (group commit): while
// one produce request is in flight, the events that arrive wait, and the
// next request carries all of them; each Write still returns only when its
// own event is acknowledged. A lone read's event is produced at once.
type Writer struct {
	w *kafka.Writer

	mu      sync.Mutex
	pending []*write
	busy    bool
	closed  bool
}

// write is one event waiting for its acknowledgement.
type write struct {
	msg  kafka.Message
	ctx  context.Context
	done chan error
}

// maxGroup bounds the events of one produce request.
const maxGroup = 500

// NewWriter returns a Writer for the brokers. Close it when done.
func NewWriter(brokers []string) *Writer {
	w := bus.NewWriter(brokers)
	// Batches are formed here (one WriteMessages call per group), not by
	// kafka-go waiting for more messages: flush each call's batch at once.
	w.BatchTimeout = time.Microsecond
	w.BatchSize = maxGroup
	return &Writer{w: w}
}

// Write produces one event, keyed by the subject's ID number, and waits for
// the acknowledgement or ctx's end, whichever comes first. An event without
// an ID gets one (NewEventID).
func (w *Writer) Write(ctx context.Context, e Event) error {
	if e.EventID == "" {
		e.EventID = NewEventID()
	}
	e.Time = e.Time.UTC()
	value, err := e.Marshal()
	if err != nil {
		return fmt.Errorf("cannot encode audit event: %w", err)
	}
	req := &write{msg: kafka.Message{Topic: schema.AuditTopic, Key: []byte(e.SubjectIDNumber), Value: value}, ctx: ctx, done: make(chan error, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errors.New("cannot write audit event: the writer is closed")
	}
	w.pending = append(w.pending, req)
	start := !w.busy
	w.busy = true
	w.mu.Unlock()
	if start {
		go w.flush()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("cannot write audit event to kafka topic %s: %w", schema.AuditTopic, ctx.Err())
	}
}

// flush produces the pending events, a group per produce request, until
// none is left.
func (w *Writer) flush() {
	for {
		w.mu.Lock()
		var group []*write
		n := 0
		for ; n < len(w.pending) && len(group) < maxGroup; n++ {
			if req := w.pending[n]; req.ctx.Err() == nil {
				group = append(group, req)
			} else {
				req.done <- req.ctx.Err()
			}
		}
		w.pending = w.pending[n:]
		if len(group) == 0 {
			w.pending = nil
			w.busy = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		// The group's longest deadline bounds the produce (each caller
		// stops waiting at its own).
		deadline := time.Time{}
		msgs := make([]kafka.Message, len(group))
		for i, req := range group {
			msgs[i] = req.msg
			d, ok := req.ctx.Deadline()
			if !ok {
				d = time.Now().Add(30 * time.Second)
			}
			if d.After(deadline) {
				deadline = d
			}
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		err := w.w.WriteMessages(ctx, msgs...)
		cancel()
		var each kafka.WriteErrors
		perMessage := errors.As(err, &each) && len(each) == len(group)
		for i, req := range group {
			e := err
			if perMessage {
				e = each[i]
			}
			if e != nil {
				e = fmt.Errorf("cannot write audit event to kafka topic %s: %w", schema.AuditTopic, e)
			}
			req.done <- e
		}
	}
}

// Close flushes and closes the producer.
func (w *Writer) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	return w.w.Close()
}
