package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
)

// TestHubAppliesRetention runs a hub whose embedded broker keeps records
// for a nanosecond, checked every 100 ms: once the pipelines loaded 100
// pushed tickets, the raw topic's log starts at the group's committed
// offset on every partition (retention ran and went exactly as far as the
// group allowed), and every ticket is in ClickHouse.
func TestHubAppliesRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := t.TempDir()
	if _, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "var", "demo"), Seed: 3, Households: 5}); err != nil {
		t.Fatal(err)
	}
	cfg := demoHubConfig(t, root)
	cfg.Kafka.Retention = config.KafkaRetention{Time: time.Nanosecond, Interval: 100 * time.Millisecond}
	hub, err := startHub(ctx, cfg, map[string]bool{"connectors": true, "pipelines": true, "api": true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Shutdown(context.Background()) }()
	var body []map[string]string
	for i := range 100 {
		body = append(body, map[string]string{"工单编号": fmt.Sprintf("R-%03d", i), "受理时间": "2026-11-20 09:30:00", "诉求类别": "供暖", "诉求内容": "暖气不热", "办理状态": "办理中"})
	}
	if status := call(ctx, t, http.MethodPost, "http://"+hub.api.addr+"/v1/sources/hotline/records", "demo-department-key", body, nil); status != http.StatusOK {
		t.Fatalf("push: status %d", status)
	}
	if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for {
		offs, err := bus.GroupOffsets(ctx, hub.kafka.brokers, cfg.Pipelines.GroupID, []string{"raw.hotline"})
		if err != nil {
			t.Fatal(err)
		}
		trimmed, total := 0, int64(0)
		for _, p := range offs {
			if p.First > p.Committed || p.Committed > p.End {
				t.Fatalf("partition %d: log [%d, %d), committed %d: retention went past the committed offset", p.Partition, p.First, p.End, p.Committed)
			}
			if p.First == p.Committed {
				trimmed++
			}
			total += p.End
		}
		if total != 100 {
			t.Fatalf("raw.hotline holds offsets up to %d in all, want 100", total)
		}
		if trimmed == len(offs) {
			break
		}
		if !sleepOrDone(ctx, 100*time.Millisecond) {
			t.Fatalf("retention did not trim raw.hotline to the committed offsets: %+v", offs)
		}
	}
	pushed, err := pushedTickets(ctx, hub.clickhouse.conn, cfg.ClickHouse.Database)
	if err != nil {
		t.Fatal(err)
	}
	if pushed != 100 {
		t.Errorf("hotline_ticket holds %d pushed tickets, want the 100 pushed", pushed)
	}
}
