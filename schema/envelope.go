// Package schema holds the canonical datasets of the resident profile, the
// Kafka envelope every connector writes, and the ClickHouse migrations.
package schema

import (
	"encoding/json"
	"fmt"
	"time"
)

// Operation says what a source record means for the profile.
type Operation string

const (
	// OpUpsert inserts or replaces the record identified by (source, record key).
	OpUpsert Operation = "upsert"
	// OpDelete removes the record identified by (source, record key) from the
	// current profile; its history stays.
	OpDelete Operation = "delete"
)

// Envelope is the value of every Kafka message on raw.<source>. The message
// key is RecordKey, so every change of one entity lands on one partition, in
// order.
//
// JSON shape (all times RFC 3339 in UTC):
//
//	{"source":"hukou","dataset":"person","record_key":"110101...","op":"upsert",
//	 "source_time":"2026-11-01T02:00:00Z","pulled_at":"2026-11-29T08:00:00Z",
//	 "fields":{"id_number":"...","name":"..."},"origin":"hukou_2026.csv:17"}
//
// Fields holds the department's values already renamed to canonical field
// names (see Datasets) but NOT normalized: normalization is the pipelines' job,
// so a mapping fix can be replayed from the raw topic.
type Envelope struct {
	Source     string            `json:"source"`
	Dataset    string            `json:"dataset"`
	RecordKey  string            `json:"record_key"`
	Op         Operation         `json:"op"`
	SourceTime time.Time         `json:"source_time"` // when the department recorded the change (UTC); zero if unknown
	PulledAt   time.Time         `json:"pulled_at"`   // when the connector read it (UTC)
	Fields     map[string]string `json:"fields"`
	// Origin locates the record in the department's delivery for operators
	// (file and line, page, cursor); optional.
	Origin string `json:"origin,omitempty"`
}

// Validate reports the first structural problem of an envelope: unknown
// dataset, empty source or record key, unknown operation.
func (e *Envelope) Validate() error {
	if e.Source == "" {
		return fmt.Errorf("envelope: empty source")
	}
	if _, ok := Datasets[e.Dataset]; !ok {
		return fmt.Errorf("envelope: unknown dataset %q", e.Dataset)
	}
	if e.RecordKey == "" {
		return fmt.Errorf("envelope: empty record_key")
	}
	if e.Op != OpUpsert && e.Op != OpDelete {
		return fmt.Errorf("envelope: unknown op %q (want upsert or delete)", e.Op)
	}
	return nil
}

// Marshal encodes the envelope as JSON: the bytes json.Marshal gives,
// written without reflection (AppendJSON) into one buffer of the size
// unescaped text needs (Chinese text makes many envelopes longer than a fixed
// guess, and each regrowth copies the whole buffer).
func (e *Envelope) Marshal() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, e.jsonSizeHint()))
}

// jsonSizeHint is the length of the envelope's JSON when no string needs
// escaping: the keys, quotes and separators, two RFC 3339 times with
// nanoseconds and zone (at most 35 bytes each), and the strings themselves.
func (e *Envelope) jsonSizeHint() int {
	n := len(`{"source":"","dataset":"","record_key":"","op":"","source_time":"","pulled_at":"","fields":{},"origin":""}`) +
		2*35 + len(e.Source) + len(e.Dataset) + len(e.RecordKey) + len(e.Op) + len(e.Origin)
	for k, v := range e.Fields {
		n += len(`"":"",`) + len(k) + len(v)
	}
	return n
}

// UnmarshalEnvelope decodes and validates a Kafka message value, exactly as
// json.Unmarshal into an Envelope would decode it; the shape the hub writes
// is read without reflection, with every string sharing one copy of b.
func UnmarshalEnvelope(b []byte) (*Envelope, error) {
	var e Envelope
	if err := DecodeEnvelopeInto(b, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// DecodeEnvelopeInto is UnmarshalEnvelope into e, for a caller decoding many
// messages one after the other: e is overwritten, and its Fields map is
// cleared and reused (a map per message was a tenth of the pipelines'
// decoding). The strings of the previous envelope stay valid (they never
// point into the map), but a caller must not keep e.Fields across calls.
// On error e holds no envelope.
func DecodeEnvelopeInto(b []byte, e *Envelope) error {
	fields := e.Fields
	clear(fields)
	*e = Envelope{}
	if err := decodeEnvelope(b, e, fields); err != nil {
		*e = Envelope{} // the slow path decodes into a fresh envelope, as json.Unmarshal would
		if err := json.Unmarshal(b, e); err != nil {
			*e = Envelope{}
			return fmt.Errorf("cannot decode envelope: %w", err)
		}
	}
	if err := e.Validate(); err != nil {
		*e = Envelope{}
		return err
	}
	return nil
}

// RawTopic is the Kafka topic a source's connector writes to.
func RawTopic(source string) string { return "raw." + source }

// DLQTopic is the Kafka topic a source's rejected records go to.
func DLQTopic(source string) string { return "dlq." + source }

// AuditTopic carries audit records of every read of a person's data.
const AuditTopic = "audit"

// DeadLetter is the value of a message on dlq.<source>: the original message
// and why it was rejected. Key = the original message key.
//
// Records rejected by a connector before they reached raw.<source> (no key
// column value, unparseable source_time, malformed JSON line of a push) have
// Topic "", Partition and Offset -1, no message key, PipelineVersion
// "connectors/1", Reason prefixed with where the record came from (file:line,
// push line), and Original = the record as received (a JSON object of the
// row's values as strings, or the pushed line's bytes).
type DeadLetter struct {
	Source          string    `json:"source"`
	Dataset         string    `json:"dataset,omitempty"`
	RecordKey       string    `json:"record_key,omitempty"`
	Field           string    `json:"field,omitempty"` // canonical field that failed; empty for envelope-level failures
	Reason          string    `json:"reason"`
	PipelineVersion string    `json:"pipeline_version"`
	RejectedAt      time.Time `json:"rejected_at"`
	Topic           string    `json:"topic"`
	Partition       int       `json:"partition"`
	Offset          int64     `json:"offset"`
	Original        []byte    `json:"original"` // the raw message value, byte for byte (base64 in JSON)
	// Origin locates the record in the department's delivery ("file.csv:17",
	// "push by hotline-it line 3"), as in Envelope.Origin; optional.
	Origin string `json:"origin,omitempty"`
}

// ChinaTime is China Standard Time (UTC+8, no daylight saving since 1991):
// the zone in which departments write local times, check dates are taken and
// dates are shown. Times are stored in UTC. (normalize reads historical local
// times with the full Asia/Shanghai rules, which differ in 1986–1991.)
var ChinaTime = time.FixedZone("CST", 8*3600)
