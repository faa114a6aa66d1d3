package pipelines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/residenthub/residenthub/pipelines/arrowbatch"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// errCrash wraps the error of the beforeCommit test hook.
var errCrash = errors.New("pipelines: stopped before commit")

// flush stores a batch (retrying with backoff until ctx ends), then commits
// its offsets and resets it.
func (l *loop) flush(ctx context.Context, b *batch) error {
	r := l.r
	bo := r.newBackoff()
	for {
		err := l.store(ctx, b)
		if err == nil {
			break
		}
		r.m.retries.WithLabelValues(b.dataset.Name).Inc()
		r.log.Warn("cannot store batch, retrying", "dataset", b.dataset.Name, "messages", b.n, "err", err)
		if !bo.wait(ctx) {
			return fmt.Errorf("cannot store %s batch: %w", b.dataset.Name, err)
		}
	}
	if r.hooks.beforeCommit != nil {
		if err := r.hooks.beforeCommit(); err != nil {
			return fmt.Errorf("%w: %w", errCrash, err)
		}
	}
	last := make([]kafka.Message, 0, len(b.last))
	for _, m := range b.last {
		last = append(last, m)
	}
	// A failed commit loses nothing: the messages are consumed again and
	// their rows collapse with the stored ones.
	bo = r.newBackoff()
	for attempt := 1; ; attempt++ {
		err := l.reader.CommitMessages(ctx, last...)
		if err == nil {
			break
		}
		r.log.Warn("cannot commit offsets", "dataset", b.dataset.Name, "attempt", attempt, "err", err)
		if attempt == 5 || !bo.wait(ctx) {
			break
		}
	}
	now := time.Now()
	for _, p := range b.rows {
		st := r.bySrc[p.row.Source]
		st.loaded.Add(1)
		st.lastLoaded.Store(now.UnixNano())
		r.m.loaded.WithLabelValues(st.source, st.dataset).Inc()
	}
	for _, p := range b.rejects {
		st := r.bySrc[p.letter.Source]
		st.rejected.Add(1)
		r.m.rejected.WithLabelValues(st.source, st.dataset).Inc()
	}
	r.m.conflicts.Add(float64(len(b.conflicts)))
	r.pending.Add(-int64(b.n))
	r.log.Debug("batch loaded", "dataset", b.dataset.Name, "rows", len(b.rows), "rejected", len(b.rejects), "conflicts", len(b.conflicts))
	*b = batch{dataset: b.dataset}
	return nil
}

// store runs the idempotent steps of a flush that have not succeeded yet:
// resolve owners (tombstones for deletes and moved records) and conflicts, insert the rows (as an Arrow record batch),
// the load and reject bookkeeping and the conflicts, and write the dead
// letters to Kafka.
func (l *loop) store(ctx context.Context, b *batch) error {
	r := l.r
	if !b.resolved {
		final, err := r.resolveOwners(ctx, b)
		if err != nil {
			return err
		}
		conflicts, err := r.findConflicts(ctx, b.dataset, final)
		if err != nil {
			return err
		}
		b.final, b.conflicts, b.resolved = final, conflicts, true
	}
	steps := []struct {
		name string
		run  func(context.Context, *batch) error
	}{
		{"rows", r.insertRows},
		{"loads", r.insertLoads},
		{"rejects", r.insertRejects},
		{"conflicts", r.insertConflicts},
		{"dlq", l.writeDeadLetters},
	}
	for _, s := range steps {
		if b.done[s.name] {
			continue
		}
		if err := s.run(ctx, b); err != nil {
			return err
		}
		b.done[s.name] = true
	}
	return nil
}

func (r *Runner) table(name string) string { return r.db + "." + name }

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
	for _, row := range b.final {
		if err := builder.Append(row); err != nil {
			return err
		}
	}
	rec := builder.NewRecord()
	defer rec.Release()
	return arrowbatch.Insert(ctx, r.conn, r.table(b.dataset.Name), rec)
}

// insertLoads records which messages loaded (see the rejects_current view),
// under the record key as sent (record.Row.RawKey), the key the rejects and
// dead letters carry.
func (r *Runner) insertLoads(ctx context.Context, b *batch) error {
	if len(b.rows) == 0 {
		return nil
	}
	if err := r.hookInsert("loads"); err != nil {
		return err
	}
	return r.insert(ctx, "loads", "source, dataset, record_key, topic, kafka_partition, kafka_offset, pipeline_version, message_time", len(b.rows),
		func(i int) []any {
			p := b.rows[i]
			return []any{p.row.Source, b.dataset.Name, p.row.RawKey, p.ref.topic, int32(p.ref.partition), p.ref.offset, PipelineVersion, p.ref.time}
		})
}

func (r *Runner) insertRejects(ctx context.Context, b *batch) error {
	if len(b.rejects) == 0 {
		return nil
	}
	if err := r.hookInsert("rejects"); err != nil {
		return err
	}
	return r.insert(ctx, "rejects", "source, dataset, record_key, topic, kafka_partition, kafka_offset, field, reason, pipeline_version, message_time, rejected_at", len(b.rejects),
		func(i int) []any {
			p := b.rejects[i]
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
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert into %s: %w", table, err)
	}
	return nil
}

// writeDeadLetters produces the batch's rejects to dlq.<source>, returning
// after Kafka acknowledged them (acks=all).
func (l *loop) writeDeadLetters(ctx context.Context, b *batch) error {
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
	if err := l.dlq.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot write dead letters: %w", err)
	}
	return nil
}
