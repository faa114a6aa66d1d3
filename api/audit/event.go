// Package audit records every read of a person's data (personal information
// protection): the API produces one Event per read to the Kafka topic
// schema.AuditTopic and waits for acks=all before it answers (Writer), and
// the Sink consumes the topic into the ClickHouse table <db>.audit_log
// (schema/migrations/0002_audit_log.sql), committing offsets only after the
// insert.
//
// Events never carry names. The subject's ID number, and those of the other
// household members whose data the answer held, are stored in full, since
// answering "who read this person's data" is the purpose of the log; logs
// print them only through normalize.MaskID.
package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Event is one read of a person's data, the JSON value of a message on the
// audit topic (key = SubjectIDNumber; partitioned by produce request, see
// Writer, so a person's events are ordered by Time, not by partition).
// Field names are the audit_log column names.
type Event struct {
	// EventID identifies the event; it is set once when the event is built
	// (NewEventID) and travels in the message, so a replayed or re-sent
	// message collapses to one row in audit_log (ReplacingMergeTree).
	EventID string    `json:"event_id"`
	Time    time.Time `json:"time"`   // when the read happened (UTC; stored to the second)
	Caller  string    `json:"caller"` // API key name (config api_keys[].name)
	Role    string    `json:"role"`   // caller's role
	// Purpose is the caller's stated purpose (X-Purpose header).
	Purpose string `json:"purpose"`
	// SubjectIDNumber is the normalized ID number of the person read.
	SubjectIDNumber string `json:"subject_id_number"`
	// HouseholdMembers are the normalized ID numbers of every other person
	// whose data the answer was built from and may show: the household
	// members of a household check (their incomes, pensions, assets,
	// disability) or of a profile (their ID numbers and names). Empty when
	// the answer holds the subject's data alone. ID numbers only, never names.
	HouseholdMembers []string `json:"household_members,omitempty"`
	Endpoint         string   `json:"endpoint"`           // route pattern with method, e.g. "GET /v1/residents/{id_number}"
	Program          string   `json:"program,omitempty"`  // eligibility program, for checks
	Decision         string   `json:"decision,omitempty"` // outcome: eligible, ineligible, needs_review, name_mismatch, not_found, shown, ...
	Status           uint16   `json:"status"`             // HTTP status of the answer
}

// NewEventID returns a fresh random event ID (32 hex characters).
func NewEventID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; fall back to time.
		return fmt.Sprintf("%032x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// Marshal encodes the event as the message value.
func (e *Event) Marshal() ([]byte, error) { return json.Marshal(e) }

// Unmarshal decodes a message value. An event without an ID gets one derived
// from where the message sits in Kafka (topic, partition, offset), so that
// re-reading the same message still yields the same row.
func Unmarshal(value []byte, topic string, partition int, offset int64) (*Event, error) {
	var e Event
	if err := json.Unmarshal(value, &e); err != nil {
		return nil, fmt.Errorf("cannot decode audit event at %s/%d/%d: %w", topic, partition, offset, err)
	}
	if e.EventID == "" {
		sum := sha256.Sum256([]byte(topic + "/" + strconv.Itoa(partition) + "/" + strconv.FormatInt(offset, 10)))
		e.EventID = hex.EncodeToString(sum[:16])
	}
	e.Time = e.Time.UTC()
	return &e, nil
}
