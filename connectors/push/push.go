// Package push is the connector kind for departments that send records to
// the hub instead of being pulled: POST /v1/sources/{source}/records with a
// JSON array of objects or NDJSON (one object per line). Records are mapped
// and published to raw.<source> with acks=all before the answer is sent.
// A push source is a connectors.Service: the runtime never pulls it, and a
// process that runs one serves the HTTP endpoint (Handler).
package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/httperr"
)

// Kind is the config.Source.Kind of push sources.
const Kind = "push"

// DefaultMaxBody is the largest request body accepted (32 MiB).
const DefaultMaxBody = 32 << 20

// Settings are the push kind's settings (source "settings:"); all optional.
type Settings struct {
	// MaxBodyBytes overrides DefaultMaxBody for this source.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// service is the push kind's instance for one source: a connectors.Service,
// whose records arrive through Handler.
type service struct{ endpoint string }

// Pull implements connectors.Puller; the runtime never calls it, a
// connectors.Service is not pulled.
func (service) Pull(context.Context, *connectors.Run) error { return nil }

// Endpoint implements connectors.Service.
func (s service) Endpoint() string { return s.endpoint }

// New is the push kind's connectors.Factory: it validates the settings and
// returns a connectors.Service; the records arrive through Handler.
func New(src *config.Source) (connectors.Puller, error) {
	if _, err := settings(src); err != nil {
		return nil, err
	}
	return service{endpoint: "POST /v1/sources/" + src.Name + "/records"}, nil
}

var _ connectors.Service = service{}

func settings(src *config.Source) (Settings, error) {
	s := Settings{MaxBodyBytes: DefaultMaxBody}
	if err := connectors.DecodeSettings(src, &s); err != nil {
		return s, err
	}
	if s.MaxBodyBytes <= 0 {
		return s, errors.New("settings.max_body_bytes must be positive")
	}
	return s, nil
}

// Handler serves POST /v1/sources/{source}/records (chi URL parameter
// "source"). The API's authentication middleware must have put the caller in
// the request context (access.WithCaller).
type Handler struct {
	cfg *config.Config
	pub connectors.Publisher
	rec connectors.Recorder
	log *slog.Logger

	mu       sync.Mutex
	inFlight int64 // body bytes reserved by pushes in progress (admit)
}

// NewHandler returns the ingest handler. pub publishes (the runtime's
// *runtime.Publisher, the same as the scheduler's); rec receives each push's
// outcome so push sources appear in the scheduler's Status (pass the
// *runtime.Scheduler; nil for none).
func NewHandler(cfg *config.Config, pub connectors.Publisher, rec connectors.Recorder, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handler{cfg: cfg, pub: pub, rec: rec, log: logger.With("component", "push")}
}

// Response is the answer to a push that was published (200 or 207).
type Response struct {
	Accepted int            `json:"accepted"` // records published to raw.<source>
	Rejected []RejectedLine `json:"rejected"` // records sent to dlq.<source> instead; never null
}

// RejectedLine names a rejected record: its line (NDJSON) or its position
// in the array (JSON array), both counted from 1.
type RejectedLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Error codes of the push endpoint's error answers (httperr.Body); their
// details are in the message catalogue (package messages), Chinese unless
// the sender asks for English (Accept-Language: en).
const (
	CodeUnauthenticated = httperr.CodeUnauthenticated // 401: no API key
	CodeUnknownSource   = "unknown_source"            // 404: no push source of that name
	CodeForbiddenSource = "forbidden_source"          // 403: the key may not push to the source
	CodeEmptyBody       = "empty_body"                // 400
	CodeMalformedBody   = "malformed_body"            // 400: not a well-formed JSON array, or unreadable
	CodeBodyTooLarge    = "body_too_large"            // 413
	CodeBusy            = "push_busy"                 // 429: too many push bytes in flight; retry after Retry-After
	CodeUnavailable     = "unavailable"               // 503: Kafka did not acknowledge
	CodeInternal        = httperr.CodeInternal        // 500: the source is misconfigured
)

// ServeHTTP serves Handle (httperr.HandlerFunc).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httperr.HandlerFunc(h.Handle).ServeHTTP(w, r)
}

// Handle is the push endpoint in the shape of every handler of the hub
// (httperr.HandlerFunc): the answer is 200 when every record was accepted,
// and a *httperr.Result with 207 when some were rejected or 422 when every
// one was (see Response); otherwise an *httperr.Error: 400 for an empty or
// unreadable body, 401 without a caller, 403 when the caller may not push to
// the source, 404 for a source that is not a push source, 413 for a body
// over the limit, 503 when Kafka did not acknowledge (nothing is accepted;
// the sender retries).
func (h *Handler) Handle(r *http.Request) (any, *httperr.Error) {
	name := chi.URLParam(r, "source")
	caller, ok := access.FromContext(r.Context())
	if !ok {
		return nil, httperr.Unauthenticated()
	}
	src, ok := h.cfg.Source(name)
	if !ok || src.Kind != Kind {
		if mine := h.pushSourcesOf(caller); len(mine) > 0 {
			return nil, httperr.NotFound(CodeUnknownSource+".mine", name, strings.Join(mine, ", "))
		}
		return nil, httperr.NotFound(CodeUnknownSource, name)
	}
	if !caller.MayPushTo(name) {
		return nil, httperr.New(http.StatusForbidden, CodeForbiddenSource, caller.Name, name)
	}
	s, err := settings(src)
	if err != nil {
		h.log.Error("push source misconfigured", "source", name, "err", err)
		return nil, httperr.Internal("internal.push_config", err)
	}
	reserve := s.MaxBodyBytes
	if r.ContentLength > s.MaxBodyBytes {
		return nil, httperr.New(http.StatusRequestEntityTooLarge, CodeBodyTooLarge+".push", s.MaxBodyBytes)
	}
	if r.ContentLength >= 0 {
		reserve = r.ContentLength
	}
	if !h.admit(reserve) {
		h.log.Warn("push refused: too many bytes in flight", "source", name, "caller", caller.Name, "bytes", reserve)
		return nil, httperr.TooMany(pushRetryAfter, CodeBusy, int(pushRetryAfter/time.Second))
	}
	defer h.release(reserve)
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, httperr.New(http.StatusRequestEntityTooLarge, CodeBodyTooLarge+".push", s.MaxBodyBytes)
	}
	if err != nil {
		return nil, httperr.BadRequest(CodeMalformedBody + ".unreadable")
	}
	recs, err := Parse(body)
	if err != nil {
		if errors.Is(err, ErrEmptyBody) {
			return nil, httperr.BadRequest(CodeEmptyBody)
		}
		return nil, httperr.BadRequest(CodeMalformedBody+".push", err.Error())
	}
	started := time.Now()
	var rows []connectors.Row
	var rowLines []int
	var bad []connectors.BadRecord
	for _, rc := range recs {
		// The origin depends only on the caller and the line, so a retried
		// push gives its dead letters the same keys (runtime.DeadLetterKey).
		origin := fmt.Sprintf("push by %s line %d", caller.Name, rc.Line)
		if rc.Err != nil {
			bad = append(bad, connectors.BadRecord{Index: rc.Line, Origin: origin, Reason: rc.Err.Error(), Original: rc.Raw})
			continue
		}
		rows = append(rows, connectors.Row{Values: connectors.Flatten(rc.Object), Origin: origin})
		rowLines = append(rowLines, rc.Line)
	}
	res, err := h.pub.Publish(r.Context(), src, rows, bad...)
	report := connectors.RunReport{Source: name, Started: started, Finished: time.Now(), Err: err}
	if err != nil {
		h.record(report)
		h.log.Error("push not published", "source", name, "caller", caller.Name, "err", err)
		return nil, httperr.Unavailable(CodeUnavailable, err)
	}
	resp := Response{Accepted: res.Accepted, Rejected: []RejectedLine{}}
	for _, rj := range res.Rejected {
		line := rj.Index
		if !rj.Bad {
			line = rowLines[rj.Index]
		}
		resp.Rejected = append(resp.Rejected, RejectedLine{Line: line, Reason: rj.Reason})
	}
	sort.Slice(resp.Rejected, func(i, j int) bool { return resp.Rejected[i].Line < resp.Rejected[j].Line })
	report.Rows, report.Rejected = int64(res.Accepted), int64(len(res.Rejected))
	h.record(report)
	h.log.Info("push published", "source", name, "caller", caller.Name, "accepted", res.Accepted, "rejected", len(res.Rejected))
	switch {
	case len(resp.Rejected) > 0 && res.Accepted == 0:
		// nothing accepted: every line is listed with its reason
		return &httperr.Result{Status: http.StatusUnprocessableEntity, Body: resp}, nil
	case len(resp.Rejected) > 0:
		return &httperr.Result{Status: http.StatusMultiStatus, Body: resp}, nil
	}
	return resp, nil
}

// pushRetryAfter is the Retry-After of a 429 push_busy.
const pushRetryAfter = 2 * time.Second

// admit reserves n body bytes when they fit under
// cfg.HTTP.MaxPushBytesInFlight, or when no other push is in flight (so one
// push of any allowed size always goes through).
func (h *Handler) admit(n int64) bool {
	limit := h.cfg.HTTP.MaxPushBytesInFlight
	if limit <= 0 {
		limit = config.Default().HTTP.MaxPushBytesInFlight
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inFlight > 0 && h.inFlight+n > limit {
		return false
	}
	h.inFlight += n
	return true
}

func (h *Handler) release(n int64) {
	h.mu.Lock()
	h.inFlight -= n
	h.mu.Unlock()
}

// pushSourcesOf lists the push sources the caller may push to (for the
// detail of a 404: a department's own sources are no secret to it).
func (h *Handler) pushSourcesOf(c *access.Caller) []string {
	var out []string
	for _, s := range h.cfg.Sources {
		if s.Kind == Kind && c.MayPushTo(s.Name) {
			out = append(out, s.Name)
		}
	}
	return out
}

func (h *Handler) record(r connectors.RunReport) {
	if h.rec != nil {
		h.rec.Record(r)
	}
}

// Record is one pushed record: its line (or array position) from 1, the
// decoded object, or why it could not be decoded.
type Record struct {
	Line   int
	Object map[string]any
	Raw    []byte
	Err    error
}

// ErrEmptyBody is returned by Parse for a body without any record.
var ErrEmptyBody = errors.New("the body is empty: send a JSON array of objects or NDJSON (one object per line)")

// bom is the UTF-8 byte-order mark some Windows tools write first.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse splits a push body into records: a JSON array of objects (line =
// position in the array) or NDJSON (line = line number; blank lines
// skipped). A leading UTF-8 byte-order mark is ignored. An element or line
// that is not a JSON object is returned with Err set ("line 3 is a JSON
// array, not an object"); an empty body is ErrEmptyBody, a body that is not
// even a well-formed array another error. Error texts are meant for the
// sender's IT staff.
func Parse(body []byte) ([]Record, error) {
	body = bytes.TrimPrefix(body, bom)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, ErrEmptyBody
	}
	if trimmed[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, fmt.Errorf("the body starts with '[' but is not a well-formed JSON array: %s; send a JSON array of objects or NDJSON (one object per line)",
				connectors.JSONErrorText(err))
		}
		out := make([]Record, len(elems))
		for i, e := range elems {
			out[i] = decode("element", i+1, e)
		}
		return out, nil
	}
	var out []Record
	for i, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		out = append(out, decode("line", i+1, line))
	}
	return out, nil
}

// decode decodes one record; what names it in the error ("line", "element").
func decode(what string, line int, raw []byte) Record {
	obj, err := connectors.DecodeObject(raw)
	if err != nil {
		err = fmt.Errorf("%s %d %w", what, line, err)
	}
	return Record{Line: line, Object: obj, Raw: append([]byte(nil), raw...), Err: err}
}
