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
	"github.com/residenthub/residenthub/pipelines/loader"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// Sink consumes the audit topic (one consumer group; run one Sink per API
// process, they share the partitions) and inserts the events into
// <db>.audit_log in batches, with the pipelines' loop (pipelines/loader):
// the same batching, backoff and commit-after-insert. A crash replays
// events, and the replayed rows collapse by event_id.
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

// DefaultGroupID is the audit sink's consumer group.
const DefaultGroupID = "residenthub-audit"

// NewSink returns a sink inserting into the audit_log table of ch.Database
// over conn, reading from the brokers. Tune the exported fields before Run.
func NewSink(conn driver.Conn, ch config.ClickHouse, brokers []string, log *slog.Logger) *Sink {
	if log == nil {
		log = slog.Default()
	}
	return &Sink{
		GroupID:    DefaultGroupID,
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
// consumer cannot be set up or the events in hand could not be stored
// before the shutdown deadline (they are consumed again on the next start).
// ClickHouse failures are retried with backoff (without committing), never
// skipped.
func (s *Sink) Run(ctx context.Context) error {
	if len(s.brokers) == 0 {
		return errors.New("cannot start the audit sink: no Kafka brokers")
	}
	if err := bus.EnsureTopics(ctx, s.brokers, max(s.Partitions, 1), schema.AuditTopic); err != nil {
		// Not fatal: the reader retries until the topic exists.
		s.log.Warn("cannot create the audit topic", "err", err)
	}
	l, err := loader.New(loader.Config[[]*Event]{
		Brokers: s.brokers, GroupID: s.GroupID, Topics: []string{schema.AuditTopic},
		BatchRows: s.BatchRows, Linger: s.Linger, MaxBackoff: s.MaxBackoff,
		Prepare: s.decode,
		Store:   s.Insert,
		Log:     s.log,
	})
	if err != nil {
		return fmt.Errorf("cannot start the audit sink: %w", err)
	}
	s.log.Info("audit sink started", "topic", schema.AuditTopic, "group", s.GroupID)
	return l.Run(ctx)
}

// decode turns a batch of audit messages into events. A message that is not
// an event cannot become a row: it is logged (where it is, not its content)
// and skipped.
func (s *Sink) decode(_ int, msgs []loader.Message) []*Event {
	events := make([]*Event, 0, len(msgs))
	for _, m := range msgs {
		e, err := Unmarshal(m.Value, m.Topic, int(m.Partition), m.Offset)
		if err != nil {
			s.log.Error("skipping undecodable audit message", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err)
			continue
		}
		events = append(events, e)
	}
	return events
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
