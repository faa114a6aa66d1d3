package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestLeaderMoveMidIngest runs the demo district through the hub against an
// external Kafka cluster of three brokers (kfake, over real TCP) instead of
// the embedded one, and moves the leader of every raw partition to another
// broker while the pipelines load: every dataset must still hold what the
// truth says, every stored version once, and the dead-letter topics exactly
// the invalid records.
func TestLeaderMoveMidIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("three-broker test skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var ports []int
	var brokers []string
	for range 3 {
		_, p, _ := net.SplitHostPort(freeAddr(t))
		n, _ := strconv.Atoi(p)
		ports = append(ports, n)
		brokers = append(brokers, "127.0.0.1:"+p)
	}
	kc, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.Ports(ports...), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()

	root := t.TempDir()
	truth, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "var", "demo"), Seed: 17, Households: 600})
	if err != nil {
		t.Fatal(err)
	}
	cfg := demoHubConfig(t, root)
	cfg.Kafka.Brokers = brokers
	cfg.Kafka.ReplicationFactor = 3
	hub, err := startHub(ctx, cfg, map[string]bool{"connectors": true, "pipelines": true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Shutdown(context.Background()) }()

	// Mid-ingest: some person rows stored, messages still to load.
	topics := rawTopics(cfg)
	db := store.QuoteIdent(cfg.ClickHouse.Database)
	for {
		var n uint64
		if err := hub.clickhouse.conn.QueryRow(ctx, "SELECT count() FROM "+db+".person").Scan(&n); err == nil && n > 0 {
			break
		}
		if !sleepOrDone(ctx, 20*time.Millisecond) {
			t.Fatal("timed out waiting for the first rows")
		}
	}
	lag, err := bus.TotalGroupLag(ctx, brokers, cfg.Pipelines.GroupID, topics)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, topic := range topics {
		for p := int32(0); p < int32(cfg.Kafka.Partitions); p++ {
			leader := kc.LeaderFor(topic, p)
			if leader < 0 {
				continue
			}
			if err := kc.MoveTopicPartition(topic, p, (leader+1)%3); err != nil {
				t.Fatal(err)
			}
			moved++
		}
	}
	t.Logf("moved the leaders of %d raw partitions with a group lag of %d", moved, lag)
	if moved == 0 || lag <= 0 {
		t.Fatalf("moved %d partitions with a lag of %d: nothing left to load across the move (grow the district)", moved, lag)
	}
	if err := waitLoaded(ctx, brokers, cfg, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got, err := store.CurrentRowCounts(ctx, hub.clickhouse.conn, cfg.ClickHouse)
	if err != nil {
		t.Fatal(err)
	}
	for dataset, want := range truth.Counts {
		if got[dataset] != uint64(want.Current) {
			t.Errorf("%s: %d current rows, truth says %d", dataset, got[dataset], want.Current)
		}
	}
	for name := range schema.Datasets {
		var final, distinct uint64
		q := fmt.Sprintf("SELECT (SELECT count() FROM %s.%s FINAL), (SELECT uniqExact(id_number, source, record_key, source_time) FROM %s.%s)", db, name, db, name)
		if err := hub.clickhouse.conn.QueryRow(ctx, q).Scan(&final, &distinct); err != nil {
			t.Fatal(err)
		}
		if final != distinct {
			t.Errorf("%s: %d rows after FINAL for %d distinct versions", name, final, distinct)
		}
	}
	checkDeadLetters(ctx, t, brokers, cfg, truth)
}
