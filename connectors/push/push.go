// Package push is the connector kind for departments that send records to
// the hub instead of being pulled: POST /v1/sources/{source}/records with a
// JSON array of objects or NDJSON (one object per line). Records are mapped
// and published to raw.<source> with acks=all before the answer is sent.
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
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
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

type puller struct{}

// Pull implements connectors.Puller: push sources have nothing to pull.
func (puller) Pull(context.Context, *connectors.Run) error { return connectors.ErrNotPullable }

// New is the push kind's connectors.Factory: it validates the settings; the
// records arrive through Handler.
func New(src *config.Source) (connectors.Puller, error) {
	if _, err := settings(src); err != nil {
		return nil, err
	}
	return puller{}, nil
}

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
	pub *connectors.Publisher
	rec connectors.Recorder
	log *slog.Logger
}

// NewHandler returns the ingest handler. pub publishes (the same Publisher
// as the scheduler's); rec receives each push's outcome so push sources
// appear in the scheduler's Status (pass the *connectors.Scheduler; nil for
// none).
func NewHandler(cfg *config.Config, pub *connectors.Publisher, rec connectors.Recorder, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handler{cfg: cfg, pub: pub, rec: rec, log: logger.With("component", "push")}
}

// Response is the answer to a push.
type Response struct {
	Accepted int            `json:"accepted"` // records published to raw.<source>
	Rejected []RejectedLine `json:"rejected"` // records sent to dlq.<source> instead
	Error    string         `json:"error,omitempty"`
}

// RejectedLine names a rejected record: its line (NDJSON) or its position
// in the array (JSON array), both counted from 1.
type RejectedLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ServeHTTP answers 200 when every record was accepted, 207 when some were
// rejected (see the body), 400 for an unreadable body, 401 without a caller,
// 403 when the caller may not push to the source, 404 for a source that is
// not a push source, 413 for a body over the limit, 503 when Kafka did not
// acknowledge (nothing is accepted; the sender retries).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "source")
	caller, ok := access.FromContext(r.Context())
	if !ok {
		writeJSON(w, http.StatusUnauthorized, Response{Error: "authentication required"})
		return
	}
	src, ok := h.cfg.Source(name)
	if !ok || src.Kind != Kind {
		writeJSON(w, http.StatusNotFound, Response{Error: fmt.Sprintf("no push source %q", name)})
		return
	}
	if !caller.MayPushTo(name) {
		writeJSON(w, http.StatusForbidden, Response{Error: fmt.Sprintf("%s may not push to %s", caller.Name, name)})
		return
	}
	s, err := settings(src)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, Response{Error: err.Error()})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeJSON(w, http.StatusRequestEntityTooLarge, Response{Error: fmt.Sprintf("body over %d bytes; split the delivery", s.MaxBodyBytes)})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Error: "cannot read body: " + err.Error()})
		return
	}
	recs, err := Parse(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, Response{Error: err.Error()})
		return
	}
	started := time.Now()
	var rows []connectors.Row
	var rowLines []int
	var bad []connectors.BadRecord
	for _, rc := range recs {
		origin := fmt.Sprintf("%s push by %s line %d", started.UTC().Format(time.RFC3339), caller.Name, rc.Line)
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
		writeJSON(w, http.StatusServiceUnavailable, Response{Error: "cannot publish; nothing was accepted, retry later"})
		return
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
	status := http.StatusOK
	if len(resp.Rejected) > 0 {
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, resp)
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

// Parse splits a push body into records: a JSON array of objects (line =
// position in the array) or NDJSON (line = line number; blank lines
// skipped). An element or line that is not a JSON object is returned with
// Err set; a body that is not even a well-formed array is an error.
func Parse(body []byte) ([]Record, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body: send a JSON array of objects or NDJSON")
	}
	if trimmed[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, fmt.Errorf("malformed JSON array: %w", err)
		}
		out := make([]Record, len(elems))
		for i, e := range elems {
			out[i] = decode(i+1, e)
		}
		return out, nil
	}
	var out []Record
	for i, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		out = append(out, decode(i+1, line))
	}
	return out, nil
}

func decode(line int, raw []byte) Record {
	obj, err := connectors.DecodeObject(raw)
	return Record{Line: line, Object: obj, Raw: append([]byte(nil), raw...), Err: err}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
