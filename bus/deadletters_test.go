package bus

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// TestDeadLettersCountARecordOnce: a pipeline replay rejects the same raw
// message again and a connector repeats its last page after a crash; each
// rejected record is still listed once.
func TestDeadLettersCountARecordOnce(t *testing.T) {
	ctx, e, msg := dlqBroker(t)
	pipelineReject := schema.DeadLetter{Source: "hukou", Reason: "check digit does not match", Topic: "raw.hukou", Partition: 1, Offset: 17}
	connectorReject := schema.DeadLetter{Source: "hukou", Reason: "key column is empty", Partition: -1, Offset: -1, Origin: "hukou.csv:9"}
	w := NewWriter(e.Brokers())
	defer w.Close()
	if err := w.WriteMessages(ctx,
		msg("k1", pipelineReject), msg("k1", pipelineReject), // replayed
		msg("c0ffee", connectorReject), msg("c0ffee", connectorReject), // page repeated
		msg("k2", schema.DeadLetter{Source: "hukou", Reason: "name is required", Topic: "raw.hukou", Partition: 1, Offset: 18}),
	); err != nil {
		t.Fatal(err)
	}
	letters, err := ReadDeadLetters(ctx, e.Brokers(), "hukou", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 3 {
		t.Fatalf("read %d dead letters, want 3 distinct: %+v", len(letters), letters)
	}
}

// TestReSentRecordsCountOnce: a file re-sent under another name gives its
// invalid records new origins, message keys and raw offsets; each is still
// counted once, and different records or reasons stay apart.
func TestReSentRecordsCountOnce(t *testing.T) {
	ctx, e, msg := dlqBroker(t)
	raw := func(pulled time.Time, origin, id string) []byte {
		env := schema.Envelope{Source: "hukou", Dataset: "person", RecordKey: id, Op: schema.OpUpsert, PulledAt: pulled, Origin: origin,
			Fields: map[string]string{"id_number": id, "name": "张三", "household_id": "H1"}}
		b, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	day1, day2 := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	pipe := func(offset int64, pulled time.Time, origin, id, reason string) schema.DeadLetter {
		return schema.DeadLetter{Source: "hukou", Dataset: "person", Field: "id_number", Reason: reason, Topic: "raw.hukou", Partition: 0, Offset: offset,
			Original: raw(pulled, origin, id), Origin: origin}
	}
	conn := func(origin, original string) schema.DeadLetter {
		return schema.DeadLetter{Source: "hukou", Reason: `key column "id" is empty`, Partition: -1, Offset: -1, Origin: origin, Original: []byte(original)}
	}
	w := NewWriter(e.Brokers())
	defer w.Close()
	if err := w.WriteMessages(ctx,
		msg("a", pipe(3, day1, "hukou_1101.csv:4", "X1", "check digit does not match")),
		msg("b", pipe(90, day2, "hukou_1102.csv:4", "X1", "check digit does not match")), // re-sent
		msg("c", pipe(91, day2, "hukou_1102.csv:5", "X2", "check digit does not match")), // another record
		msg("d", pipe(92, day2, "hukou_1102.csv:6", "X1", "is empty")),                   // another reason
		msg("e", conn("hukou_1101.csv:7", `{"id":""}`)),
		msg("f", conn("hukou_1102.csv:7", `{"id":""}`)), // re-sent
		msg("g", schema.DeadLetter{Source: "hukou", Reason: "not json", Topic: "raw.hukou", Partition: 0, Offset: 93, Original: []byte("{")}),
		msg("h", schema.DeadLetter{Source: "hukou", Reason: "not json", Topic: "raw.hukou", Partition: 0, Offset: 94, Original: []byte("{")}),
	); err != nil {
		t.Fatal(err)
	}
	letters, err := ReadDeadLetters(ctx, e.Brokers(), "hukou", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 6 {
		t.Fatalf("read %d dead letters, want 6 distinct (re-sent ones once): %+v", len(letters), letters)
	}
}

// dlqBroker starts an embedded broker for a test and returns a context
// bounding it and a builder of dlq.hukou messages.
func dlqBroker(t *testing.T) (context.Context, *Embedded, func(key string, d schema.DeadLetter) kafka.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	e, err := StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return ctx, e, func(key string, d schema.DeadLetter) kafka.Message {
		b, _ := json.Marshal(d)
		return kafka.Message{Topic: schema.DLQTopic("hukou"), Key: []byte(key), Value: b}
	}
}
