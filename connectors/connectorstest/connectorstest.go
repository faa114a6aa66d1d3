// Package connectorstest holds helpers for connector tests: an embedded
// Kafka broker, reading a topic back exactly, sources from YAML, and a
// scheduler wired to real Kafka and file checkpoints.
package connectorstest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// Kafka starts an embedded broker on loopback (2 partitions per topic) for
// the test and returns its bootstrap addresses.
func Kafka(t testing.TB) []string {
	t.Helper()
	e, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e.Brokers()
}

// Context returns a context cancelled after d or at the end of the test.
func Context(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Sources parses a YAML list of sources (the "sources:" section of a config
// file) through config.Parse, so tests use exactly what operators write.
func Sources(t testing.TB, yamlList string) []config.Source {
	t.Helper()
	// A salt, because config.Parse requires one (it is not a source setting).
	cfg, err := config.Parse([]byte("clickhouse: {pseudonym_salt: connectorstest-pseudonym-salt}\nsources:\n" + indent(yamlList)))
	if err != nil {
		t.Fatalf("cannot parse sources: %v\n%s", err, yamlList)
	}
	return cfg.Sources
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// Harness is a scheduler wired to the embedded broker and file checkpoints
// in a temporary data folder.
type Harness struct {
	Brokers     []string
	DataDir     string
	Scheduler   *runtime.Scheduler
	Publisher   *runtime.Publisher
	Checkpoints runtime.Checkpoints
}

// NewHarness builds a scheduler for sources with the given kinds. If cps is
// nil, file checkpoints under dataDir/checkpoints are used.
func NewHarness(t testing.TB, brokers []string, dataDir string, kinds map[string]connectors.Factory, cps runtime.Checkpoints, sources []config.Source) *Harness {
	t.Helper()
	if cps == nil {
		fc, err := runtime.NewFileCheckpoints(filepath.Join(dataDir, "checkpoints"))
		if err != nil {
			t.Fatal(err)
		}
		cps = fc
	}
	w := bus.NewWriter(brokers)
	t.Cleanup(func() { w.Close() })
	pub := runtime.NewPublisher(w)
	s, err := runtime.NewScheduler(runtime.SchedulerConfig{
		Sources: sources, Kinds: kinds, Publisher: pub, Checkpoints: cps,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &Harness{Brokers: brokers, DataDir: dataDir, Scheduler: s, Publisher: pub, Checkpoints: cps}
}

// ReadTopic returns every message currently in topic, partition by
// partition in offset order (nil if the topic does not exist). It reads up to
// each partition's high watermark, so the count is exact.
func ReadTopic(t testing.TB, ctx context.Context, brokers []string, topic string) []kafka.Message {
	t.Helper()
	conn, err := kafka.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(topic)
	if errors.Is(err, kafka.UnknownTopicOrPartition) {
		return nil
	}
	if err != nil {
		t.Fatalf("cannot read partitions of %s: %v", topic, err)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].ID < parts[j].ID })
	var out []kafka.Message
	for _, p := range parts {
		lc, err := kafka.DialLeader(ctx, "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		first, last, err := lc.ReadOffsets()
		lc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if last <= first {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 50 * time.Millisecond})
		if err := r.SetOffset(first); err != nil {
			t.Fatal(err)
		}
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("cannot read %s/%d: %v", topic, p.ID, err)
			}
			out = append(out, m)
			if m.Offset >= last-1 {
				break
			}
		}
		r.Close()
	}
	return out
}

// Envelopes reads raw.<source> and decodes every message, checking that the
// message key is the envelope's record key.
func Envelopes(t testing.TB, ctx context.Context, brokers []string, source string) []schema.Envelope {
	t.Helper()
	var out []schema.Envelope
	for _, m := range ReadTopic(t, ctx, brokers, schema.RawTopic(source)) {
		e, err := schema.UnmarshalEnvelope(m.Value)
		if err != nil {
			t.Fatalf("message %s/%d/%d: %v", m.Topic, m.Partition, m.Offset, err)
		}
		if string(m.Key) != e.RecordKey {
			t.Fatalf("message key %q != record key %q", m.Key, e.RecordKey)
		}
		out = append(out, *e)
	}
	return out
}

// DeadLetters reads dlq.<source> and decodes every message.
func DeadLetters(t testing.TB, ctx context.Context, brokers []string, source string) []schema.DeadLetter {
	t.Helper()
	var out []schema.DeadLetter
	for _, m := range ReadTopic(t, ctx, brokers, schema.DLQTopic(source)) {
		var d schema.DeadLetter
		if err := json.Unmarshal(m.Value, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// CountKeys counts envelopes per record key.
func CountKeys(envs []schema.Envelope) map[string]int {
	m := map[string]int{}
	for _, e := range envs {
		m[e.RecordKey]++
	}
	return m
}

// FailingCheckpoints wraps a store and fails every Save after the first
// Allow ones, simulating a crash between publishing and checkpointing.
type FailingCheckpoints struct {
	runtime.Checkpoints
	Allow int
	saves int
}

// Save implements runtime.Checkpoints.
func (f *FailingCheckpoints) Save(source, cursor string) error {
	f.saves++
	if f.saves > f.Allow {
		return errors.New("injected crash before checkpoint")
	}
	return f.Checkpoints.Save(source, cursor)
}
