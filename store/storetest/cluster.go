package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
)

// ClusterName is the cluster deploy/local/cluster.sh defines.
const ClusterName = "residenthub"

// ClusterAddr is the native addresses of the test cluster's servers, in
// <remote_servers> order: RESIDENTHUB_TEST_CLUSTER, default the four of
// deploy/local/cluster.sh (shard 1: 23001, 23002; shard 2: 23003, 23004).
func ClusterAddr() string {
	if a := os.Getenv("RESIDENTHUB_TEST_CLUSTER"); a != "" {
		return a
	}
	return "127.0.0.1:23001,127.0.0.1:23002,127.0.0.1:23003,127.0.0.1:23004"
}

// NeedCluster skips the test when a server of the test cluster does not
// answer (ON CLUSTER statements would wait for it), unless
// RESIDENTHUB_REQUIRE_CLUSTER=1 (./test.sh sets it once
// deploy/local/cluster.sh start succeeded), where it fails it.
func NeedCluster(t testing.TB) {
	t.Helper()
	var err error
	for _, addr := range strings.Split(ClusterAddr(), ",") {
		if err = ping(addr); err != nil {
			break
		}
	}
	if err == nil {
		return
	}
	if os.Getenv("RESIDENTHUB_REQUIRE_CLUSTER") == "1" {
		t.Fatalf("the ClickHouse test cluster does not answer: %v", err)
	}
	t.Skipf("no ClickHouse test cluster (%v); start one with: deploy/local/cluster.sh start", err)
}

// ping opens a connection to one server of the test cluster.
func ping(addr string) error {
	cfg := config.Default().ClickHouse
	cfg.Addr, cfg.Cluster = addr, ClusterName
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := store.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", addr, err)
	}
	return conn.Close()
}

// NewCluster is New on the test cluster: fresh databases migrated in the
// cluster form, dropped ON CLUSTER when the test ends. It skips the test
// when the cluster does not answer (see NeedCluster).
func NewCluster(t testing.TB) (driver.Conn, config.ClickHouse) {
	t.Helper()
	NeedCluster(t)
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	id := hex.EncodeToString(suffix)
	cfg := config.Default().ClickHouse
	cfg.Addr, cfg.Cluster = ClusterAddr(), ClusterName
	cfg.Database = "tc_" + id
	cfg.AnalyticsDatabase = "tc_" + id + "_analytics"
	cfg.PseudonymSalt = "storetest-pseudonym-salt"
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	conn, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { DropCluster(t, conn, cfg) })
	if _, err := store.Migrate(ctx, conn, cfg); err != nil {
		t.Fatal(err)
	}
	return conn, cfg
}

// DropCluster drops cfg's databases on every server of the cluster and
// closes conn.
func DropCluster(t testing.TB, conn driver.Conn, cfg config.ClickHouse) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, db := range []string{cfg.AnalyticsDatabase, cfg.Database} {
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+store.QuoteIdent(db)+" ON CLUSTER "+cfg.Cluster); err != nil {
			t.Logf("cannot drop %s on the cluster: %v", db, err)
		}
	}
	conn.Close()
}
