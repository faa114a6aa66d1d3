// Package runtime runs connector kinds (the connectors contract): the
// Scheduler runs every pulled source on its cron schedule and keeps its
// status and Prometheus metrics, the Publisher maps rows to envelopes
// (MapRow) and writes them to raw.<source> and rejects to dlq.<source> with
// acks=all, and Checkpoints keep each source's cursor across restarts. A
// cursor is saved only after Kafka acknowledged the page it covers.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/robfig/cron/v3"
)

// SchedulerConfig is what NewScheduler needs.
type SchedulerConfig struct {
	// Sources are the configured department feeds (config.Config.Sources).
	Sources []config.Source
	// Kinds maps a source's kind to its factory (connectors/kinds.Kinds).
	Kinds map[string]connectors.Factory
	// Publisher writes to Kafka (NewPublisher(bus.NewWriter(brokers))).
	Publisher *Publisher
	// Checkpoints stores cursors (NewFileCheckpoints(<data_dir>/checkpoints)).
	Checkpoints Checkpoints
	// Registerer receives the connector metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger; nil uses slog.Default().
	Logger *slog.Logger
	// RunTimeout bounds one run; default 1 h.
	RunTimeout time.Duration
	// Location of cron schedules; default Shanghai (UTC+8).
	Location *time.Location
}

// Scheduler runs every scheduled source on its cron schedule, never two runs
// of one source at once, and keeps each source's status. One source failing
// never stops the others: a failed run is logged, reported in Status and
// retried on the next tick.
//
// A Puller that also implements io.Closer (the sql kind's connection pool)
// is closed by Stop once no run is in progress.
type Scheduler struct {
	cfg     SchedulerConfig
	log     *slog.Logger
	cron    *cron.Cron
	order   []string
	sources map[string]*sourceState
	metrics *metrics

	mu       sync.Mutex
	started  bool
	stopping bool           // Stop is waiting for runs: RunNow refuses to start one
	wg       sync.WaitGroup // one per run in progress (ticks and RunNow)
	runCtx   context.Context
	// halt is cancelled by Stop when its deadline passes: every run in
	// progress, scheduled or RunNow, is cancelled with it. Stop replaces it
	// with a fresh one before it returns.
	halt     context.Context
	haltRuns context.CancelFunc
	// drain is cancelled when Stop begins: every run in progress is asked
	// to stop at its next page boundary (Pull's context ends; the page
	// being published goes on until halt). Replaced like halt.
	drain     context.Context
	drainRuns context.CancelFunc
}

type sourceState struct {
	src       *config.Source
	puller    connectors.Puller
	service   bool          // a connectors.Service: never scheduled nor pulled
	schedule  cron.Schedule // nil when unscheduled
	notBefore time.Time
	st        SourceStatus
}

// NewScheduler builds every source's Puller with its kind's factory
// (validating the kinds' settings) and loads the checkpointed cursors.
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if cfg.Publisher == nil || cfg.Checkpoints == nil {
		return nil, errors.New("cannot create scheduler: Publisher and Checkpoints are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RunTimeout <= 0 {
		cfg.RunTimeout = time.Hour
	}
	if cfg.Location == nil {
		cfg.Location = connectors.Shanghai
	}
	s := &Scheduler{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "connectors"),
		cron:    cron.New(cron.WithParser(config.CronParser), cron.WithLocation(cfg.Location)),
		sources: map[string]*sourceState{},
		runCtx:  context.Background(),
	}
	s.halt, s.haltRuns = context.WithCancel(context.Background())
	s.drain, s.drainRuns = context.WithCancel(context.Background())
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		factory, ok := cfg.Kinds[src.Kind]
		if !ok {
			return nil, fmt.Errorf("cannot create source %s: unknown connector kind %q", src.Name, src.Kind)
		}
		p, err := factory(src)
		if err != nil {
			return nil, fmt.Errorf("cannot create source %s (kind %s): %w", src.Name, src.Kind, err)
		}
		cursor, err := cfg.Checkpoints.Load(src.Name)
		if err != nil {
			return nil, err
		}
		_, service := p.(connectors.Service)
		ss := &sourceState{src: src, puller: p, service: service, st: SourceStatus{
			Source: src.Name, Kind: src.Kind, Dataset: src.Dataset, Schedule: src.Schedule, Cursor: cursor,
		}}
		if lc, ok := p.(connectors.LateCommitter); ok {
			ss.st.LateCommitWindow = lc.LateCommitWindow()
		}
		if src.Schedule != "" && !service {
			sched, err := config.CronParser.Parse(src.Schedule)
			if err != nil {
				return nil, fmt.Errorf("cannot parse schedule of source %s: %w", src.Name, err)
			}
			ss.schedule = sched
			name := src.Name
			s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(name) }))
		}
		s.sources[src.Name] = ss
		s.order = append(s.order, src.Name)
	}
	s.metrics = newMetrics(s)
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(s.metrics); err != nil {
			return nil, fmt.Errorf("cannot register connector metrics: %w", err)
		}
	}
	return s, nil
}

// Start begins ticking. Runs started by ticks use a context that is NOT
// cancelled with ctx (only its values are kept), so a shutdown can let them
// finish their page: call Stop. Start after Stop starts ticking again.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.runCtx = context.WithoutCancel(ctx)
	s.started = true
	s.cron.Start()
	s.log.Info("connector scheduler started", "sources", len(s.order))
	for _, name := range s.order {
		if svc, ok := s.sources[name].puller.(connectors.Service); ok {
			s.log.Info("source receives its records itself", "source", name, "endpoint", svc.Endpoint())
		}
	}
}

// Stop shuts the scheduler down within ctx's deadline:
//
//  1. It stops ticking at once (no new scheduled run starts; cron is stopped
//     without waiting, its jobs only start runs) and RunNow is refused from
//     here on until Stop returns.
//  2. It asks the runs in progress (scheduled ones and RunNow calls) to stop
//     at their next page boundary: the context a kind's Pull got ends (kinds
//     check it between pages), while a page being published (Emit) goes on
//     and is checkpointed. A run stopped so is not a failure; the next start
//     resumes from its checkpoint. Stop waits for the runs to end.
//  3. If ctx ends first, it cancels the pages in flight too (the database,
//     HTTP and Kafka calls of a page take that context), so a run stops at
//     its current page; the page is not checkpointed (checkpoints are saved
//     only after Kafka acknowledged a page), so nothing is lost and the next
//     start repeats at most that page. Stop then waits for the cancelled
//     runs to return.
//  4. Once no run is in progress, it closes every Puller that implements
//     io.Closer (e.g. the sql kind's connection pool).
//
// It returns nil when every run ended by itself and every Closer succeeded;
// otherwise an error wrapping ctx's error (if runs had to be cancelled) and
// the Close errors. Stop blocks past ctx's deadline only as long as a
// cancelled run takes to return.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.started = false
	s.stopping = true
	haltRuns := s.haltRuns
	s.drainRuns()
	s.mu.Unlock()
	defer func() {
		// Runs started after Stop (Start again, RunNow) get a fresh halt
		// and drain.
		s.mu.Lock()
		s.stopping = false
		s.halt, s.haltRuns = context.WithCancel(context.Background())
		s.drain, s.drainRuns = context.WithCancel(context.Background())
		s.mu.Unlock()
	}()
	if started {
		// Not waiting for cron's Done: a tick only starts a goroutine, and a
		// tick that already passed its started check registered its run in
		// s.wg before Stop took the lock above.
		s.cron.Stop()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("connector runs still in progress at the shutdown deadline; cancelling them (their current page is repeated on the next start)")
		haltRuns()
		<-done
		errs = append(errs, fmt.Errorf("cannot stop connectors gracefully: runs cancelled: %w", ctx.Err()))
	}
	haltRuns()
	for _, name := range s.order {
		if c, ok := s.sources[name].puller.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("cannot close source %s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// tick is one cron tick of a source: skipped while a run of the source is in
// progress or while it backs off.
func (s *Scheduler) tick(name string) {
	ss := s.sources[name]
	s.mu.Lock()
	if !s.started || ss.st.Running || time.Now().Before(ss.notBefore) {
		if ss.st.Running {
			s.log.Debug("tick skipped: previous run still in progress", "source", name)
		}
		s.mu.Unlock()
		return
	}
	ss.st.Running = true
	s.wg.Add(1)
	ctx, drain, halt := s.runCtx, s.drain, s.halt
	s.mu.Unlock()
	// The run gets its own goroutine so the cron job returns at once: Stop
	// never waits on cron for a run, only on s.wg, and can cancel it.
	go func() {
		defer s.wg.Done()
		_ = s.run(ctx, drain, halt, ss)
	}()
}

// RunNow runs a source immediately in the caller's goroutine and returns the
// run's error; connectors.ErrRunning if a run of the source is in progress,
// connectors.ErrUnknownSource if it is not configured,
// connectors.ErrNotPullable for a connectors.Service (push).
// The run ends when ctx ends, and also when Stop cancels runs at its
// deadline; while Stop is in progress RunNow refuses to start.
func (s *Scheduler) RunNow(ctx context.Context, source string) error {
	ss, ok := s.sources[source]
	if !ok {
		return fmt.Errorf("%w: %q", connectors.ErrUnknownSource, source)
	}
	if ss.service {
		return connectors.ErrNotPullable
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return fmt.Errorf("cannot run %s: the connector scheduler is stopping", source)
	}
	if ss.st.Running {
		s.mu.Unlock()
		return fmt.Errorf("%s: %w", source, connectors.ErrRunning)
	}
	ss.st.Running = true
	s.wg.Add(1)
	drain, halt := s.drain, s.halt
	s.mu.Unlock()
	defer s.wg.Done()
	return s.run(ctx, drain, halt, ss)
}

// run executes one pull, bounded by RunTimeout and cancelled when halt is
// (Stop's deadline); the caller has set Running. When drain ends (Stop
// began) the kind's context ends but a page being published does not: the
// run stops at a page boundary, every page it published checkpointed.
func (s *Scheduler) run(ctx, drain, halt context.Context, ss *sourceState) error {
	name := ss.src.Name
	log := s.log.With("source", name, "kind", ss.src.Kind)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RunTimeout)
	defer cancel()
	defer context.AfterFunc(halt, cancel)()
	pullCtx, stopPull := context.WithCancel(ctx)
	defer stopPull()
	defer context.AfterFunc(drain, stopPull)()

	cursor, err := s.cfg.Checkpoints.Load(name)
	saved := cursor
	run := connectors.NewRun(ss.src, cursor, log, func(kindCtx context.Context, rows []connectors.Row, bad []connectors.BadRecord, cursor string) (connectors.EmitResult, error) {
		// The page ends with the run (timeout, halt), not with drain.
		pageCtx, endPage := context.WithCancel(context.WithoutCancel(kindCtx))
		defer endPage()
		defer context.AfterFunc(ctx, endPage)()
		res, err := s.cfg.Publisher.Publish(pageCtx, ss.src, rows, bad...)
		if err != nil {
			return res, err
		}
		if cursor != saved {
			if err := s.cfg.Checkpoints.Save(name, cursor); err != nil {
				return res, fmt.Errorf("published but cannot checkpoint (the page will be repeated): %w", err)
			}
			saved = cursor
		}
		s.mu.Lock()
		ss.st.Cursor = cursor
		ss.st.RowsPulled += int64(res.Accepted)
		ss.st.RowsRejected += int64(len(res.Rejected))
		s.mu.Unlock()
		return res, nil
	})
	if err == nil {
		err = ss.puller.Pull(pullCtx, run)
	}
	drained := errors.Is(err, context.Canceled) && drain.Err() != nil && ctx.Err() == nil
	if drained {
		err = nil // stopped for the shutdown at a page boundary: not a failure
	}
	end := time.Now()
	s.metrics.duration.WithLabelValues(name).Observe(end.Sub(start).Seconds())
	s.mu.Lock()
	ss.st.Running = false
	s.finish(ss, start, end, run.Rows(), err)
	var bo *connectors.BackOffError
	if errors.As(err, &bo) {
		ss.notBefore = end.Add(bo.Wait)
	}
	s.mu.Unlock()
	if err != nil {
		log.Error("connector run failed", "err", err, "rows", run.Rows(), "rejected", run.Rejected(), "duration", end.Sub(start))
		return fmt.Errorf("source %s: %w", name, err)
	}
	if drained {
		log.Info("connector run stopped for the shutdown; the next start resumes from its checkpoint", "rows", run.Rows(), "rejected", run.Rejected(), "duration", end.Sub(start))
		return nil
	}
	level := slog.LevelInfo
	if run.Rows() == 0 && run.Rejected() == 0 {
		level = slog.LevelDebug // nothing new: a quiet tick
	}
	log.Log(ctx, level, "connector run finished", "rows", run.Rows(), "rejected", run.Rejected(), "duration", end.Sub(start))
	return nil
}

// finish updates a source's status after a run; s.mu is held. LastError is
// kept until a successful run publishes rows.
func (s *Scheduler) finish(ss *sourceState, start, end time.Time, rows int64, err error) {
	st := &ss.st
	t := start.UTC()
	st.LastRun = &t
	st.LastDurationSeconds = end.Sub(start).Seconds()
	st.LastRunRows = rows
	st.Runs++
	if err != nil {
		st.Errors++
		st.LastError = err.Error()
		return
	}
	if rows > 0 {
		// Only a run that delivered data clears the error: an empty run
		// after a failed one (a file moved to failed/, nothing new since)
		// proves nothing is wrong any more.
		st.LastError = ""
	}
	st.LastSuccess = &t
}

// Record implements connectors.Recorder: the push handler reports each push here so
// push sources appear in Status with last_run = the latest push.
func (s *Scheduler) Record(r connectors.RunReport) {
	ss, ok := s.sources[r.Source]
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss.st.RowsPulled += r.Rows
	ss.st.RowsRejected += r.Rejected
	s.finish(ss, r.Started, r.Finished, r.Rows, r.Err)
}

// Status returns every source's status in configuration order.
func (s *Scheduler) Status() []SourceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	out := make([]SourceStatus, 0, len(s.order))
	for _, name := range s.order {
		ss := s.sources[name]
		st := ss.st
		if ss.schedule != nil && s.started {
			from := now
			if from.Before(ss.notBefore) {
				from = ss.notBefore.Add(-time.Second)
			}
			next := ss.schedule.Next(from.In(s.cfg.Location)).UTC()
			st.NextRun = &next
		}
		out = append(out, st)
	}
	return out
}

// Interface guard: pushes report to the scheduler.
var _ connectors.Recorder = (*Scheduler)(nil)
