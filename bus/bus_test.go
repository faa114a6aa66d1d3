package bus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestEmbeddedPersistsAcrossRestart writes over real TCP, restarts the broker
// on the same data folder, and reads everything back through a consumer group.
func TestEmbeddedPersistsAcrossRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	e, err := StartEmbedded("127.0.0.1:0", dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := EnsureTopics(ctx, e.Brokers(), 2, "raw.test"); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(e.Brokers())
	var msgs []kafka.Message
	for i := 0; i < 100; i++ {
		msgs = append(msgs, kafka.Message{Topic: "raw.test", Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf("v%d", i))})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	e.Close()

	e, err = StartEmbedded("127.0.0.1:0", dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := Ping(ctx, e.Brokers()); err != nil {
		t.Fatal(err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.Brokers(), GroupID: "g", Topic: "raw.test", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	seen := map[string]bool{}
	for len(seen) < 100 {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", len(seen), err)
		}
		seen[string(m.Value)] = true
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPingFailsWhenBrokerIsGone: readiness must not be answered from a cache.
func TestPingFailsWhenBrokerIsGone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := StartEmbedded("127.0.0.1:0", t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := Ping(ctx, e.Brokers()); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if err := Ping(ctx, e.Brokers()); err == nil {
		t.Fatal("Ping succeeded after the broker closed")
	}
}
