package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store/storetest"
)

// startSlowClientHub starts the API role of a hub with a 1 s read timeout
// and room for 3 connections without a key, and returns its address and a
// counter key.
func startSlowClientHub(t *testing.T) (addr, key string) {
	t.Helper()
	cfg := config.Default()
	_, cfg.ClickHouse = storetest.New(t)
	cfg.DataDir = t.TempDir()
	cfg.Kafka.EmbeddedListen = "127.0.0.1:0"
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.ReadTimeout = time.Second
	cfg.HTTP.ReadHeaderTimeout = time.Minute // so only the limit closes idle connections here
	cfg.HTTP.MaxUnauthenticatedConns = 3
	key = "slow-clients-counter-key"
	cfg.APIKeys = []config.APIKey{{Name: "hall", Role: "counter", KeySHA256: config.HashKey(key)}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	hub, err := startHub(ctx, &cfg, map[string]bool{"api": true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.Shutdown(context.Background()) })
	return hub.api.addr, key
}

// closedWithin reads c until the server closes it and returns what it read;
// it fails the test when the connection is still open after wait (far past
// the configured timeout).
func closedWithin(t *testing.T, c net.Conn, wait time.Duration) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v (read %q)", wait, b)
	}
	return string(b)
}

// TestSlowBodyIsCut: a client that sends a request's headers and then its
// body a byte at a time (here: never the rest) is cut off by the read
// timeout, with a key or without one — it does not hold a connection for
// as long as it likes.
func TestSlowBodyIsCut(t *testing.T) {
	addr, key := startSlowClientHub(t)
	for _, auth := range []string{"Authorization: Bearer " + key + "\r\n", ""} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = io.WriteString(c, "POST /v1/checks HTTP/1.1\r\nHost: hub\r\n"+auth+
			"X-Purpose: slow client test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"program\":")
		if err != nil {
			t.Fatal(err)
		}
		closedWithin(t, c, 20*time.Second)
	}
}

// TestUnauthenticatedConnectionLimit: with room for 3 connections without
// a key, a fourth connection evicts the oldest idle one (which reads a 503
// saying why) and is served; a connection that showed a key no longer
// counts, so it survives any number of new keyless ones.
func TestUnauthenticatedConnectionLimit(t *testing.T) {
	addr, key := startSlowClientHub(t)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	idle := []net.Conn{dial(), dial(), dial()}
	served := dial()
	br := bufio.NewReader(served)
	get := func() {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/programs", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		if err := req.Write(served); err != nil {
			t.Fatal(err)
		}
		_ = served.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("authenticated connection not served: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/programs = %d", resp.StatusCode)
		}
	}
	get()
	got := closedWithin(t, idle[0], 20*time.Second)
	if !strings.HasPrefix(got, "HTTP/1.1 503") || !strings.Contains(got, "too_many_connections") {
		t.Fatalf("evicted connection read %q, want a 503 too_many_connections", got)
	}
	// Two more keyless connections evict idle[1] and idle[2] (three would
	// be over the limit with them), never the authenticated one.
	dial()
	dial()
	dial()
	for _, c := range idle[1:] {
		closedWithin(t, c, 20*time.Second)
	}
	get()
}
