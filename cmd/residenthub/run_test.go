package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
)

// TestServeStopsOnWorkerFailure: a worker that stops with an error (here a
// stand-in for the pipelines) ends serve without a signal, with the
// worker's error, after the hub shut down.
func TestServeStopsOnWorkerFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := newHub(&config.Config{}, nil, log)
	workers := hub.newWorkers()
	audit := make(chan error, 1)
	workers.Go("audit", func(ctx context.Context) error { <-ctx.Done(); audit <- ctx.Err(); return nil })
	workers.Go("pipelines", func(context.Context) error { return errors.New("cannot insert: table is gone") })

	done := make(chan error, 1)
	go func() { done <- serve(context.Background(), hub, log) }() // no signal ever comes
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "pipelines: cannot insert: table is gone") {
			t.Fatalf("serve = %v, want the worker's error", err)
		}
	case <-ctx.Done():
		t.Fatal("serve still waiting after a worker failed")
	}
	if err := <-audit; !errors.Is(err, context.Canceled) {
		t.Fatalf("other workers not stopped: %v", err)
	}
}
