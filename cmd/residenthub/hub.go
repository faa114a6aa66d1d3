package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/residenthub/residenthub/pipelines"
)

// part is one stage of a hub process (Hub.parts lists them in order).
type part struct {
	name  string
	on    bool // the plan runs it
	start func(ctx context.Context) error
	// stop ends the part within ctx's deadline; it must cope with a start
	// that failed half-way.
	stop func(ctx context.Context) error
}

// Hub is the running process: its plan, the parts it started, and what the
// parts hand to the parts after them.
type Hub struct {
	cfg      *config.Config
	log      *slog.Logger
	plan     plan
	registry *prometheus.Registry // /metrics
	failed   chan error           // workers that stopped by themselves (Failed)
	started  []part               // in start order
	groups   []*workers

	kafka struct {
		brokers  []string
		embedded *bus.Embedded
		workers  *workers // retention of the embedded broker
	}
	clickhouse struct {
		conn     driver.Conn
		migrated chan struct{}
		workers  *workers
	}
	connectors struct {
		writer    interface{ Close() error }
		publisher *runtime.Publisher
		scheduler *runtime.Scheduler
	}
	pipelines struct {
		runner  *pipelines.Runner
		workers *workers
	}
	api struct {
		addr    string // host:port it listens on
		server  *http.Server
		audit   *audit.Writer
		reads   driver.Conn // the API's own ClickHouse pool (point reads)
		workers *workers
	}
}

func newHub(cfg *config.Config, roles map[string]bool, log *slog.Logger) *Hub {
	h := &Hub{cfg: cfg, log: log, plan: newPlan(cfg, roles), registry: prometheus.NewRegistry(), failed: make(chan error, 8)}
	h.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return h
}

// startHub starts the parts of the process the roles ask for (Hub.parts), in
// data-flow order. ClickHouse may be down: the hub starts anyway, /readyz
// says why it is not ready, and the parts that need the migrations wait for
// them. On error everything started so far is stopped again.
func startHub(ctx context.Context, cfg *config.Config, roles map[string]bool, log *slog.Logger) (*Hub, error) {
	h := newHub(cfg, roles, log)
	for _, p := range h.parts() {
		if !p.on {
			continue
		}
		h.started = append(h.started, p) // stopped on error too: start may have done half its work
		if err := p.start(ctx); err != nil {
			_ = h.Shutdown(context.Background())
			return nil, fmt.Errorf("cannot start %s: %w", p.name, err)
		}
	}
	return h, nil
}

// Shutdown stops the started parts in reverse order: the API stops taking
// requests (pushes included) and its audit sink stops; the pipelines insert
// their in-flight batch and commit their offsets; the connectors let their
// runs finish the current page (runs still going at ctx's deadline are
// cancelled; their cursors stay at the last acknowledged page) and close the
// Kafka writer; ClickHouse closes; the embedded broker flushes and closes.
// Errors of workers not received from Failed are returned too.
func (h *Hub) Shutdown(ctx context.Context) error {
	var errs []error
	for i := len(h.started) - 1; i >= 0; i-- {
		if err := h.started[i].stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("cannot stop %s: %w", h.started[i].name, err))
		}
	}
	h.started = nil
	for _, w := range h.groups { // no-op for the groups the parts stopped
		errs = append(errs, w.stop(ctx))
	}
	for {
		select {
		case err := <-h.failed:
			errs = append(errs, err)
		default:
			return errors.Join(errs...)
		}
	}
}

// Failed delivers the error of a worker (pipelines, audit sink) that stopped
// by itself: the hub then no longer loads data or stores the audit trail
// although it still answers, so the caller should shut it down and exit
// non-zero. Errors not received here are returned by Shutdown.
func (h *Hub) Failed() <-chan error { return h.failed }

// workers are a part's background goroutines (migrations, pipelines, the
// audit sink): they run until the part stops them, and one that ends with
// an error by itself reports it to the hub (Hub.Failed).
type workers struct {
	h       *Hub
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stopped bool
}

func (h *Hub) newWorkers() *workers {
	ctx, cancel := context.WithCancel(context.Background())
	w := &workers{h: h, ctx: ctx, cancel: cancel}
	h.groups = append(h.groups, w)
	return w
}

// Go runs run(ctx) in a goroutine; ctx ends when the workers are stopped.
func (w *workers) Go(name string, run func(ctx context.Context) error) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := run(w.ctx); err != nil && !errors.Is(err, context.Canceled) {
			w.h.log.Error("worker stopped", "worker", name, "err", err)
			select {
			case w.h.failed <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

// stop cancels the workers and waits until they returned or ctx ends.
// Stopping them again returns nil at once.
func (w *workers) stop(ctx context.Context) error {
	if w.stopped {
		return nil
	}
	w.stopped = true
	w.cancel()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cannot stop the workers in time: %w", ctx.Err())
	}
}
