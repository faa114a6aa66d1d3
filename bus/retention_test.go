package bus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/segmentio/kafka-go"
)

// TestRetentionKeepsWhatTheGroupHasNotCommitted fills one partition of the
// embedded broker (SASL on, small segments) past a size bound, commits half
// of it for a consumer group, and applies a retention that would drop
// everything by time and size: the log starts exactly at the committed
// offset, not one record later, and the disk of the segments wholly below it
// is freed. After the group commits the rest, the size bound alone cuts the
// log, and what remains is still readable.
func TestRetentionKeepsWhatTheGroupHasNotCommitted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	user := &Credentials{Mechanism: config.SASLScramSHA256, User: "residenthub", Password: "retention-test-0123"}
	e, err := StartEmbeddedWith(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir, Partitions: 1, User: user, SegmentBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	brokers := e.Brokers()
	const topic = "raw.test"
	if err := EnsureTopics(ctx, brokers, 1, topic); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(brokers)
	w.BatchSize = 10 // many batches, so many segments
	for i := range 20 {
		var msgs []kafka.Message
		for j := range 10 {
			msgs = append(msgs, kafka.Message{Topic: topic, Key: []byte(fmt.Sprint(i*10 + j)), Value: bytes.Repeat([]byte{'x'}, 400)})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	commit := func(offset int64) {
		t.Helper()
		if err := ResetOffsets(ctx, brokers, []OffsetReset{{Group: "loader", PartitionOffsets: PartitionOffsets{Topic: topic}, To: offset}}); err != nil {
			t.Fatal(err)
		}
	}
	commit(100)
	before := dirBytes(t, filepath.Join(dir, "partitions"))

	everything := Retention{Time: time.Nanosecond, Bytes: 1}
	guards := []Guard{{Group: "loader", Topics: []string{topic}}}
	trims, err := ApplyRetention(ctx, brokers, []string{topic}, everything, guards, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(trims) != 1 || trims[0].From != 0 || trims[0].To != 100 {
		t.Fatalf("trims %+v, want [0, 100) of %s/0", trims, topic)
	}
	offs, err := GroupOffsets(ctx, brokers, "loader", []string{topic})
	if err != nil || len(offs) != 1 || offs[0].First != 100 || offs[0].End != 200 {
		t.Fatalf("after retention: %+v %v, want the log to start at the committed 100 and end at 200", offs, err)
	}
	after := dirBytes(t, filepath.Join(dir, "partitions"))
	if after >= before {
		t.Errorf("the partition holds %d bytes on disk after deleting half its records, %d before", after, before)
	}

	// Committed everything: a size bound of about half the rest cuts by size only.
	commit(200)
	trims, err = ApplyRetention(ctx, brokers, []string{topic}, Retention{Bytes: after / 2}, guards, time.Now())
	if err != nil || len(trims) != 1 || trims[0].To <= 100 || trims[0].To >= 200 {
		t.Fatalf("size retention: %+v %v, want a cut between 100 and 200", trims, err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Dialer: Dialer(brokers), MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(kafka.FirstOffset); err != nil {
		t.Fatal(err)
	}
	m, err := r.FetchMessage(ctx)
	if err != nil || m.Offset != trims[0].To {
		t.Fatalf("first readable record: offset %d (%v), want %d", m.Offset, err, trims[0].To)
	}
}

func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
