package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors/push"
)

// roles a process can run (-roles).
var allRoles = []string{"connectors", "pipelines", "api"}

// shutdownTimeout bounds the shutdown after SIGINT/SIGTERM or a failed worker.
const shutdownTimeout = 60 * time.Second

// parts is what a hub process runs, in data-flow order: startHub starts them
// top to bottom and Shutdown stops them bottom to top, so a part starts
// after what it needs and stops before it. A part the plan leaves out is
// skipped.
func (h *Hub) parts() []part {
	p := h.plan
	return []part{
		// the embedded broker (when kafka.brokers is empty) and the topics
		{name: "kafka", on: true, start: h.startKafka, stop: h.stopKafka},
		// the connection; migrations are retried in the background until ClickHouse answers
		{name: "clickhouse", on: p.clickhouse, start: h.startClickHouse, stop: h.stopClickHouse},
		// department sources on their schedules → Kafka raw.<source>, rejects → dlq.<source>
		{name: "connectors", on: p.connectors, start: h.startConnectors, stop: h.stopConnectors},
		// raw.<source> → normalize, validate, resolve → ClickHouse; rejects → dlq.<source>
		{name: "pipelines", on: p.pipelines, start: h.startPipelines, stop: h.stopPipelines},
		// HTTP: checks, profiles, certificates, source status, push; the audit sink
		{name: "api", on: p.http, start: h.startAPI, stop: h.stopAPI},
	}
}

// plan says which parts one process runs: the -roles it was given, and what
// they need.
type plan struct {
	connectors, pipelines, api bool // the roles
	// http: the process listens for HTTP — with the api role, or for a push
	// source (pushNeedsHTTP).
	http bool
	// clickhouse: the pipelines write ClickHouse, the HTTP side reads it
	// (profiles, /readyz) and the API's audit sink writes it.
	clickhouse bool
}

func newPlan(cfg *config.Config, roles map[string]bool) plan {
	p := plan{connectors: roles["connectors"], pipelines: roles["pipelines"], api: roles["api"]}
	p.http = p.api || p.connectors && pushNeedsHTTP(cfg)
	p.clickhouse = p.pipelines || p.http
	return p
}

// pushNeedsHTTP is the one decision about push sources: their records arrive
// at the API's POST /v1/sources/{source}/records, so a process that runs the
// connectors of a push source serves the API (and opens ClickHouse for it)
// even without the api role. Only the api role runs the audit sink.
func pushNeedsHTTP(cfg *config.Config) bool {
	return slices.ContainsFunc(cfg.Sources, func(s config.Source) bool { return s.Kind == push.Kind })
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	rolesFlag := fs.String("roles", strings.Join(allRoles, ","), "roles to start: any of connectors,pipelines,api")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	_ = fs.Parse(args)

	tuneMemory()
	stopProfile, err := startCPUProfile()
	if err != nil {
		return err
	}
	defer stopProfile()
	log := newLogger(*logFormat)
	slog.SetDefault(log)
	startPprof(log)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	roles, err := parseRoles(*rolesFlag)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hub, err := startHub(ctx, cfg, roles, log)
	if err != nil {
		return err
	}
	return serve(ctx, hub, log)
}

// serve waits until ctx ends (SIGINT/SIGTERM) or a worker of the hub fails,
// then shuts the hub down. A failed worker (pipelines, audit sink) would
// leave a process that looks alive and ready but no longer loads data, so
// the hub stops and serve returns the worker's error: the process exits
// non-zero and its supervisor restarts it.
func serve(ctx context.Context, hub *Hub, log *slog.Logger) error {
	var failed error
	select {
	case <-ctx.Done():
		log.Info("shutting down: stop taking requests, flush in-flight batches, commit offsets, finish connector pages")
	case failed = <-hub.Failed():
		log.Error("a worker stopped; shutting down the hub", "err", failed)
		failed = fmt.Errorf("worker stopped: %w", failed)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return errors.Join(failed, hub.Shutdown(shutdownCtx))
}

func newLogger(format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func parseRoles(s string) (map[string]bool, error) {
	roles := map[string]bool{}
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !slices.Contains(allRoles, r) {
			return nil, fmt.Errorf("-roles: unknown role %q (want connectors, pipelines, api)", r)
		}
		roles[r] = true
	}
	if len(roles) == 0 {
		return nil, errors.New("-roles: no role given")
	}
	return roles, nil
}
