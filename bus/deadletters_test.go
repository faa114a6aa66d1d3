package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// TestDeadLettersCountARecordOnce: a pipeline replay rejects the same raw
// message again and a connector repeats its last page after a crash; each
// rejected record is still listed once.
func TestDeadLettersCountARecordOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
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
	w := bus.NewWriter(e.Brokers())
	defer w.Close()
	if err := w.WriteMessages(ctx,
		msg("k1", pipelineReject), msg("k1", pipelineReject), // replayed
		msg("c0ffee", connectorReject), msg("c0ffee", connectorReject), // page repeated
		msg("k2", schema.DeadLetter{Source: "hukou", Reason: "name is required", Topic: "raw.hukou", Partition: 1, Offset: 18}),
	); err != nil {
		t.Fatal(err)
	}
	letters, err := readDeadLetters(ctx, e.Brokers(), "hukou", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 3 {
		t.Fatalf("read %d dead letters, want 3 distinct: %+v", len(letters), letters)
	}
}

func TestOriginLess(t *testing.T) {
	f := func(a, b string, want bool) {
		t.Helper()
		if got := originLess(a, b); got != want {
			t.Fatalf("originLess(%q, %q) = %v, want %v", a, b, got, want)
		}
	}
	f("hukou.csv:9", "hukou.csv:10", true)
	f("hukou.csv:10", "hukou.csv:9", false)
	f("a.csv:100", "b.csv:1", true)
	f("p.xlsx:工资!635", "p.xlsx:工资!64", false)
	f("", "a.csv:1", true)
}
