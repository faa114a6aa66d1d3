package pipelines

import (
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/loader"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
)

// batch holds the decoded messages of one dataset's loader batch. Every
// message of a raw topic belongs to its source's dataset, so a partition's
// messages are all in one dataset's batches, in order.
type batch struct {
	dataset schema.Dataset
	rows    []pendingRow
	rejects []pendingReject
	n       int // messages

	// store progress, so a retry does not redo finished steps
	resolved  bool
	final     []record.Row // upserts and tombstones (resolveOwners)
	conflicts []conflict
	done      map[string]bool
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

// decoded is one message after decode and normalize: a row or a reject.
type decoded struct {
	row      pendingRow
	reject   *pendingReject
	warnings int  // identity-number warnings
	keyWarn  bool // record key kept as sent
}

// decodeChunk is how many messages one goroutine decodes at a time.
const decodeChunk = 256

// decodeSlots bounds the goroutines decoding at once over all datasets to
// the number of cores.
var decodeSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// prepare decodes and normalizes a loader batch of one dataset (lane) on
// every core, keeping the messages' order.
func (r *Runner) prepare(lane int, msgs []loader.Message) *batch {
	b := &batch{dataset: r.datasets[lane], n: len(msgs), done: map[string]bool{}}
	out := make([]decoded, len(msgs))
	var wg sync.WaitGroup
	for lo := 0; lo < len(msgs); lo += decodeChunk {
		hi := min(lo+decodeChunk, len(msgs))
		decodeSlots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-decodeSlots }()
			var env schema.Envelope // reused: Normalize copies what it keeps
			for i := lo; i < hi; i++ {
				out[i] = r.decode(&msgs[i], &env)
			}
		}()
	}
	wg.Wait()
	b.rows = make([]pendingRow, 0, len(msgs))
	for i := range out {
		d := &out[i]
		st := r.bySrc[r.byTopic[msgs[i].Topic].Name]
		st.consumed.Add(1)
		st.mConsumed.Inc()
		if d.reject != nil {
			b.rejects = append(b.rejects, *d.reject)
			continue
		}
		if d.warnings > 0 {
			st.mIDWarnings.Add(float64(d.warnings))
		}
		if d.keyWarn {
			st.mKeyWarnings.Inc()
		}
		b.rows = append(b.rows, d.row)
	}
	return b
}

// decode decodes and normalizes one message, decoding into env (reused:
// nothing returned points into its Fields map); it is pure but for logging.
func (r *Runner) decode(m *loader.Message, env *schema.Envelope) decoded {
	src := r.byTopic[m.Topic]
	ingest := m.MessageTime().Truncate(time.Second)
	if m.Time == 0 {
		ingest = time.Now().UTC().Truncate(time.Second)
	}
	ref := msgRef{topic: m.Topic, partition: int(m.Partition), offset: m.Offset, time: ingest}
	if err := schema.DecodeEnvelopeInto(m.Value, env); err != nil {
		rj := rejectOf(src, m, ref, "", "envelope", err.Error())
		return decoded{reject: &rj}
	}
	row, warnings, err := record.Normalize(env, src, ingest)
	if err != nil {
		field, reason := "", err.Error()
		var rj *record.Reject
		if errors.As(err, &rj) {
			field, reason = rj.Field, rj.Reason
		}
		p := rejectOf(src, m, ref, env.RecordKey, field, reason)
		return decoded{reject: &p}
	}
	for _, w := range warnings {
		r.log.Debug("identity number warning", "source", src.Name, "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "warning", w)
	}
	if row.KeyWarning != "" {
		r.log.Debug("record key kept as sent", "source", src.Name, "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "warning", row.KeyWarning)
	}
	return decoded{row: pendingRow{ref: ref, row: row}, warnings: len(warnings), keyWarn: row.KeyWarning != ""}
}

func rejectOf(src *config.Source, m *loader.Message, ref msgRef, recordKey, field, reason string) pendingReject {
	if recordKey == "" {
		recordKey = string(m.Key)
	}
	return pendingReject{ref: ref, key: m.Key, letter: schema.DeadLetter{
		Source: src.Name, Dataset: src.Dataset, RecordKey: recordKey, Field: field, Reason: reason,
		PipelineVersion: PipelineVersion, RejectedAt: time.Now().UTC(),
		Topic: m.Topic, Partition: int(m.Partition), Offset: m.Offset, Original: m.Value,
	}}
}
