package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/segmentio/kafka-go"
)

// TestTopicMessagesRefusesTrimmedTopics: the bench counts the raw messages
// it then times; once retention deleted the start of a partition, the count
// fails instead of timing part of the district.
func TestTopicMessagesRefusesTrimmedTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := bus.StartEmbeddedWith(bus.EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	brokers := e.Brokers()
	const topic = "raw.test"
	if err := bus.EnsureTopics(ctx, brokers, 1, topic); err != nil {
		t.Fatal(err)
	}
	w := bus.NewWriter(brokers)
	var msgs []kafka.Message
	for i := range 20 {
		msgs = append(msgs, kafka.Message{Topic: topic, Key: []byte(fmt.Sprint(i)), Value: []byte("x")})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if n, err := topicMessages(ctx, brokers, []string{topic}); err != nil || n != 20 {
		t.Fatalf("whole topic: %d messages (%v), want 20", n, err)
	}

	if err := bus.ResetOffsets(ctx, brokers, []bus.OffsetReset{{Group: "loader", PartitionOffsets: bus.PartitionOffsets{Topic: topic}, To: 10}}); err != nil {
		t.Fatal(err)
	}
	guards := []bus.Guard{{Group: "loader", Topics: []string{topic}}}
	if _, err := bus.ApplyRetention(ctx, brokers, []string{topic}, bus.Retention{Time: time.Nanosecond}, guards, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := topicMessages(ctx, brokers, []string{topic}); err == nil || !strings.Contains(err.Error(), "starts at offset 10") {
		t.Fatalf("trimmed topic: %d messages, error %v; want an error naming offset 10", n, err)
	}
}
