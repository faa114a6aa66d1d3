package pipelines

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
)

// lagInterval is how often Run refreshes the lag of every source.
const lagInterval = 2 * time.Second

// DatasetStatus is the pipeline status of ONE SOURCE (one raw.<source>
// topic), not of a dataset: several sources may feed one dataset, and
// Runner.Status returns one DatasetStatus per configured source, in config
// order, with Dataset naming the dataset the source feeds (GET /v1/sources).
// Consumed, Loaded and Rejected count the source's messages since this
// process started; Lag is the number of messages on the source's raw topic
// not yet committed by the consumer group (-1 while unknown); LastLoadedAt is
// when one of its messages was last loaded (nil: none yet).
type DatasetStatus struct {
	Source       string     `json:"source"`
	Dataset      string     `json:"dataset"`
	Consumed     int64      `json:"consumed"`
	Loaded       int64      `json:"loaded"`
	Rejected     int64      `json:"rejected"`
	Lag          int64      `json:"lag"`
	LastLoadedAt *time.Time `json:"last_loaded_at,omitempty"`
}

type sourceStats struct {
	source, dataset, topic     string
	consumed, loaded, rejected atomic.Int64
	lag                        atomic.Int64
	lagKnown                   atomic.Bool
	lastLoaded                 atomic.Int64 // Unix nanoseconds, 0 = never

	// the source's series of the metrics, looked up once
	mConsumed, mLoaded, mRejected prometheus.Counter
	mIDWarnings, mKeyWarnings     prometheus.Counter
}

func newSourceStats(src *config.Source, topic string, m *metrics) *sourceStats {
	return &sourceStats{source: src.Name, dataset: src.Dataset, topic: topic,
		mConsumed: m.consumed.WithLabelValues(src.Name, src.Dataset), mLoaded: m.loaded.WithLabelValues(src.Name, src.Dataset),
		mRejected: m.rejected.WithLabelValues(src.Name, src.Dataset), mIDWarnings: m.idWarnings.WithLabelValues(src.Name),
		mKeyWarnings: m.keyWarnings.WithLabelValues(src.Name)}
}

// Status returns the counters of every configured source, in config order.
// Safe to call at any time, also while Run is not running.
func (r *Runner) Status() []DatasetStatus {
	out := make([]DatasetStatus, 0, len(r.stats))
	for _, st := range r.stats {
		s := DatasetStatus{Source: st.source, Dataset: st.dataset, Consumed: st.consumed.Load(),
			Loaded: st.loaded.Load(), Rejected: st.rejected.Load(), Lag: -1}
		if st.lagKnown.Load() {
			s.Lag = st.lag.Load()
		}
		if ns := st.lastLoaded.Load(); ns != 0 {
			t := time.Unix(0, ns).UTC()
			s.LastLoadedAt = &t
		}
		out = append(out, s)
	}
	return out
}

// WaitIdle returns nil once every raw topic's messages are committed by the
// consumer group (lag 0) and nothing fetched is pending, or ctx's error.
// Meant for tests and demos while Run is running.
func (r *Runner) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if r.pending.Load() == 0 {
			lag, err := r.refreshLag(ctx)
			if err == nil && lag == 0 && r.pending.Load() == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pipelines not idle: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func (r *Runner) pollLag(ctx context.Context) {
	t := time.NewTicker(lagInterval)
	defer t.Stop()
	for {
		if _, err := r.refreshLag(ctx); err != nil && ctx.Err() == nil {
			r.log.Debug("cannot compute consumer lag", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refreshLag asks Kafka for the end offsets of every raw topic and the
// group's committed offsets, stores the lag per source and returns the total.
func (r *Runner) refreshLag(ctx context.Context) (int64, error) {
	if len(r.topics) == 0 {
		return 0, nil
	}
	lags, err := bus.GroupLag(ctx, r.brokers, r.cfg.Pipelines.GroupID, r.topics)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, st := range r.stats {
		lag, ok := lags[st.topic]
		if !ok {
			continue
		}
		st.lag.Store(lag)
		st.lagKnown.Store(true)
		r.m.lag.WithLabelValues(st.source, st.dataset).Set(float64(lag))
		total += lag
	}
	return total, nil
}

// metrics are the pipeline's Prometheus series.
type metrics struct {
	consumed, loaded, rejected *prometheus.CounterVec
	lag                        *prometheus.GaugeVec
	idWarnings                 *prometheus.CounterVec
	keyWarnings                *prometheus.CounterVec
	retries                    *prometheus.CounterVec
	conflicts                  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	labels := []string{"source", "dataset"}
	m := &metrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "residenthub_pipeline_consumed_total",
			Help: "Messages consumed from raw.<source>."}, labels),
		loaded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "residenthub_pipeline_loaded_total",
			Help: "Messages loaded into ClickHouse (upserts and deletes) with offsets committed."}, labels),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "residenthub_pipeline_rejected_total",
			Help: "Messages rejected to dlq.<source>."}, labels),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "residenthub_pipeline_lag",
			Help: "Messages on raw.<source> not yet committed by the pipelines consumer group."}, labels),
		idWarnings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "residenthub_pipeline_id_number_warnings_total",
			Help: "Identity numbers loaded with a warning (unknown address code)."}, []string{"source"}),
		keyWarnings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "residenthub_pipeline_record_key_warnings_total",
			Help: "Records loaded under their record key as sent, because it cannot be split into the source's key columns."}, []string{"source"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "residenthub_pipeline_store_retries_total",
			Help: "Failed attempts to store a batch (ClickHouse or Kafka unavailable), each followed by a backoff."}, []string{"dataset"}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{Name: "residenthub_pipeline_identity_conflicts_total",
			Help: "Identity conflicts (name or birth date differing between sources) detected."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.consumed, m.loaded, m.rejected, m.lag, m.idWarnings, m.keyWarnings, m.retries, m.conflicts} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("cannot register pipeline metrics: %w", err)
		}
	}
	return m, nil
}
