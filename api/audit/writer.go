package audit

import (
	"context"
	"fmt"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// Writer produces audit events to the Kafka topic schema.AuditTopic and
// returns only after every in-sync replica acknowledged them (acks=all,
// bus.NewWriter). The API answers a read only after Write returned nil.
type Writer struct {
	w *kafka.Writer
}

// NewWriter returns a Writer for the brokers. Close it when done.
func NewWriter(brokers []string) *Writer {
	return &Writer{w: bus.NewWriter(brokers)}
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
	msg := kafka.Message{Topic: schema.AuditTopic, Key: []byte(e.SubjectIDNumber), Value: value}
	if err := w.w.WriteMessages(ctx, msg); err != nil {
		return fmt.Errorf("cannot write audit event to kafka topic %s: %w", schema.AuditTopic, err)
	}
	return nil
}

// Close flushes and closes the producer.
func (w *Writer) Close() error { return w.w.Close() }
