package pipelines

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/residenthub/residenthub/pipelines/arrowbatch"
)

// TestIntakeInsertInBlocks sends a round of intake rows larger than one
// insert block (arrowbatch.InsertBlockRows) and reads every row back with
// its columns, field and reason left to their default, the empty string.
func TestIntakeInsertInBlocks(t *testing.T) {
	h := newHarness(t)
	r := h.loadedRunner(asset("V-1", idA, "vehicle", t0))
	n := 3*arrowbatch.InsertBlockRows + 7
	rows := intakeRows{sources: make([]string, n), datasets: make([]string, n), hashes: make([]string, n), topics: make([]string, n),
		partitions: make([]int32, n), offsets: make([]int64, n), times: make([]int64, n)}
	for i := range n {
		rows.sources[i], rows.datasets[i], rows.hashes[i], rows.topics[i] = "blocks", "asset", fmt.Sprintf("h%d", i), "raw.blocks"
		rows.partitions[i], rows.offsets[i], rows.times[i] = int32(i%3), int64(i), t0.Unix()+int64(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.sendIntake(ctx, rows); err != nil {
		t.Fatal(err)
	}
	var count, matching, offsets uint64
	if err := h.conn.QueryRow(ctx, "SELECT count(), uniqExact(kafka_offset), countIf(outcome = 'loaded' AND field = '' AND reason = '' AND dataset = 'asset' AND topic = 'raw.blocks'"+
		" AND record_key_hash = concat('h', toString(kafka_offset)) AND kafka_partition = kafka_offset % 3"+
		" AND toUnixTimestamp(message_time) = ? + kafka_offset AND recorded_at = message_time)"+
		" FROM "+r.intake+" WHERE source = 'blocks'", t0.Unix()).Scan(&count, &offsets, &matching); err != nil {
		t.Fatal(err)
	}
	if count != uint64(n) || offsets != uint64(n) || matching != uint64(n) {
		t.Fatalf("intake_history has %d rows of the round (%d offsets, %d as sent), want %d", count, offsets, matching, n)
	}
}
