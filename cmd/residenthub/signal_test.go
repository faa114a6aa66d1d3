package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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
clickhouse: {addr: %q, database: %q, analytics_database: %q}
http: {listen: %q}
`, filepath.Join(dir, "var"), kafkaAddr, ch.Addr, ch.Database, ch.AnalyticsDatabase, httpAddr)
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
