package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// cmdDeadLetters prints the records a source's connector or pipeline
// rejected (Kafka dlq.<source>), in file and line order, each record once:
// where it came from, the field and the reason. ID numbers in record keys and origins are masked.
func cmdDeadLetters(args []string) error {
	fs := flag.NewFlagSet("dead-letters", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	source := fs.String("source", "", "source name (required)")
	limit := fs.Int("n", 50, "print at most this many")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	if _, ok := cfg.Source(*source); !ok {
		names := make([]string, 0, len(cfg.Sources))
		for _, s := range cfg.Sources {
			names = append(names, s.Name)
		}
		return fmt.Errorf("dead-letters: -source %q is not a configured source; configured: %s", *source, strings.Join(names, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	letters, err := readDeadLetters(ctx, brokersOf(cfg), *source, *limit)
	if err != nil {
		return err
	}
	if len(letters) == 0 {
		fmt.Printf("dlq.%s is empty\n", *source)
		return nil
	}
	sort.SliceStable(letters, func(i, j int) bool { return originLess(letters[i].Origin, letters[j].Origin) })
	for _, d := range letters {
		where := d.Origin
		if where == "" && d.Topic != "" {
			where = fmt.Sprintf("%s/%d@%d", d.Topic, d.Partition, d.Offset)
		}
		fmt.Printf("%s  %-34s key=%-28s field=%-16s %s  (%s)\n", d.RejectedAt.Format(time.RFC3339), maskIDs(where), maskIDs(d.RecordKey), d.Field, maskIDs(d.Reason), d.PipelineVersion)
	}
	return nil
}

// readDeadLetters reads up to limit distinct dead letters of dlq.<source>
// from the start of every partition, without joining a consumer group. A
// record rejected again (a pipeline replay, a connector repeating its last
// page after a crash) is listed once: pipeline rejects are identified by the
// raw message they reject (topic, partition, offset), connector rejects by
// their deterministic message key.
func readDeadLetters(ctx context.Context, brokers []string, source string, limit int) ([]schema.DeadLetter, error) {
	topic := schema.DLQTopic(source)
	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
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
		pc, err := kafka.DialLeader(ctx, "tcp", brokers[0], topic, p.ID)
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
			id := "key:" + string(m.Key)
			if d.Topic != "" {
				id = fmt.Sprintf("raw:%s/%d@%d", d.Topic, d.Partition, d.Offset)
			}
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

// originLess orders origins as a person reads a delivery: by file, then by
// line or row number ("hukou.csv:9" before "hukou.csv:10").
func originLess(a, b string) bool {
	pa, na := splitTrailingNumber(a)
	pb, nb := splitTrailingNumber(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitTrailingNumber(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}

// maskIDs masks anything that looks like an ID number (15-digit, 18-character,
// full-width; normalize.MaskIDsIn).
func maskIDs(s string) string { return normalize.MaskIDsIn(s) }
