package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// ReadDeadLetters reads up to limit distinct dead letters of dlq.<source>
// from the start of every partition, without joining a consumer group. A
// record rejected again (a pipeline replay, a connector repeating its last
// page after a crash, a file re-sent, under another name too) is listed
// once: rejects are identified by what was rejected and why
// (deadLetterID), not by the delivery. A dead letter without an origin takes
// the origin of the envelope it rejects. Partitions are read in the order
// Kafka lists them, each from its first offset.
func ReadDeadLetters(ctx context.Context, brokers []string, source string, limit int) ([]schema.DeadLetter, error) {
	topic := schema.DLQTopic(source)
	conn, err := Dialer(brokers).DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return nil, fmt.Errorf("cannot reach kafka: %w", err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot read partitions of %s: %w", topic, err)
	}
	var out []schema.DeadLetter
	seen := map[string]bool{}
	for _, p := range parts {
		pc, err := Dialer(brokers).DialLeader(ctx, "tcp", brokers[0], topic, p.ID)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s/%d: %w", topic, p.ID, err)
		}
		first, last, err := pc.ReadOffsets()
		if err == nil && first < last {
			_, err = pc.Seek(first, kafka.SeekAbsolute)
		}
		for offset := first; err == nil && offset < last && len(out) < limit; {
			var m kafka.Message
			_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if m, err = pc.ReadMessage(1 << 20); err != nil {
				break
			}
			offset = m.Offset + 1
			var d schema.DeadLetter
			if json.Unmarshal(m.Value, &d) != nil {
				continue
			}
			id := deadLetterID(m.Key, d)
			if seen[id] {
				continue
			}
			seen[id] = true
			if d.Origin == "" {
				if env, derr := schema.UnmarshalEnvelope(d.Original); derr == nil {
					d.Origin = env.Origin
				}
			}
			out = append(out, d)
		}
		pc.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot read %s/%d: %w", topic, p.ID, err)
		}
	}
	return out, nil
}

// CountDeadLetters counts the distinct dead letters of each source's
// dlq.<source> topic (ReadDeadLetters: a record rejected again counts once),
// by source name.
func CountDeadLetters(ctx context.Context, brokers []string, sources []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range sources {
		letters, err := ReadDeadLetters(ctx, brokers, s, math.MaxInt)
		if err != nil {
			return nil, err
		}
		out[s] = int64(len(letters))
	}
	return out, nil
}
