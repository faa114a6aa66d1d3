package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/api"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/kinds"
	"github.com/residenthub/residenthub/connectors/push"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/pipelines"
	"github.com/residenthub/residenthub/profile"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// Hub is the running process: the roles it started and what they share.
type Hub struct {
	cfg      *config.Config
	log      *slog.Logger
	embedded *bus.Embedded
	brokers  []string
	conn     driver.Conn
	registry *prometheus.Registry

	scheduler *runtime.Scheduler
	publisher *runtime.Publisher
	pipes     *pipelines.Runner
	server    *http.Server
	apiAddr   string // host:port the API listens on
	auditW    *audit.Writer
	writer    interface{ Close() error }

	migrated      chan struct{} // closed once the ClickHouse migrations are applied
	cancelWorkers context.CancelFunc
	workers       sync.WaitGroup
	workerErrs    chan error
}

// startHub starts the embedded broker (if no brokers are configured), creates
// the topics, connects to ClickHouse (migrations apply in the background,
// retried until ClickHouse answers) and starts the requested roles. On error
// everything started so far is stopped again.
func startHub(ctx context.Context, cfg *config.Config, roles map[string]bool, log *slog.Logger) (*Hub, error) {
	h := &Hub{cfg: cfg, log: log, registry: prometheus.NewRegistry(), workerErrs: make(chan error, 8)}
	h.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ok := false
	defer func() {
		if !ok {
			h.Shutdown(context.Background())
		}
	}()

	h.brokers = cfg.Kafka.Brokers
	if len(h.brokers) == 0 {
		dir := filepath.Join(cfg.DataDir, "kafka")
		e, err := bus.StartEmbedded(cfg.Kafka.EmbeddedListen, dir, cfg.Kafka.Partitions)
		if err != nil {
			return nil, err
		}
		h.embedded = e
		h.brokers = e.Brokers()
		log.Info("embedded kafka started", "addr", h.brokers[0], "data", dir)
	}
	topics := []string{schema.AuditTopic}
	for _, s := range cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name), schema.DLQTopic(s.Name))
	}
	replicas := cfg.Kafka.ReplicationFactor
	if h.embedded != nil {
		replicas = 1
	}
	if err := bus.EnsureReplicatedTopics(ctx, h.brokers, cfg.Kafka.Partitions, replicas, topics...); err != nil {
		return nil, err
	}

	workerCtx, cancel := context.WithCancel(context.Background())
	h.cancelWorkers = cancel
	h.migrated = make(chan struct{})
	if roles["pipelines"] || roles["api"] || hasPushSource(cfg) {
		// ClickHouse may be down at start: the API answers (/readyz says
		// why it is not ready) while migrations are retried in the
		// background; pipelines and the audit sink start once they apply.
		conn, err := store.Connect(cfg.ClickHouse)
		if err != nil {
			return nil, err
		}
		h.conn = conn
		h.goWorker("migrate", func() error { return h.migrateUntilApplied(workerCtx) })
	}

	if roles["connectors"] {
		if err := h.startConnectors(ctx); err != nil {
			return nil, err
		}
	}
	if roles["pipelines"] {
		runner, err := pipelines.New(cfg, h.conn, h.brokers, h.registry, log)
		if err != nil {
			return nil, err
		}
		h.pipes = runner
		h.goWorker("pipelines", func() error {
			if !h.waitMigrated(workerCtx) {
				return nil
			}
			return runner.Run(workerCtx)
		})
	}
	if roles["api"] || roles["connectors"] && hasPushSource(cfg) {
		if err := h.startAPI(workerCtx, roles["api"]); err != nil {
			return nil, err
		}
	}
	ok = true
	return h, nil
}

func (h *Hub) startConnectors(ctx context.Context) error {
	cps, err := runtime.NewFileCheckpoints(filepath.Join(h.cfg.DataDir, "checkpoints"))
	if err != nil {
		return err
	}
	w := bus.NewWriter(h.brokers)
	h.writer = w
	h.publisher = runtime.NewPublisher(w)
	sched, err := runtime.NewScheduler(runtime.SchedulerConfig{
		Sources:     h.cfg.Sources,
		Kinds:       kinds.Kinds,
		Publisher:   h.publisher,
		Checkpoints: cps,
		Registerer:  h.registry,
		Logger:      h.log,
	})
	if err != nil {
		return err
	}
	h.scheduler = sched
	sched.Start(ctx)
	h.log.Info("connectors started", "sources", len(h.cfg.Sources))
	return nil
}

func hasPushSource(cfg *config.Config) bool {
	for _, s := range cfg.Sources {
		if s.Kind == "push" {
			return true
		}
	}
	return false
}

// startAPI serves HTTP. With the api role it serves everything; a
// connectors-only process with push sources serves the API too (the push
// endpoint needs it), which is why ClickHouse is opened for it as well.
func (h *Hub) startAPI(workerCtx context.Context, apiRole bool) error {
	programs, err := loadPrograms(h.cfg)
	if err != nil {
		return err
	}
	h.auditW = audit.NewWriter(h.brokers)
	deps := api.Deps{
		Keys:         access.NewKeys(h.cfg.APIKeys),
		Profiles:     profile.NewReader(h.conn, h.cfg.ClickHouse),
		Programs:     programs,
		Audit:        h.auditW,
		Ready:        h.ready,
		SourceStatus: h.sourceStatus,
		Metrics:      h.registry,
		Registerer:   h.registry,
		Logger:       h.log,
	}
	if h.scheduler != nil && hasPushSource(h.cfg) {
		deps.Push = push.NewHandler(h.cfg, h.publisher, h.scheduler, h.log)
	}
	srv, err := api.New(deps)
	if err != nil {
		return err
	}
	if apiRole {
		sink := audit.NewSink(h.conn, h.cfg.ClickHouse, h.brokers, h.log)
		sink.Partitions = h.cfg.Kafka.Partitions
		h.goWorker("audit", func() error {
			if !h.waitMigrated(workerCtx) {
				return nil
			}
			return sink.Run(workerCtx)
		})
	}
	ln, err := net.Listen("tcp", h.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", h.cfg.HTTP.Listen, err)
	}
	h.apiAddr = ln.Addr().String()
	h.server = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := h.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("http server stopped", "err", err)
		}
	}()
	h.log.Info("api listening", "url", "http://"+ln.Addr().String())
	return nil
}

// migrateUntilApplied applies the ClickHouse migrations, retrying with
// backoff (up to pipelines.max_backoff) while ClickHouse cannot be reached,
// then closes h.migrated. It returns nil when ctx ends first.
func (h *Hub) migrateUntilApplied(ctx context.Context) error {
	wait := time.Second
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, time.Minute)
		applied, err := store.Migrate(attemptCtx, h.conn, h.cfg.ClickHouse)
		cancel()
		if err == nil {
			h.log.Info("clickhouse ready", "addr", h.cfg.ClickHouse.Addr, "database", h.cfg.ClickHouse.Database, "applied_migrations", applied)
			close(h.migrated)
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		h.log.Warn("clickhouse not ready; retrying", "addr", h.cfg.ClickHouse.Addr, "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, max(h.cfg.Pipelines.MaxBackoff, time.Second))
	}
}

// waitMigrated blocks until the migrations are applied; false if ctx ended first.
func (h *Hub) waitMigrated(ctx context.Context) bool {
	select {
	case <-h.migrated:
		return true
	case <-ctx.Done():
		return false
	}
}

func loadPrograms(cfg *config.Config) (*eligibility.Registry, error) {
	if cfg.Programs.Dir == "" {
		return eligibility.Default()
	}
	dir := cfg.Programs.Dir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cfg.Dir, dir)
	}
	return eligibility.Load(os.DirFS(dir))
}

func (h *Hub) goWorker(name string, run func() error) {
	h.workers.Add(1)
	go func() {
		defer h.workers.Done()
		if err := run(); err != nil && !errors.Is(err, context.Canceled) {
			h.log.Error("worker stopped", "worker", name, "err", err)
			select {
			case h.workerErrs <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

// Failed delivers the error of a worker (pipelines, audit sink) that stopped
// by itself: the hub then no longer loads data or stores the audit trail
// although it still answers, so the caller should shut it down and exit
// non-zero. Errors not received here are returned by Shutdown.
func (h *Hub) Failed() <-chan error { return h.workerErrs }

// Shutdown stops the roles in data-flow order: connectors stop pulling and
// finish their runs; the API stops taking requests; pipelines flush their
// in-flight batch and commit offsets; then Kafka and ClickHouse close.
func (h *Hub) Shutdown(ctx context.Context) error {
	var errs []error
	if h.scheduler != nil {
		errs = append(errs, h.scheduler.Stop(ctx))
	}
	if h.server != nil {
		errs = append(errs, h.server.Shutdown(ctx))
	}
	if h.cancelWorkers != nil {
		h.cancelWorkers()
	}
	done := make(chan struct{})
	go func() { h.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("workers did not stop in time: %w", ctx.Err()))
	}
drain:
	for {
		select {
		case err := <-h.workerErrs:
			errs = append(errs, err)
		default:
			break drain
		}
	}
	if h.auditW != nil {
		errs = append(errs, h.auditW.Close())
	}
	if h.writer != nil {
		errs = append(errs, h.writer.Close())
	}
	if h.conn != nil {
		errs = append(errs, h.conn.Close())
	}
	if h.embedded != nil {
		h.embedded.Close()
	}
	return errors.Join(errs...)
}
