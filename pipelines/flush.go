package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/pipelines/arrowbatch"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/segmentio/kafka-go"
)

// committed updates the counters once a batch's offsets are committed.
func (r *Runner) committed(b *batch, _ int) {
	now := time.Now().UnixNano()
	loaded := map[*sourceStats]int{}
	for _, p := range b.rows {
		loaded[r.bySrc[p.row.Source]]++
	}
	for st, n := range loaded {
		st.loaded.Add(int64(n))
		st.lastLoaded.Store(now)
		st.mLoaded.Add(float64(n))
	}
	for _, p := range b.rejects {
		st := r.bySrc[p.letter.Source]
		st.rejected.Add(1)
		st.mRejected.Inc()
	}
	r.m.conflicts.Add(float64(len(b.conflicts)))
	r.log.Debug("batch loaded", "dataset", b.dataset.Name, "rows", len(b.rows), "rejected", len(b.rejects), "conflicts", len(b.conflicts))
}

// store runs the idempotent steps of storing a batch that have not
// succeeded yet: look up the owners and identities the batch touches (one
// query each), resolve owners (tombstones for deletes and moved records) and
// conflicts, insert the rows (as an Arrow record batch), the load and reject
// bookkeeping and the conflicts, and write the dead letters to Kafka.
// A failure counts as a store retry (the loader calls store again).
func (r *Runner) store(ctx context.Context, dlq *bus.Writer, b *batch) error {
	err := r.storeSteps(ctx, dlq, b)
	if err != nil {
		r.m.retries.WithLabelValues(b.dataset.Name).Inc()
	}
	return err
}

// resolve looks up and resolves the batch's owners and conflicts once.
func (r *Runner) resolve(ctx context.Context, b *batch) error {
	if b.resolved {
		return nil
	}
	release, err := r.slot(ctx)
	if err != nil {
		return err
	}
	defer release()
	final, err := r.resolveOwners(ctx, b)
	if err != nil {
		return err
	}
	conflicts, err := r.findConflicts(ctx, b.dataset, final)
	if err != nil {
		return err
	}
	b.final, b.conflicts, b.resolved = final, conflicts, true
	return nil
}

func (r *Runner) storeSteps(ctx context.Context, dlq *bus.Writer, b *batch) error {
	if err := r.resolve(ctx, b); err != nil {
		return err
	}
	steps := []struct {
		name    string
		run     func(context.Context, *batch) error
		grouped bool // joins a groupInsert, whose sender takes the ClickHouse slot
	}{
		{"rows", r.insertRows, false},
		{"loads", r.insertLoads, true},
		{"rejects", r.insertRejects, true},
		{"conflicts", r.insertConflicts, false},
		{"dlq", func(ctx context.Context, b *batch) error { return writeDeadLetters(ctx, dlq, b) }, false},
	}
	// The steps are independent: run them at once, keep what succeeded.
	var wg sync.WaitGroup
	errs := make([]error, len(steps))
	for i, s := range steps {
		if b.done[s.name] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !s.grouped {
				release, err := r.slot(ctx)
				if err != nil {
					errs[i] = err
					return
				}
				defer release()
			}
			errs[i] = s.run(ctx, b)
		}()
	}
	wg.Wait()
	for i, s := range steps {
		if errs[i] == nil {
			b.done[s.name] = true
		}
	}
	return errors.Join(errs...)
}

func (r *Runner) table(name string) string { return r.db + "." + name }

// chSlots bounds the ClickHouse calls the pipelines make at once (over all
// datasets), leaving connections of the pool (store.Connect: 16) to the API.
const chSlots = 8

// slot waits for one of the chSlots ClickHouse slots; call release when the
// call is done.
func (r *Runner) slot(ctx context.Context) (release func(), err error) {
	select {
	case r.chSlots <- struct{}{}:
		return func() { <-r.chSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *Runner) hookInsert(table string) error {
	if r.hooks.beforeInsert != nil {
		return r.hooks.beforeInsert(table)
	}
	return nil
}

// insertRows inserts the batch's rows into the dataset table.
func (r *Runner) insertRows(ctx context.Context, b *batch) error {
	if len(b.final) == 0 {
		return nil
	}
	if err := r.hookInsert(b.dataset.Name); err != nil {
		return err
	}
	builder := arrowbatch.NewBuilder(memory.DefaultAllocator, b.dataset, PipelineVersion)
	defer builder.Release()
	builder.Reserve(len(b.final))
	for _, row := range b.final {
		if err := builder.Append(row); err != nil {
			return err
		}
	}
	rec := builder.NewRecord()
	defer rec.Release()
	return arrowbatch.Insert(ctx, r.conn, r.table(b.dataset.Name), rec)
}

// insertLoads records which messages loaded: one row per message in
// {analytics_db}.intake_history (outcome 'loaded'), under the pseudonym of
// the record key as sent (record.Row.RawKey, the key the rejects and dead
// letters carry), so the analysts' intake view and rejects_current see it
// (migration 0100). The row is what the view over the former loads table
// wrote: recorded_at is the message time, so a replay writes the same row.
// The rows of the batches being stored at the same time go in one INSERT
// (Runner.intakeGroup).
func (r *Runner) insertLoads(ctx context.Context, b *batch) error {
	if len(b.rows) == 0 {
		return nil
	}
	if err := r.hookInsert("intake_history"); err != nil {
		return err
	}
	n := len(b.rows)
	rows := intakeRows{sources: make([]string, n), datasets: make([]string, n), hashes: make([]string, n), topics: make([]string, n),
		partitions: make([]int32, n), offsets: make([]int64, n), times: make([]int64, n)}
	hash := store.NewPseudonymizer(r.salt)
	for i, p := range b.rows {
		rows.sources[i], rows.datasets[i], rows.hashes[i], rows.topics[i] = p.row.Source, b.dataset.Name, hash.Of(p.row.RawKey), p.ref.topic
		rows.partitions[i], rows.offsets[i], rows.times[i] = int32(p.ref.partition), p.ref.offset, p.ref.time.Unix()
	}
	return r.intakeGroup.Add(ctx, rows)
}

// intakeRows are intake_history rows of outcome 'loaded', by column.
type intakeRows struct {
	sources, datasets, hashes, topics []string
	partitions                        []int32
	offsets, times                    []int64 // times: message time, Unix seconds
}

func joinIntake(into, rows intakeRows) intakeRows {
	into.sources = append(into.sources, rows.sources...)
	into.datasets = append(into.datasets, rows.datasets...)
	into.hashes = append(into.hashes, rows.hashes...)
	into.topics = append(into.topics, rows.topics...)
	into.partitions = append(into.partitions, rows.partitions...)
	into.offsets = append(into.offsets, rows.offsets...)
	into.times = append(into.times, rows.times...)
	return into
}

// sendIntake inserts rows into intake_history in one INSERT.
func (r *Runner) sendIntake(ctx context.Context, rows intakeRows) error {
	release, err := r.slot(ctx)
	if err != nil {
		return err
	}
	defer release()
	n := len(rows.sources)
	outcomes := make([]string, n)
	for i := range outcomes {
		outcomes[i] = "loaded"
	}
	// field and reason (a reject's) are left to their default, ''.
	return r.insertColumnsInto(ctx, r.intake, "intake_history", "source, dataset, outcome, record_key_hash, topic, kafka_partition, kafka_offset, message_time, recorded_at", n,
		rows.sources, rows.datasets, outcomes, rows.hashes, rows.topics, rows.partitions, rows.offsets, rows.times, rows.times)
}

// insertColumnsInto inserts whole columns (slices of n rows, in the order
// of columns: []string, []int32 or []int64) into the bookkeeping table
// qualified (named table in errors) in one INSERT, in blocks of
// arrowbatch.InsertBlockRows rows.
func (r *Runner) insertColumnsInto(ctx context.Context, qualified, table, columns string, n int, cols ...any) error {
	batch, err := r.conn.PrepareBatch(ctx, "INSERT INTO "+qualified+" ("+columns+")")
	if err != nil {
		return fmt.Errorf("cannot prepare insert into %s: %w", table, err)
	}
	defer func() {
		if !batch.IsSent() {
			_ = batch.Abort()
		}
	}()
	for lo := 0; lo < n; lo += arrowbatch.InsertBlockRows {
		hi := min(lo+arrowbatch.InsertBlockRows, n)
		for i, c := range cols {
			part, err := columnSlice(c, lo, hi)
			if err == nil {
				err = batch.Column(i).Append(part)
			}
			if err != nil {
				return fmt.Errorf("cannot insert into %s: %w", table, err)
			}
		}
		if hi < n {
			if err := batch.Flush(); err != nil {
				return fmt.Errorf("cannot insert into %s: %w", table, err)
			}
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert into %s: %w", table, err)
	}
	return nil
}

// columnSlice is rows lo..hi of a column insertColumnsInto takes; an
// error for another type or a column shorter than hi.
func columnSlice(c any, lo, hi int) (any, error) {
	switch c := c.(type) {
	case []string:
		return rowsOf(c, lo, hi)
	case []int32:
		return rowsOf(c, lo, hi)
	case []int64:
		return rowsOf(c, lo, hi)
	}
	return nil, fmt.Errorf("unsupported column type %T", c)
}

func rowsOf[T any](c []T, lo, hi int) (any, error) {
	if hi > len(c) {
		return nil, fmt.Errorf("column of %T has %d rows, not %d", c, len(c), hi)
	}
	return c[lo:hi], nil
}

// insertRejects records the batch's rejected messages in the rejects
// table; the rejects of the batches being stored at the same time go in
// one INSERT (Runner.rejectGroup).
func (r *Runner) insertRejects(ctx context.Context, b *batch) error {
	if len(b.rejects) == 0 {
		return nil
	}
	if err := r.hookInsert("rejects"); err != nil {
		return err
	}
	return r.rejectGroup.Add(ctx, b.rejects)
}

// sendRejects inserts rejects into the rejects table in one INSERT.
func (r *Runner) sendRejects(ctx context.Context, rejects []pendingReject) error {
	release, err := r.slot(ctx)
	if err != nil {
		return err
	}
	defer release()
	return r.insert(ctx, "rejects", "source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason, pipeline_version, message_time, rejected_at", len(rejects),
		func(i int) []any {
			p := rejects[i]
			d := p.letter
			return []any{d.Source, d.Dataset, d.RecordKey, d.Topic, int32(d.Partition), d.Offset, d.Field, d.Reason, d.PipelineVersion, p.ref.time, d.RejectedAt.Truncate(time.Second)}
		})
}

func (r *Runner) insertConflicts(ctx context.Context, b *batch) error {
	if len(b.conflicts) == 0 {
		return nil
	}
	if err := r.hookInsert("identity_conflict"); err != nil {
		return err
	}
	return r.insert(ctx, "identity_conflict", "id_number, field, source_a, record_key_a, value_a, source_b, record_key_b, value_b, detected_at, pipeline_version", len(b.conflicts),
		func(i int) []any {
			c := b.conflicts[i]
			return []any{c.idNumber, c.field, c.a.source, c.a.recordKey, c.a.value, c.b.source, c.b.recordKey, c.b.value, c.detectedAt, PipelineVersion}
		})
}

// insert appends n rows given by row(i) to a bookkeeping table in one INSERT.
func (r *Runner) insert(ctx context.Context, table, columns string, n int, row func(int) []any) error {
	batch, err := r.conn.PrepareBatch(ctx, "INSERT INTO "+r.table(table)+" ("+columns+")")
	if err != nil {
		return fmt.Errorf("cannot prepare insert into %s: %w", table, err)
	}
	defer func() {
		if !batch.IsSent() {
			_ = batch.Abort()
		}
	}()
	for i := 0; i < n; i++ {
		if err := batch.Append(row(i)...); err != nil {
			return fmt.Errorf("cannot insert into %s: %w", table, err)
		}
		if (i+1)%arrowbatch.InsertBlockRows == 0 && i+1 < n {
			if err := batch.Flush(); err != nil { // blocks of arrowbatch.InsertBlockRows
				return fmt.Errorf("cannot insert into %s: %w", table, err)
			}
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert into %s: %w", table, err)
	}
	return nil
}

// writeDeadLetters produces the batch's rejects to dlq.<source>, returning
// after Kafka acknowledged them (acks=all) and they are on disk
// (bus.Writer), so the offsets committed after them never outlive them.
func writeDeadLetters(ctx context.Context, dlq *bus.Writer, b *batch) error {
	if len(b.rejects) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, 0, len(b.rejects))
	for _, p := range b.rejects {
		v, err := json.Marshal(p.letter)
		if err != nil {
			return fmt.Errorf("cannot encode dead letter: %w", err)
		}
		msgs = append(msgs, kafka.Message{Topic: schema.DLQTopic(p.letter.Source), Key: p.key, Value: v})
	}
	if err := dlq.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot write dead letters: %w", err)
	}
	return nil
}
