package main

// The start and stop of each part of a hub process (Hub.parts, run.go).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/api"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/kinds"
	"github.com/residenthub/residenthub/connectors/push"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/eligibility/paramdb"
	"github.com/residenthub/residenthub/pipelines"
	"github.com/residenthub/residenthub/places"
	"github.com/residenthub/residenthub/profile"
	"github.com/residenthub/residenthub/retry"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

func (h *Hub) startKafka(ctx context.Context) error {
	cfg := h.cfg.Kafka
	sec, err := bus.SecurityFor(cfg, h.cfg.DataDir)
	if err != nil {
		return err
	}
	h.kafka.brokers = cfg.Brokers
	replicas := cfg.ReplicationFactor
	if len(cfg.Brokers) == 0 {
		dir := filepath.Join(h.cfg.DataDir, "kafka")
		e, err := bus.StartEmbeddedWith(bus.EmbeddedOptions{Listen: cfg.EmbeddedListen, DataDir: dir, Partitions: cfg.Partitions, User: sec.SASL, Log: h.log,
			SegmentBytes: embeddedSegmentBytes, SegmentRoll: embeddedSegmentRoll, FsyncInterval: cfg.EmbeddedFsyncInterval})
		if err != nil {
			return err
		}
		h.kafka.embedded, h.kafka.brokers, replicas = e, e.Brokers(), 1
		for _, r := range e.Recovered {
			if r.LostBatches == 0 {
				continue // only a write the broker never finished (never acknowledged)
			}
			if err := raiseAlarm(h.cfg.DataDir, "broker-log", "embedded kafka log damaged: "+r.String()); err != nil {
				return err
			}
		}
		h.log.Info("embedded kafka started", "addr", h.kafka.brokers[0], "data", dir, "sasl", sec.SASL != nil, "fsync_interval", cfg.EmbeddedFsyncInterval,
			"retention_time", cfg.Retention.Time, "retention_bytes_per_partition", cfg.Retention.Bytes)
		if sec.SASL == nil {
			h.log.Warn("embedded kafka takes clients without credentials (kafka.embedded_open): any local process may read and write its topics")
		}
		h.kafka.workers = h.newWorkers()
		h.kafka.workers.Go("kafka retention", h.runRetention)
	} else if err := bus.Secure(cfg.Brokers, sec); err != nil {
		return err
	}
	topics := []string{schema.AuditTopic}
	for _, s := range h.cfg.Sources {
		topics = append(topics, schema.RawTopic(s.Name), schema.DLQTopic(s.Name))
	}
	return bus.EnsureReplicatedTopics(ctx, h.kafka.brokers, cfg.Partitions, replicas, topics...)
}

func (h *Hub) stopKafka(ctx context.Context) error {
	var err error
	if h.kafka.workers != nil {
		err = h.kafka.workers.stop(ctx)
	}
	if h.kafka.embedded != nil {
		h.kafka.embedded.Close()
	}
	return err
}

// startClickHouse opens the connection (it does not wait for ClickHouse to
// answer) and applies the migrations in the background, retried until
// ClickHouse answers.
func (h *Hub) startClickHouse(context.Context) error {
	conn, err := store.Connect(h.cfg.ClickHouse)
	if err != nil {
		return err
	}
	h.clickhouse.conn = conn
	h.clickhouse.migrated = make(chan struct{})
	h.clickhouse.workers = h.newWorkers()
	h.clickhouse.workers.Go("migrate", h.migrateUntilApplied)
	return nil
}

func (h *Hub) stopClickHouse(ctx context.Context) error {
	var errs []error
	if w := h.clickhouse.workers; w != nil {
		errs = append(errs, w.stop(ctx))
	}
	if h.clickhouse.conn != nil {
		errs = append(errs, h.clickhouse.conn.Close())
	}
	return errors.Join(errs...)
}

// migrateUntilApplied applies the ClickHouse migrations, retrying with
// backoff (up to pipelines.max_backoff) while ClickHouse cannot be reached,
// then closes the migrated channel. It returns nil when ctx ends first.
func (h *Hub) migrateUntilApplied(ctx context.Context) error {
	cfg := h.cfg.ClickHouse
	bo := retry.New(time.Second, max(h.cfg.Pipelines.MaxBackoff, time.Second))
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, time.Minute)
		applied, err := store.Migrate(attemptCtx, h.clickhouse.conn, cfg)
		cancel()
		if err == nil {
			h.log.Info("clickhouse ready", "addr", cfg.Addr, "database", cfg.Database, "applied_migrations", applied)
			close(h.clickhouse.migrated)
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := bo.Next()
		h.log.Warn("clickhouse not ready; retrying", "addr", cfg.Addr, "err", err, "retry_in", wait)
		if !retry.Sleep(ctx, wait) {
			return nil
		}
	}
}

// afterMigrations runs run once the migrations are applied; nil if ctx ends first.
func (h *Hub) afterMigrations(run func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		select {
		case <-h.clickhouse.migrated:
			return run(ctx)
		case <-ctx.Done():
			return nil
		}
	}
}

func (h *Hub) startConnectors(ctx context.Context) error {
	cps, err := runtime.NewFileCheckpoints(filepath.Join(h.cfg.DataDir, "checkpoints"))
	if err != nil {
		return err
	}
	if len(cps.Cleaned) > 0 {
		h.log.Warn("removed temp files of interrupted checkpoint saves; the checkpoints beside them are the last complete ones", "files", cps.Cleaned)
	}
	w := bus.NewWriter(h.kafka.brokers)
	h.connectors.writer = w
	h.connectors.publisher = runtime.NewPublisher(w)
	sched, err := runtime.NewScheduler(runtime.SchedulerConfig{
		Sources:     h.cfg.Sources,
		Kinds:       kinds.Kinds,
		Publisher:   h.connectors.publisher,
		Checkpoints: cps,
		Registerer:  h.registry,
		Logger:      h.log,
	})
	if err != nil {
		return err
	}
	h.connectors.scheduler = sched
	sched.Start(ctx)
	h.log.Info("connectors started", "sources", len(h.cfg.Sources))
	return nil
}

func (h *Hub) stopConnectors(ctx context.Context) error {
	var errs []error
	if h.connectors.scheduler != nil {
		errs = append(errs, h.connectors.scheduler.Stop(ctx))
	}
	if h.connectors.writer != nil {
		errs = append(errs, h.connectors.writer.Close())
	}
	return errors.Join(errs...)
}

func (h *Hub) startPipelines(context.Context) error {
	runner, err := pipelines.New(h.cfg, h.clickhouse.conn, h.kafka.brokers, h.registry, h.log)
	if err != nil {
		return err
	}
	h.pipelines.runner = runner
	h.pipelines.workers = h.newWorkers()
	h.pipelines.workers.Go("pipelines", h.afterMigrations(h.checkedConsumer(h.cfg.Pipelines.GroupID, rawTopics(h.cfg), runner.Run)))
	return nil
}

func (h *Hub) stopPipelines(ctx context.Context) error {
	if h.pipelines.workers == nil {
		return nil
	}
	return h.pipelines.workers.stop(ctx)
}

// startAPI serves HTTP: the API, with the push endpoint when this process
// runs the connectors of a push source (pushNeedsHTTP), and with the audit
// sink when it has the api role.
func (h *Hub) startAPI(context.Context) error {
	programs, err := loadPrograms(h.cfg)
	if err != nil {
		return err
	}
	h.api.audit = audit.NewWriter(h.kafka.brokers)
	// The API reads over its own pool: its point reads never wait for
	// connections the pipelines or the audit sink hold.
	ch := h.cfg.ClickHouse
	reads, err := store.ConnectPool(ch, ch.ReadQueries+2, ch.ReadQueries+2)
	if err != nil {
		return err
	}
	h.api.reads = reads
	profiles := profile.NewReaderWith(reads, ch, readOptions(ch))
	registerCacheMetrics(h.registry, profiles)
	deps := api.Deps{
		Keys:           access.NewKeys(h.cfg.APIKeys),
		Profiles:       profiles,
		Admission:      api.Admission{MaxInFlight: h.cfg.HTTP.MaxInFlight, Queue: h.cfg.HTTP.Queue, QueueWait: h.cfg.HTTP.QueueWait},
		Programs:       programs,
		Audit:          h.api.audit,
		Ready:          h.ready,
		SourceStatus:   h.sourceStatus,
		Metrics:        h.registry,
		Registerer:     h.registry,
		Logger:         h.log,
		SourceNames:    h.cfg.SourceNames(),
		Certificate:    h.cfg.Certificate,
		NameMismatches: h.cfg.HTTP.NameMismatches,
	}
	if deps.Places, err = places.New(h.cfg.Places.Names); err != nil {
		return err
	}
	snaps, err := newHotlineSnapshots(h.cfg, reads, deps.Places)
	if err != nil {
		return err
	}
	deps.Hotline = snaps
	deps.HotlineSuppressBelow = h.cfg.Hotline.SuppressBelow
	if h.connectors.scheduler != nil && pushNeedsHTTP(h.cfg) {
		deps.Push = push.NewHandler(h.cfg, h.connectors.publisher, h.connectors.scheduler, h.log)
	}
	srv, err := api.New(deps)
	if err != nil {
		return err
	}
	h.api.workers = h.newWorkers()
	if h.plan.api {
		sink := audit.NewSink(h.clickhouse.conn, h.cfg.ClickHouse, h.kafka.brokers, h.log)
		sink.Partitions = h.cfg.Kafka.Partitions
		h.api.workers.Go("audit", h.afterMigrations(h.checkedConsumer(sink.GroupID, []string{schema.AuditTopic}, sink.Run)))
		h.api.workers.Go("program parameters", h.afterMigrations(func(ctx context.Context) error {
			return h.publishParameters(ctx, programs)
		}))
		h.api.workers.Go("hotline counts", h.afterMigrations(func(ctx context.Context) error {
			return snaps.Run(ctx, h.log)
		}))
	}
	ln, err := net.Listen("tcp", h.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", h.cfg.HTTP.Listen, err)
	}
	h.api.addr = ln.Addr().String()
	h.api.server = h.serveHTTP(ln, srv)
	h.log.Info("api listening", "url", "http://"+h.api.addr)
	return nil
}

func (h *Hub) stopAPI(ctx context.Context) error {
	var errs []error
	if h.api.server != nil {
		errs = append(errs, h.api.server.Shutdown(ctx))
	}
	if h.api.workers != nil {
		errs = append(errs, h.api.workers.stop(ctx))
	}
	if h.api.audit != nil {
		errs = append(errs, h.api.audit.Close())
	}
	if h.api.reads != nil {
		errs = append(errs, h.api.reads.Close())
	}
	return errors.Join(errs...)
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

// readOptions are the profile reader's options from the configuration.
func readOptions(ch config.ClickHouse) profile.ReadOptions {
	return profile.ReadOptions{Queries: ch.ReadQueries, CacheEntries: ch.ReadCache, CachePoll: ch.ReadCachePoll}
}

// publishParameters writes the programs' parameters for the analysts
// (eligibility/paramdb) once, retrying while ClickHouse does not take them.
func (h *Hub) publishParameters(ctx context.Context, programs *eligibility.Registry) error {
	b := retry.New(time.Second, time.Minute)
	for {
		changed, err := paramdb.Publish(ctx, h.clickhouse.conn, h.cfg.ClickHouse.AnalyticsDatabase, programs.List(), time.Now())
		if err == nil {
			if len(changed) > 0 {
				h.log.Info("published program parameters for analytics", "programs", changed)
			}
			return nil
		}
		h.log.Warn("cannot publish program parameters; retrying", "err", err)
		if !b.Wait(ctx) {
			return nil
		}
	}
}
