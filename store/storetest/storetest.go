// Package storetest gives integration tests a fresh database on a real
// ClickHouse server (deploy/local/clickhouse.sh start; address from
// RESIDENTHUB_TEST_CLICKHOUSE, default 127.0.0.1:19000), dropped at the end.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
)

// Addr is the ClickHouse native address tests use.
func Addr() string {
	if a := os.Getenv("RESIDENTHUB_TEST_CLICKHOUSE"); a != "" {
		return a
	}
	return "127.0.0.1:19000"
}

// New returns a connection and a config naming fresh, migrated databases
// (profile and analytics) that are dropped when the test ends. It fails the
// test, with the command to start ClickHouse, when no server answers.
func New(t testing.TB) (driver.Conn, config.ClickHouse) {
	t.Helper()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	id := hex.EncodeToString(suffix)
	cfg := config.Default().ClickHouse
	cfg.Addr = Addr()
	cfg.Database = "t_" + id
	cfg.AnalyticsDatabase = "t_" + id + "_analytics"
	cfg.PseudonymSalt = "storetest-pseudonym-salt"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("%v (start one with: deploy/local/clickhouse.sh start)", err)
	}
	if _, err := store.Migrate(ctx, conn, cfg); err != nil {
		conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+store.QuoteIdent(cfg.AnalyticsDatabase))
		_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+store.QuoteIdent(cfg.Database))
		conn.Close()
	})
	return conn, cfg
}
