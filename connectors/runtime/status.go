package runtime

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SourceStatus is one source's state, served at GET /v1/sources (by the API,
// with the pipeline's counters: cmd/residenthub) and exported as Prometheus
// metrics. Times are RFC 3339 UTC; counters count since the process started.
type SourceStatus struct {
	Source   string `json:"source"`
	Kind     string `json:"kind"`
	Dataset  string `json:"dataset"`
	Schedule string `json:"schedule"` // empty for push sources
	// LastRun is when the latest run (or, for push, the latest push) started.
	LastRun *time.Time `json:"last_run"`
	// LastSuccess is when the latest successful run started.
	LastSuccess *time.Time `json:"last_success"`
	// LastError is the error of the latest failed run, kept until a later
	// run succeeds with data (an empty run does not clear it); empty when
	// the latest run that published rows succeeded.
	LastError string `json:"last_error"`
	// LastDurationSeconds is how long the latest run took.
	LastDurationSeconds float64 `json:"last_duration_seconds"`
	// LastRunRows is how many records the latest run published.
	LastRunRows int64 `json:"last_run_rows"`
	// RowsPulled counts records published to raw.<source>.
	RowsPulled int64 `json:"rows_pulled"`
	// RowsRejected counts records sent to dlq.<source> by the connector.
	RowsRejected int64 `json:"rows_rejected"`
	// Runs counts runs (pushes for push sources); Errors counts failed ones.
	Runs   int64 `json:"runs"`
	Errors int64 `json:"errors"`
	// Cursor is the last checkpointed cursor, in the kind's own format.
	Cursor string `json:"cursor"`
	// NextRun is the next scheduled tick; null for push and unscheduled sources.
	NextRun *time.Time `json:"next_run"`
	// Running says a run is in progress now.
	Running bool `json:"running"`
	// LateCommitWindow says how late a department commit may be and still
	// be read (connectors.LateCommitter; sql sources), "WARNING: ..." when
	// nothing protects against late commits; omitted for other kinds.
	LateCommitWindow string `json:"late_commit_window,omitempty"`
}

// metrics exports Status as Prometheus metrics at scrape time, so /metrics
// and /v1/sources never disagree.
type metrics struct {
	s        *Scheduler
	duration *prometheus.HistogramVec

	rows, rejected, runs, errors, lastRun, lastSuccess, nextRun, running *prometheus.Desc
}

func newMetrics(s *Scheduler) *metrics {
	labels := []string{"source", "kind"}
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("residenthub_connector_"+name, help, labels, nil)
	}
	return &metrics{
		s: s,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "residenthub_connector_run_duration_seconds",
			Help:    "Duration of connector runs, seconds.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"source"}),
		rows:        d("rows_pulled_total", "Records published to raw.<source>."),
		rejected:    d("rows_rejected_total", "Records the connector sent to dlq.<source>."),
		runs:        d("runs_total", "Runs (pushes for push sources)."),
		errors:      d("run_errors_total", "Failed runs."),
		lastRun:     d("last_run_timestamp_seconds", "Start of the latest run, Unix seconds (0 = never)."),
		lastSuccess: d("last_success_timestamp_seconds", "Start of the latest successful run, Unix seconds (0 = never)."),
		nextRun:     d("next_run_timestamp_seconds", "Next scheduled run, Unix seconds (0 = none)."),
		running:     d("running", "1 while a run is in progress."),
	}
}

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.duration.Describe(ch)
	for _, d := range []*prometheus.Desc{m.rows, m.rejected, m.runs, m.errors, m.lastRun, m.lastSuccess, m.nextRun, m.running} {
		ch <- d
	}
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.duration.Collect(ch)
	unix := func(t *time.Time) float64 {
		if t == nil {
			return 0
		}
		return float64(t.UnixNano()) / 1e9
	}
	for _, st := range m.s.Status() {
		l := []string{st.Source, st.Kind}
		ch <- prometheus.MustNewConstMetric(m.rows, prometheus.CounterValue, float64(st.RowsPulled), l...)
		ch <- prometheus.MustNewConstMetric(m.rejected, prometheus.CounterValue, float64(st.RowsRejected), l...)
		ch <- prometheus.MustNewConstMetric(m.runs, prometheus.CounterValue, float64(st.Runs), l...)
		ch <- prometheus.MustNewConstMetric(m.errors, prometheus.CounterValue, float64(st.Errors), l...)
		ch <- prometheus.MustNewConstMetric(m.lastRun, prometheus.GaugeValue, unix(st.LastRun), l...)
		ch <- prometheus.MustNewConstMetric(m.lastSuccess, prometheus.GaugeValue, unix(st.LastSuccess), l...)
		ch <- prometheus.MustNewConstMetric(m.nextRun, prometheus.GaugeValue, unix(st.NextRun), l...)
		running := 0.0
		if st.Running {
			running = 1
		}
		ch <- prometheus.MustNewConstMetric(m.running, prometheus.GaugeValue, running, l...)
	}
}
