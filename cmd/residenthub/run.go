package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/residenthub/residenthub/config"
)

// roles a process can run.
var allRoles = []string{"connectors", "pipelines", "api"}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	rolesFlag := fs.String("roles", strings.Join(allRoles, ","), "roles to start: any of connectors,pipelines,api")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	_ = fs.Parse(args)

	log := newLogger(*logFormat)
	slog.SetDefault(log)
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
		log.Info("shutting down: stop pulling, flush in-flight batches, commit offsets")
	case failed = <-hub.Failed():
		log.Error("a worker stopped; shutting down the hub", "err", failed)
		failed = fmt.Errorf("worker stopped: %w", failed)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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
		ok := false
		for _, known := range allRoles {
			ok = ok || r == known
		}
		if !ok {
			return nil, fmt.Errorf("-roles: unknown role %q (want connectors, pipelines, api)", r)
		}
		roles[r] = true
	}
	if len(roles) == 0 {
		return nil, errors.New("-roles: no role given")
	}
	return roles, nil
}
