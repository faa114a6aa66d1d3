// Package connectors is the contract a connector kind implements: a Factory
// builds a Puller for a source, the runtime (connectors/runtime) hands it a
// Run, and the Puller reads what is new since Run.Cursor and gives it to
// Run.Emit page by page as Rows. A kind whose records arrive by themselves
// (push) is a Service instead of being pulled. Sentinel errors and
// BackOffError steer the runtime's retries (Benthos style). The package also
// holds what kinds share to implement it: strict settings decoding, secrets,
// JSON record decoding, and how Row values are formatted.
//
// The one rule every kind relies on: a cursor is checkpointed only after Kafka
// acknowledged the messages it covers (Run.Emit does both, in that order), so
// a crash repeats at most the last page and loses nothing.
//
// Kinds live in sub-packages (sql, http, file, push) and are registered by
// name in connectors/kinds; the runtime (scheduler, publisher, checkpoints,
// status, field mapping) is connectors/runtime.
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

// Service is the optional interface of a kind's instance whose records
// arrive by themselves instead of being pulled (the push kind), as
// Telegraf's ServiceInput is of an Input. The runtime never schedules a
// Service nor calls its Pull (Scheduler.RunNow answers ErrNotPullable); its
// records come in at the kind's HTTP endpoint, which publishes them with a
// Publisher and reports each delivery to a Recorder.
type Service interface {
	Puller
	// Endpoint is the HTTP route the source's records arrive at, method
	// and path, e.g. "POST /v1/sources/hotline/records".
	Endpoint() string
}

// Factory builds a Puller (or a Service) for a source, decoding and
// validating the kind's own settings (src.Settings). It is the single place
// where settings are checked, so configuration errors surface when the hub
// starts.
type Factory func(src *config.Source) (Puller, error)

// Row is one department record as read: column name → value. Values may be
// any of string, []byte, bool, the Go integer and float types, json.Number,
// time.Time, nested map[string]any / []any (JSON-encoded) or nil (omitted);
// the runtime formats them canonically (FormatValue).
type Row struct {
	Values map[string]any
	// Origin locates the record in the delivery for operators, e.g.
	// "hukou_2026.csv:17"; optional, copied to schema.Envelope.Origin.
	Origin string
}

// BadRecord is a record that could not even be read as a row (e.g. a
// malformed JSON line), sent to dlq.<source> as it arrived.
type BadRecord struct {
	Index    int    // the caller's position of the record, reported back in Rejection.Index
	Origin   string // e.g. "line 7"
	Reason   string
	Original []byte // the record's bytes as received
}

// Sentinel errors that steer the runtime (Benthos style).
var (
	// ErrNotPullable is returned by the runtime's Scheduler.RunNow for a
	// source whose kind is a Service (push): it is not pulled, so there is
	// no run.
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

	emit EmitFunc

	rows     int64
	rejected int64
}

// EmitFunc publishes one page of a run and checkpoints cursor once Kafka
// acknowledged it; the runtime provides it (NewRun).
type EmitFunc func(ctx context.Context, rows []Row, bad []BadRecord, cursor string) (EmitResult, error)

// NewRun returns a Run of src starting at cursor whose Emit calls emit; the
// runtime's scheduler builds every run with it. A nil logger uses
// slog.Default().
func NewRun(src *config.Source, cursor string, logger *slog.Logger, emit EmitFunc) *Run {
	if logger == nil {
		logger = slog.Default()
	}
	return &Run{Source: src, Cursor: cursor, Logger: logger, emit: emit}
}

// NewTestRun returns a Run whose Emit calls emit, for testing kinds without
// the scheduler (connectors/file's tests use it); not for production code.
func NewTestRun(src *config.Source, cursor string, emit func(ctx context.Context, rows []Row, bad []BadRecord, cursor string) (EmitResult, error)) *Run {
	return NewRun(src, cursor, nil, emit)
}

// EmitResult says what happened to one Emit's rows.
type EmitResult struct {
	Accepted int         // rows published to raw.<source>
	Rejected []Rejection // rows published to dlq.<source> instead
}

// Rejection is a row that could not become an envelope, and why.
type Rejection struct {
	// Index is the row's index in the rows passed to Publish (0-based), or,
	// when Bad is set, the BadRecord's own Index.
	Index  int
	Bad    bool
	Origin string // Row.Origin or BadRecord.Origin
	Reason string
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

// Publisher publishes rows of a source outside a run, as Run.Emit does but
// without a cursor: a Service (push) hands its records to it. It maps rows
// to envelopes on raw.<source>, sends rows the mapping refuses and bad to
// dlq.<source>, and returns once Kafka acknowledged all of them (acks=all).
// The runtime's *runtime.Publisher implements it.
type Publisher interface {
	Publish(ctx context.Context, src *config.Source, rows []Row, bad ...BadRecord) (EmitResult, error)
}

// RunReport is the outcome of one run or one push, for a Recorder.
type RunReport struct {
	Source   string
	Started  time.Time
	Finished time.Time
	Rows     int64 // records published to raw.<source>
	Rejected int64 // records sent to dlq.<source>
	Err      error
}

// Recorder receives run outcomes that happen outside the scheduler (pushes),
// so push sources appear in the source status with last_run = the latest
// push. The runtime's *runtime.Scheduler implements it.
type Recorder interface {
	Record(r RunReport)
}
