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

// Private starts a ClickHouse server of the test's own the way deploy/local
// does (deploy/local/clickhouse.sh with its users.xml, on free loopback
// ports, data in a temporary folder), stopped when the test ends. It returns
// the hub's config for it (user default, databases residenthub and
// analytics, migrated) and the same with the read-only analyst's generated
// password: a second, real ClickHouse user.
func Private(t testing.TB) (hub, analyst config.ClickHouse) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "deploy", "local", "clickhouse.sh")
	home := t.TempDir()
	tcp, httpPort := freePort(t), freePort(t)
	env := append(os.Environ(), "CLICKHOUSE_HOME="+home, "CLICKHOUSE_TCP_PORT="+tcp, "CLICKHOUSE_HTTP_PORT="+httpPort,
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
	pw, err := os.ReadFile(filepath.Join(home, "analyst.password"))
	if err != nil {
		t.Fatal(err)
	}
	hub = config.Default().ClickHouse
	hub.Addr = "127.0.0.1:" + tcp
	hub.Database, hub.AnalyticsDatabase = "residenthub", "analytics" // the names users.xml grants by default
	hub.PseudonymSalt = "storetest-private-salt-0123"
	conn, err := store.Open(ctx, hub)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := store.Migrate(ctx, conn, hub); err != nil {
		t.Fatal(err)
	}
	analyst = hub
	analyst.User, analyst.Password = "analyst", strings.TrimSpace(string(pw))
	return hub, analyst
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
