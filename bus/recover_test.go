package bus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestRecoverLog writes three batches of ten records to one partition of a
// real embedded broker, damages its segment as a crash or a disk would (a
// torn tail; a flipped byte in the middle batch), and checks that RecoverLog
// cuts the segment after the last complete batch, says what it cut, and that
// the broker started on the folder serves exactly the records kept.
func TestRecoverLog(t *testing.T) {
	f := func(damage func(seg string, size int64), wantEnd, wantLostFrom, wantLost int64, wantBatches int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dir := t.TempDir()
		e, err := StartEmbedded("127.0.0.1:0", dir, 1)
		if err != nil {
			t.Fatal(err)
		}
		w := NewWriter(e.Brokers())
		for b := range 3 {
			var msgs []kafka.Message
			for i := range 10 {
				msgs = append(msgs, kafka.Message{Topic: "raw.test", Key: []byte(fmt.Sprint(b*10 + i)), Value: []byte("value")})
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		e.Close()
		seg := filepath.Join(dir, "partitions", "raw.test-0", "0.dat")
		info, err := os.Stat(seg)
		if err != nil {
			t.Fatal(err)
		}
		damage(seg, info.Size())
		got, err := RecoverLog(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Topic != "raw.test" || got[0].Partition != 0 || got[0].KeptEnd != wantEnd ||
			got[0].LostFrom != wantLostFrom || got[0].LostRecords != wantLost || got[0].LostBatches != wantBatches || got[0].DroppedBytes <= 0 {
			t.Fatalf("recovered %+v, want the log to end at %d, lost from %d (%d records, %d complete batches)", got, wantEnd, wantLostFrom, wantLost, wantBatches)
		}
		if again, err := RecoverLog(dir); err != nil || len(again) != 0 {
			t.Fatalf("a second recovery cut %+v (%v)", again, err)
		}
		e, err = StartEmbedded("127.0.0.1:0", dir, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		offs, err := GroupOffsets(ctx, e.Brokers(), "", []string{"raw.test"})
		if err != nil || len(offs) != 1 || offs[0].End != wantEnd {
			t.Fatalf("the broker serves %+v (%v), want the log to end at %d", offs, err, wantEnd)
		}
	}
	idx := func(seg string) string { return seg[:len(seg)-len(".dat")] + ".idx" }
	// A write the broker never finished (a crash mid-write): the last batch
	// is torn and the index does not list it. Nothing acknowledged is lost.
	f(func(seg string, size int64) {
		_ = os.Truncate(seg, size-20)
		_ = os.Truncate(idx(seg), 2*15)
	}, 20, 20, 10, 0)
	// The last batch damaged after the broker wrote it (the index lists it).
	f(func(seg string, size int64) { _ = os.Truncate(seg, size-20) }, 20, 20, 10, 1)
	// A byte flipped in the middle batch's records: it and all after it are cut.
	f(func(seg string, size int64) {
		b, _ := os.ReadFile(seg)
		b[len(b)/2] ^= 0xff
		_ = os.WriteFile(seg, b, 0o644)
	}, 10, 10, 10, 2)
	// Only a few bytes of the first batch: nothing kept, offsets unknown.
	f(func(seg string, size int64) { _ = os.Truncate(seg, 5) }, 0, 0, 0, 3)
}
