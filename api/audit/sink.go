package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/segmentio/kafka-go"
)

// Sink consumes the audit topic (one consumer group; run one Sink per API
// process, they share the partitions) and inserts the events into
// <db>.audit_log in batches. Offsets are committed only after the insert, so
// a crash replays events, and the replayed rows collapse by event_id.
type Sink struct {
	// GroupID is the Kafka consumer group (default "residenthub-audit").
	GroupID string
	// BatchRows is the most events per insert (default 1000).
	BatchRows int
	// Linger is the longest wait for more events before a partial batch is
	// inserted (default 500 ms).
	Linger time.Duration
	// MaxBackoff is the longest pause between retries while ClickHouse is
	// down (default 30 s).
	MaxBackoff time.Duration
	// Partitions of the audit topic when Run has to create it (default 4;
	// config kafka.partitions).
	Partitions int

	conn    driver.Conn
	table   string
	brokers []string
	log     *slog.Logger
}

// NewSink returns a sink inserting into the audit_log table of ch.Database
// over conn, reading from the brokers. Tune the exported fields before Run.
func NewSink(conn driver.Conn, ch config.ClickHouse, brokers []string, log *slog.Logger) *Sink {
	if log == nil {
		log = slog.Default()
	}
	return &Sink{
		GroupID:    "residenthub-audit",
		BatchRows:  1000,
		Linger:     500 * time.Millisecond,
		MaxBackoff: 30 * time.Second,
		Partitions: 4,
		conn:       conn,
		table:      store.QuoteIdent(ch.Database) + ".audit_log",
		brokers:    brokers,
		log:        log.With("component", "audit-sink"),
	}
}

// insertColumns are the audit_log columns, in Append order.
const insertColumns = "event_id, time, caller, role, purpose, subject_id_number, household_members, endpoint, program, decision, status"

// Run consumes until ctx ends; it returns nil then, or an error when the
// consumer cannot be set up. ClickHouse failures are retried with backoff
// (without committing), never skipped.
func (s *Sink) Run(ctx context.Context) error {
	if len(s.brokers) == 0 {
		return errors.New("audit sink: no kafka brokers")
	}
	if err := bus.EnsureTopics(ctx, s.brokers, max(s.Partitions, 1), schema.AuditTopic); err != nil {
		// Not fatal: the reader retries until the topic exists.
		s.log.Warn("cannot create the audit topic", "err", err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     s.brokers,
		GroupID:     s.GroupID,
		Topic:       schema.AuditTopic,
		StartOffset: kafka.FirstOffset,
		MinBytes:    1,
		MaxBytes:    10 << 20,
		MaxWait:     250 * time.Millisecond,
	})
	defer r.Close()
	s.log.Info("audit sink started", "topic", schema.AuditTopic, "group", s.GroupID)
	for {
		msgs, err := s.fetch(ctx, r)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.log.Warn("cannot fetch audit events", "err", err)
			if !sleep(ctx, time.Second) {
				return nil
			}
			continue
		}
		events := make([]*Event, 0, len(msgs))
		for _, m := range msgs {
			e, err := Unmarshal(m.Value, m.Topic, m.Partition, m.Offset)
			if err != nil {
				// Not an event; it cannot become a row. Keep the log quiet
				// about content: only where it is.
				s.log.Error("skipping undecodable audit message", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err)
				continue
			}
			events = append(events, e)
		}
		if !s.insertWithRetry(ctx, events) {
			return nil
		}
		if err := r.CommitMessages(ctx, msgs...); err != nil && ctx.Err() == nil {
			// The events are stored; a redelivery collapses by event_id.
			s.log.Warn("cannot commit audit offsets", "err", err)
		}
	}
}

// fetch blocks for the first message, then gathers more for up to Linger or
// BatchRows messages.
func (s *Sink) fetch(ctx context.Context, r *kafka.Reader) ([]kafka.Message, error) {
	first, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	msgs := []kafka.Message{first}
	lctx, cancel := context.WithTimeout(ctx, s.Linger)
	defer cancel()
	for len(msgs) < s.BatchRows {
		m, err := r.FetchMessage(lctx)
		if err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// insertWithRetry inserts until it succeeds (true) or ctx ends (false).
func (s *Sink) insertWithRetry(ctx context.Context, events []*Event) bool {
	backoff := 200 * time.Millisecond
	for {
		err := s.Insert(ctx, events)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		s.log.Warn("cannot insert audit events, retrying", "events", len(events), "retry_in", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return false
		}
		backoff = min(backoff*2, s.MaxBackoff)
	}
}

// Insert writes events to audit_log in one batch insert.
func (s *Sink) Insert(ctx context.Context, events []*Event) error {
	if len(events) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.table+" ("+insertColumns+")")
	if err != nil {
		return fmt.Errorf("cannot prepare insert into %s: %w", s.table, err)
	}
	for _, e := range events {
		members := e.HouseholdMembers
		if members == nil {
			members = []string{}
		}
		if err := batch.Append(e.EventID, e.Time.UTC().Truncate(time.Second), e.Caller, e.Role, e.Purpose,
			e.SubjectIDNumber, members, e.Endpoint, e.Program, e.Decision, e.Status); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("cannot add audit event %s (subject %s) to insert: %w", e.EventID, normalize.MaskID(e.SubjectIDNumber), err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d audit events into %s: %w", len(events), s.table, err)
	}
	return nil
}

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
