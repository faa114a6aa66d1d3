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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	msg := func(key string, d schema.DeadLetter) kafka.Message {
		b, _ := json.Marshal(d)
		return kafka.Message{Topic: schema.DLQTopic("hukou"), Key: []byte(key), Value: b}
	}
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
