// Package connectors moves department data into Kafka: the contract every
// connector kind implements (Puller), the field mapping from department
// columns to canonical fields (MapRow), the publisher that writes envelopes to
// raw.<source> and rejects to dlq.<source> with acks=all, cursor checkpoints
// that survive a restart, and the scheduler that runs each source on its cron
// schedule and reports status and Prometheus metrics.
//
// The one rule every kind relies on: a cursor is checkpointed only after Kafka
// acknowledged the messages it covers (Run.Emit does both, in that order), so
// a crash repeats at most the last page and loses nothing.
//
// Kinds live in sub-packages (sql, http, file, push) and are registered by
// name in connectors/kinds.
package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/residenthub/residenthub/config"
)

// Puller is a connector kind's instance for one source. Pull reads what is
// new since run.Cursor and hands it to run.Emit page by page. It returns nil
// when the source has nothing more to give for now; an error fails the run,
// which the scheduler reports and retries on the next tick.
type Puller interface {
	Pull(ctx context.Context, run *Run) error
}

// Factory builds a Puller for a source, decoding and validating the kind's
// own settings (src.Settings). It is the single place where settings are
// checked, so configuration errors surface when the hub starts.
type Factory func(src *config.Source) (Puller, error)

// Row is one department record as read: column name → value. Values may be
// any of string, []byte, bool, the Go integer and float types, json.Number,
// time.Time, nested map[string]any / []any (JSON-encoded) or nil (omitted);
// MapRow formats them canonically (see FormatValue).
type Row struct {
	Values map[string]any
	// Origin locates the record in the delivery for operators, e.g.
	// "hukou_2026.csv:17"; optional, copied to schema.Envelope.Origin.
	Origin string
}

// Sentinel errors that steer the scheduler (Benthos style).
var (
	// ErrNotPullable is returned by kinds that receive records instead of
	// pulling them (push); the scheduler does not record such a run.
	ErrNotPullable = errors.New("source is not pulled")
	// ErrRunning is returned by Scheduler.RunNow while a run of the same
	// source is in progress; runs of one source never overlap.
	ErrRunning = errors.New("source run already in progress")
	// ErrUnknownSource names a source that is not configured.
	ErrUnknownSource = errors.New("unknown source")
)

// BackOffError fails a run and asks the scheduler not to start the next run
// of the source before Wait has passed (e.g. an HTTP 429 with a Retry-After
// longer than the schedule's interval).
type BackOffError struct {
	Err  error
	Wait time.Duration
}

func (e *BackOffError) Error() string {
	return fmt.Sprintf("%v (backing off %s)", e.Err, e.Wait)
}

func (e *BackOffError) Unwrap() error { return e.Err }

// BackOff wraps err in a *BackOffError.
func BackOff(err error, wait time.Duration) error { return &BackOffError{Err: err, Wait: wait} }

// Run is one execution of a source's Puller: the source, the cursor the last
// successful Emit checkpointed, and Emit to publish and checkpoint.
type Run struct {
	// Source is the source's configuration; read-only.
	Source *config.Source
	// Cursor is the last checkpointed cursor ("" before the first one). The
	// kind alone defines its format (a timestamp, a JSON object, ...). Emit
	// updates it.
	Cursor string
	// Logger is tagged with the source name.
	Logger *slog.Logger

	emit func(ctx context.Context, rows []Row, bad []BadRecord, cursor string) (EmitResult, error)

	rows     int64
	rejected int64
}

// EmitResult says what happened to one Emit's rows.
type EmitResult struct {
	Accepted int         // rows published to raw.<source>
	Rejected []Rejection // rows published to dlq.<source> instead
}

// Emit maps rows to envelopes, publishes them to raw.<source> (rows that fail
// the mapping go to dlq.<source>), waits for Kafka's acknowledgement of all of
// them (acks=all), and only then checkpoints newCursor. rows may be empty to
// advance the cursor alone. On error nothing is checkpointed and the run must
// stop; the next run starts again from the previous checkpoint.
func (r *Run) Emit(ctx context.Context, rows []Row, newCursor string) error {
	return r.EmitWithBad(ctx, rows, nil, newCursor)
}

// EmitWithBad is Emit plus records that could not even be read as rows
// (e.g. an API item that is not a JSON object); they go to dlq.<source>.
func (r *Run) EmitWithBad(ctx context.Context, rows []Row, bad []BadRecord, newCursor string) error {
	res, err := r.emit(ctx, rows, bad, newCursor)
	if err != nil {
		return err
	}
	r.rows += int64(res.Accepted)
	r.rejected += int64(len(res.Rejected))
	r.Cursor = newCursor
	return nil
}

// Rows returns how many rows this run published to raw.<source> so far.
func (r *Run) Rows() int64 { return r.rows }

// Rejected returns how many rows this run sent to dlq.<source> so far.
func (r *Run) Rejected() int64 { return r.rejected }

// NewTestRun returns a Run whose Emit calls emit, for testing kinds without
// the scheduler (connectors/file's tests use it); not for production code.
func NewTestRun(src *config.Source, cursor string, emit func(ctx context.Context, rows []Row, bad []BadRecord, cursor string) (EmitResult, error)) *Run {
	return &Run{Source: src, Cursor: cursor, Logger: slog.Default(), emit: emit}
}
