package api

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's own Prometheus metrics.
type metrics struct {
	requests      *prometheus.CounterVec   // by route, method, status code
	duration      *prometheus.HistogramVec // by route, method; seconds
	auditFailures prometheus.Counter
	readsInFlight prometheus.Gauge // person reads being answered
	readsQueued   prometheus.Gauge // person reads waiting for a turn (Admission)
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "residenthub_api_requests_total",
			Help: "API requests answered, by route pattern, method and HTTP status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "residenthub_api_request_duration_seconds",
			Help:    "Time to answer an API request, in seconds, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		auditFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "residenthub_api_audit_failures_total",
			Help: "Reads of a person's data refused (503) because the audit event could not be written.",
		}),
		readsInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "residenthub_api_reads_in_flight",
			Help: "Reads of a person's data being answered (at most http.max_in_flight).",
		}),
		readsQueued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "residenthub_api_reads_queued",
			Help: "Reads of a person's data waiting for a turn (at most http.queue; past it, 429).",
		}),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.duration = register(reg, m.duration)
		m.auditFailures = register(reg, m.auditFailures)
		m.readsInFlight = register(reg, m.readsInFlight)
		m.readsQueued = register(reg, m.readsQueued)
	}
	return m
}

// register registers c, or returns the collector already registered under
// the same name (several servers on one registry, as in tests).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
