package pipelines

import (
	"context"
	"errors"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

// loop is one Run: the batches being filled and the Kafka clients.
type loop struct {
	r       *Runner
	reader  *kafka.Reader
	dlq     *kafka.Writer
	batches map[string]*batch // by dataset
}

// batch holds the messages of one dataset since the last flush. Every
// message of a raw topic belongs to its source's dataset, so a partition's
// messages are all in one batch and committing the batch's last offset per
// partition commits exactly what was stored.
type batch struct {
	dataset schema.Dataset
	started time.Time
	rows    []pendingRow
	rejects []pendingReject
	last    map[topicPartition]kafka.Message
	n       int // messages

	// flush progress, so a retry does not redo finished steps
	resolved  bool
	final     []record.Row // upserts and tombstones (resolveOwners)
	conflicts []conflict
	done      map[string]bool
}

type topicPartition struct {
	topic     string
	partition int
}

// msgRef locates a Kafka message.
type msgRef struct {
	topic     string
	partition int
	offset    int64
	time      time.Time // whole seconds, UTC
}

type pendingRow struct {
	ref msgRef
	row record.Row
}

type pendingReject struct {
	ref    msgRef
	letter schema.DeadLetter
	key    []byte
}

func (l *loop) batch(ds string) *batch {
	b := l.batches[ds]
	if b == nil {
		b = &batch{dataset: schema.Datasets[ds]}
		l.batches[ds] = b
	}
	if b.n == 0 {
		b.started = time.Now()
		b.last = map[topicPartition]kafka.Message{}
		b.done = map[string]bool{}
	}
	return b
}

// run is the consume loop; see Runner.Run.
func (l *loop) run(ctx context.Context, msgs <-chan kafka.Message, fetchDone <-chan error) error {
	linger := l.r.cfg.Pipelines.Linger
	tick := min(max(linger/4, 10*time.Millisecond), 250*time.Millisecond)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return l.shutdown(ctx)
		case err := <-fetchDone:
			if ctx.Err() != nil {
				return l.shutdown(ctx)
			}
			l.r.log.Error("cannot fetch from Kafka", "err", err)
			if serr := l.shutdown(ctx); serr != nil {
				return serr
			}
			return err
		case m := <-msgs:
			b := l.handle(m)
			if b != nil && b.n >= l.r.cfg.Pipelines.BatchRows {
				if err := l.flush(ctx, b); err != nil {
					return l.stopped(ctx, err)
				}
			}
		case <-ticker.C:
			for _, b := range l.batches {
				if b.n > 0 && time.Since(b.started) >= linger {
					if err := l.flush(ctx, b); err != nil {
						return l.stopped(ctx, err)
					}
				}
			}
		}
	}
}

// stopped handles a flush that did not finish: a crash hook error is
// returned as is; a cancelled context gets the final flush.
func (l *loop) stopped(ctx context.Context, err error) error {
	if errors.Is(err, errCrash) || ctx.Err() == nil {
		return err
	}
	return l.shutdown(ctx)
}

// shutdown flushes every batch with a fresh, bounded context.
func (l *loop) shutdown(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	for _, b := range l.batches {
		if b.n == 0 {
			continue
		}
		if err := l.flush(sctx, b); err != nil {
			if errors.Is(err, errCrash) {
				return err
			}
			return errors.New("cannot flush pipelines on shutdown (the messages will be consumed again): " + err.Error())
		}
	}
	return nil
}

// handle decodes and normalizes one message into its source's batch. A
// message of a topic the runner did not subscribe to is skipped (nil).
func (l *loop) handle(m kafka.Message) *batch {
	r := l.r
	src := r.byTopic[m.Topic]
	if src == nil {
		r.log.Error("message from an unexpected topic skipped", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset)
		return nil
	}
	st := r.bySrc[src.Name]
	st.consumed.Add(1)
	r.m.consumed.WithLabelValues(src.Name, src.Dataset).Inc()
	r.pending.Add(1)

	ingest := m.Time.UTC().Truncate(time.Second)
	if m.Time.IsZero() {
		ingest = time.Now().UTC().Truncate(time.Second)
	}
	ref := msgRef{topic: m.Topic, partition: m.Partition, offset: m.Offset, time: ingest}
	b := l.batch(src.Dataset)
	b.n++
	b.last[topicPartition{m.Topic, m.Partition}] = m

	env, err := schema.UnmarshalEnvelope(m.Value)
	if err != nil {
		b.rejects = append(b.rejects, rejectOf(src, m, ref, "", "envelope", err.Error()))
		return b
	}
	row, warnings, err := record.Normalize(env, src, ingest)
	if err != nil {
		field, reason := "", err.Error()
		var rj *record.Reject
		if errors.As(err, &rj) {
			field, reason = rj.Field, rj.Reason
		}
		b.rejects = append(b.rejects, rejectOf(src, m, ref, env.RecordKey, field, reason))
		return b
	}
	for _, w := range warnings {
		r.m.idWarnings.WithLabelValues(src.Name).Inc()
		r.log.Debug("identity number warning", "source", src.Name, "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "warning", w)
	}
	if row.KeyWarning != "" {
		r.m.keyWarnings.WithLabelValues(src.Name).Inc()
		r.log.Debug("record key kept as sent", "source", src.Name, "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "warning", row.KeyWarning)
	}
	b.rows = append(b.rows, pendingRow{ref: ref, row: row})
	return b
}

func rejectOf(src *config.Source, m kafka.Message, ref msgRef, recordKey, field, reason string) pendingReject {
	if recordKey == "" {
		recordKey = string(m.Key)
	}
	return pendingReject{ref: ref, key: m.Key, letter: schema.DeadLetter{
		Source: src.Name, Dataset: src.Dataset, RecordKey: recordKey, Field: field, Reason: reason,
		PipelineVersion: PipelineVersion, RejectedAt: time.Now().UTC(),
		Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Original: m.Value,
	}}
}
