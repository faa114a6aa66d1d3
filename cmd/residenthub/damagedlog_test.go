package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestDamagedBrokerLogDoesNotStallSilently runs a hub process with the
// embedded broker, loads 120 pushed hotline tickets, kills it (SIGKILL),
// cuts the last segment of every raw.hotline partition in half (so the log
// ends before the offsets the pipelines had committed), and starts it again.
// The broker must recover its log and say so (an alarm: batches it had
// written completely were cut); the pipelines must reset the
// offsets by the documented policy, count it and raise an alarm that keeps
// /readyz not ready and `report` red until `ack-alarms`; and 120 tickets
// pushed after the restart — which take the offsets the log lost — must all
// load rather than wait behind the old committed offsets.
func TestDamagedBrokerLogDoesNotStallSilently(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level test skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := t.TempDir()
	if _, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "demo"), Seed: 5, Households: 10}); err != nil {
		t.Fatal(err)
	}
	_, ch := storetest.New(t)
	kafkaAddr := freeAddr(t)
	brokers := []string{kafkaAddr}
	if err := bus.Secure(brokers, bus.Security{SASL: &testKafkaUser}); err != nil {
		t.Fatal(err)
	}
	hc := writeDemoConfig(t, root, "hub", kafkaAddr, "", ch, "damaged-log")
	base := "http://" + hc.cfg.HTTP.Listen
	conn, err := store.Open(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tickets := func() uint64 {
		n, err := pushedTickets(ctx, conn, ch.Database)
		if err != nil {
			t.Logf("cannot count tickets (asked again): %v", err) // a busy ClickHouse; waitFor is bounded
			return 0
		}
		return n
	}
	readyz := func() (int, string) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(p *process, what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if !sleepOrDone(ctx, 200*time.Millisecond) {
				t.Fatalf("%s: not within the test's time\n%s", what, p.log())
			}
		}
	}
	push := func(prefix string, n int) {
		t.Helper()
		var body []map[string]string
		for i := range n {
			body = append(body, map[string]string{"工单编号": fmt.Sprintf("%s-%03d", prefix, i), "受理时间": "2026-11-20 09:30:00", "诉求类别": "供暖", "诉求内容": "暖气不热", "办理状态": "办理中"})
		}
		var got struct {
			Accepted int `json:"accepted"`
		}
		if status := call(ctx, t, http.MethodPost, base+"/v1/sources/hotline/records", "demo-department-key", body, &got); status != http.StatusOK || got.Accepted != n {
			t.Fatalf("push: status %d, %d of %d accepted", status, got.Accepted, n)
		}
	}

	first := startProcess(t, ctx, hc.path, "connectors,pipelines,api")
	waitFor(first, "the hub is ready", func() bool { s, _ := readyz(); return s == http.StatusOK })
	push("A", 120)
	waitFor(first, "the first 120 tickets load", func() bool { return tickets() == 120 })
	waitFor(first, "the pipelines commit them", func() bool {
		lag, err := bus.TotalGroupLag(ctx, brokers, hc.cfg.Pipelines.GroupID, rawTopics(hc.cfg))
		return err == nil && lag == 0
	})
	first.kill(t)

	cut := 0
	parts, _ := filepath.Glob(filepath.Join(hc.cfg.DataDir, "kafka", "partitions", "raw.hotline-*"))
	for _, dir := range parts {
		segs, _ := filepath.Glob(filepath.Join(dir, "*.dat"))
		sort.Strings(segs)
		if len(segs) == 0 {
			continue
		}
		last := segs[len(segs)-1]
		info, err := os.Stat(last)
		if err != nil || info.Size() == 0 {
			continue
		}
		if err := os.Truncate(last, info.Size()/2); err != nil {
			t.Fatal(err)
		}
		cut++
	}
	if cut == 0 {
		t.Fatalf("no raw.hotline segment to cut under %s", hc.cfg.DataDir)
	}

	second := startProcess(t, ctx, hc.path, "connectors,pipelines,api")
	waitFor(second, "/readyz says not ready for the alarm", func() bool {
		s, body := readyz()
		return s == http.StatusServiceUnavailable && strings.Contains(body, "alarm")
	})
	push("B", 120)
	waitFor(second, "the 120 tickets pushed after the restart load (a stalled partition would hold them back)", func() bool { return tickets() == 240 })

	log := second.log()
	for _, want := range []string{"recovered a damaged log to its last complete batch", "consumer offset out of range", "offsets reset to the earliest retained records"} {
		if !strings.Contains(log, want) {
			t.Errorf("the restarted hub's log lacks %q:\n%s", want, log)
		}
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `residenthub_kafka_offset_resets_total{group="damaged-log",topic="raw.hotline"}`) {
		t.Error("/metrics does not count the offset resets")
	}
	if s, body := readyz(); s != http.StatusServiceUnavailable || !strings.Contains(body, "embedded kafka log damaged") || !strings.Contains(body, "out of range") && !strings.Contains(body, "log ends at") {
		t.Errorf("/readyz %d before the alarms were acknowledged, want 503 naming the damaged log and the offsets reset: %s", s, body)
	}
	if err := cmdReport([]string{"-config", hc.path}); err == nil || !strings.Contains(err.Error(), "alarm") {
		t.Errorf("report with an open alarm: %v, want an error naming it", err)
	}
	if err := cmdAckAlarms([]string{"-config", hc.path}); err != nil {
		t.Fatal(err)
	}
	waitFor(second, "/readyz ready after ack-alarms", func() bool { s, _ := readyz(); return s == http.StatusOK })
	if err := cmdReport([]string{"-config", hc.path}); err != nil {
		t.Errorf("report after ack-alarms: %v", err)
	}
}

// pushedTickets counts the tickets stored from the push source "hotline"
// (the demo's hotline_export file source loads tickets too).
func pushedTickets(ctx context.Context, conn driver.Conn, database string) (uint64, error) {
	var n uint64
	err := conn.QueryRow(ctx, "SELECT uniqExact(record_key) FROM "+store.QuoteIdent(database)+".hotline_ticket WHERE source = 'hotline'").Scan(&n)
	return n, err
}
