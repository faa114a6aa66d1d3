package analytics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestAnalystUser starts a private ClickHouse the way deploy/local does
// (deploy/local/clickhouse.sh with its users.xml, on free ports, data in a
// temporary folder), migrates the hub's databases there, and connects as the
// analyst: over the native protocol, with clickhouse-client as the README
// shows, and over HTTP as a BI tool does. The analyst reads the analytics
// database, and cannot read the profile database, see its definitions (which
// hold the salt), write, create tables, lift readonly, or log in with a wrong
// password.
func TestAnalystUser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own ClickHouse server: skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := storetest.Private(t) // deploy/local/clickhouse.sh on free ports, migrated
	home, tcp, httpPort := srv.Home, srv.TCPPort, srv.HTTPPort
	password := srv.Analyst.Password
	if len(password) < 16 {
		t.Fatalf("generated analyst password %q is too short", password)
	}
	if users, _ := os.ReadFile(filepath.Join(home, "users.xml")); strings.Contains(string(users), password) {
		t.Fatal("users.xml holds the analyst's password instead of its hash")
	}

	// The hub's side: load one person.
	cfg := srv.Hub
	admin, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	storetest.Insert(t, admin, cfg, "person", storetest.Row{"id_number": "110105195001011234", "name": "张三", "household_id": "H1", "status": "normal",
		"source": "hukou", "record_key": "110105195001011234", "source_time": at, "ingest_time": at})

	// Native protocol, as the hub's clients and notebooks connect.
	analyst := srv.Analyst
	conn, err := store.OpenIn(ctx, analyst, "analytics")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM person").Scan(&n); err != nil || n != 1 {
		t.Fatalf("analyst reads analytics.person: %d rows, %v", n, err)
	}
	denied := func(what, query string, code int32) {
		t.Helper()
		err := conn.Exec(ctx, query)
		var ex *clickhouse.Exception
		if !errors.As(err, &ex) || ex.Code != code {
			t.Errorf("analyst %s: %q gave %v, want ClickHouse error %d", what, query, err, code)
		}
	}
	denied("reads the profile database", "SELECT count() FROM residenthub.person", 291)                   // DATABASE_ACCESS_DENIED
	denied("reads a profile materialized view", "SHOW CREATE TABLE residenthub.analytics_person_mv", 291) // its SQL holds the salt
	denied("writes", "INSERT INTO analytics.person_history (person_key) VALUES ('x')", 164)               // READONLY
	denied("creates a table", "CREATE TABLE analytics.mine (a UInt8) ENGINE = Memory", 164)
	denied("drops a table", "DROP TABLE analytics.person", 164)
	denied("lifts readonly", "SET readonly = 0", 164)
	var visible uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = 'residenthub'").Scan(&visible); err != nil || visible != 0 {
		t.Errorf("analyst sees %d tables of the profile database in system.tables (%v)", visible, err)
	}

	wrong := analyst
	wrong.Password = password + "x"
	if c, err := store.Open(ctx, wrong); err == nil {
		c.Close()
		t.Error("analyst logged in with a wrong password")
	}

	// clickhouse-client, as the README shows it.
	if client, err := exec.LookPath("clickhouse-client"); err == nil {
		out, err := exec.CommandContext(ctx, client, "--port", tcp, "--user", "analyst", "--password", password, "--database", "analytics",
			"-q", "SELECT count() FROM person").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "1" {
			t.Errorf("clickhouse-client --user analyst: %v: %s", err, out)
		}
	}

	// HTTP, as a BI tool: http://127.0.0.1:<http>/ with the analyst's
	// credentials and database analytics.
	httpQuery := func(query string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:"+httpPort+"/?database=analytics", strings.NewReader(query))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("analyst", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := httpQuery("SELECT count() FROM person"); status != http.StatusOK || strings.TrimSpace(body) != "1" {
		t.Errorf("HTTP analytics.person: %d %s", status, body)
	}
	if status, body := httpQuery("SELECT count() FROM residenthub.person"); status == http.StatusOK || !strings.Contains(body, "Access denied") {
		t.Errorf("HTTP read of the profile database: %d %s", status, body)
	}
}
