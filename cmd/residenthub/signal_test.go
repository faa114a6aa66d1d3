package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestMain lets the test binary act as the residenthub command when
// RESIDENTHUB_RUN_MAIN is set, so a test can run it as a real process.
func TestMain(m *testing.M) {
	if os.Getenv("RESIDENTHUB_RUN_MAIN") == "1" {
		os.Args = append([]string{"residenthub"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunStopsOnSIGTERMWithExitZero starts `residenthub run` as a process
// (embedded Kafka, real ClickHouse, API), waits until /readyz says ready,
// sends SIGTERM and expects a clean exit 0.
func TestRunStopsOnSIGTERMWithExitZero(t *testing.T) {
	_, ch := storetest.New(t)
	dir := t.TempDir()
	httpAddr, kafkaAddr := freeAddr(t), freeAddr(t)
	cfg := fmt.Sprintf(`data_dir: %s
kafka: {embedded_listen: %q}
clickhouse: {addr: %q, database: %q, analytics_database: %q, pseudonym_salt: %q}
http: {listen: %q}
`, filepath.Join(dir, "var"), kafkaAddr, ch.Addr, ch.Database, ch.AnalyticsDatabase, ch.PseudonymSalt, httpAddr)
	cfgPath := filepath.Join(dir, "residenthub.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "run", "-config", cfgPath)
	cmd.Env = append(os.Environ(), "RESIDENTHUB_RUN_MAIN=1")
	logPath := filepath.Join(dir, "hub.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := false
	for !ready && ctx.Err() == nil {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			ready = resp.StatusCode == http.StatusOK
			resp.Body.Close()
		}
		if !ready {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !ready {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("hub never became ready; log:\n%s", b)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("hub exited with %v after SIGTERM; log:\n%s", err, b)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestHubWaitsForClickHouse starts the hub while ClickHouse cannot be
// reached: the API answers and /readyz says why it is not ready; once
// ClickHouse appears (a TCP proxy to the real server starts on the
// configured address) migrations apply and the hub becomes ready by itself.
func TestHubWaitsForClickHouse(t *testing.T) {
	_, ch := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	proxyAddr := freeAddr(t) // nothing listens there yet
	real := ch.Addr
	ch.Addr = proxyAddr
	ch.Database += "_late" // a database the hub itself must create
	ch.AnalyticsDatabase += "_late"
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Kafka.EmbeddedListen = "127.0.0.1:0"
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.ClickHouse = ch
	cfg.Pipelines.MaxBackoff = time.Second
	hub, err := startHub(ctx, &cfg, map[string]bool{"connectors": true, "pipelines": true, "api": true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("hub did not start without ClickHouse: %v", err)
	}
	defer hub.Shutdown(context.Background())
	t.Cleanup(func() {
		if conn, err := store.Open(context.Background(), config.ClickHouse{Addr: real, User: "default"}); err == nil {
			_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+store.QuoteIdent(ch.Database))
			_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+store.QuoteIdent(ch.AnalyticsDatabase))
			conn.Close()
		}
	})
	readyz := func() int {
		resp, err := http.Get("http://" + hub.api.addr + "/readyz")
		if err != nil {
			t.Fatalf("API not answering: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := readyz(); got != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d without ClickHouse, want 503", got)
	}

	ln, err := net.Listen("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go proxyTo(ln, real)
	for readyz() != http.StatusOK {
		select {
		case <-ctx.Done():
			t.Fatal("hub did not become ready after ClickHouse appeared")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// proxyTo forwards every connection accepted on ln to addr.
func proxyTo(ln net.Listener, addr string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			s, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			defer s.Close()
			go func() { _, _ = io.Copy(s, c) }()
			_, _ = io.Copy(c, s)
		}()
	}
}
