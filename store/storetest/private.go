package storetest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
)

// PrivateServer is a ClickHouse server of a test's own (Private).
type PrivateServer struct {
	// Hub is the hub's config for it: user default, databases residenthub
	// and analytics (the names users.xml grants the analyst), migrated.
	Hub config.ClickHouse
	// Analyst is Hub as the read-only analyst, with the password the start
	// script generated: a second, real ClickHouse user.
	Analyst config.ClickHouse
	// Home is the server's folder (users.xml, analyst.password).
	Home string
	// TCPPort and HTTPPort are its loopback ports.
	TCPPort, HTTPPort string
}

// Private starts a ClickHouse server of the test's own the way deploy/local
// does (deploy/local/clickhouse.sh with its users.xml, on free loopback
// ports, data in a temporary folder), stopped when the test ends.
func Private(t testing.TB) PrivateServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "deploy", "local", "clickhouse.sh")
	srv := PrivateServer{Home: t.TempDir(), TCPPort: freePort(t), HTTPPort: freePort(t)}
	env := append(os.Environ(), "CLICKHOUSE_HOME="+srv.Home, "CLICKHOUSE_TCP_PORT="+srv.TCPPort, "CLICKHOUSE_HTTP_PORT="+srv.HTTPPort,
		"CLICKHOUSE_ANALYST_PASSWORD=", "CLICKHOUSE_ANALYST_DATABASES=")
	cmd := exec.CommandContext(ctx, script, "start")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s start: %v\n%s", script, err, out)
	}
	t.Cleanup(func() {
		cmd := exec.Command(script, "stop")
		cmd.Env = env
		_ = cmd.Run()
	})
	pw, err := os.ReadFile(filepath.Join(srv.Home, "analyst.password"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Hub = config.Default().ClickHouse
	srv.Hub.Addr = "127.0.0.1:" + srv.TCPPort
	srv.Hub.Database, srv.Hub.AnalyticsDatabase = "residenthub", "analytics"
	srv.Hub.PseudonymSalt = "storetest-private-salt-0123"
	conn, err := store.Open(ctx, srv.Hub)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := store.Migrate(ctx, conn, srv.Hub); err != nil {
		t.Fatal(err)
	}
	srv.Analyst = srv.Hub
	srv.Analyst.User, srv.Analyst.Password = "analyst", strings.TrimSpace(string(pw))
	return srv
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
