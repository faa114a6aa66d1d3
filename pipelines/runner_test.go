package pipelines

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/segmentio/kafka-go"
)

var (
	idA = validID("11010519800101001")
	idB = validID("11010519850505002")
	idC = validID("11010519900909003")
)

// produceScenario writes the test feed: persons from two sources (one name
// differs), updates, deletes without id_number, incomes, a non-JSON message
// and a bad identity number followed by good messages on the same keys.
func (h *harness) produceScenario() {
	h.produce(
		person("hukou", "p1", idA, "张三", "1980-01-01", t0),
		person("hukou", "p2", idB, "李四", "", t0),
		person("hukou", "p3", idC, "王五", "", t0),
		person("census", "c1", idA, "张三", "1980年1月1日", t0),
		person("census", "c2", idB, "李思", "", t0),
		person("hukou", "p5", "110105198001010010", "赵六", "", t0), // wrong check digit
		income("e1", idA, "2026-09", "8000.00", t0),
		income("e2", idA, "202610", "8,500.50", t0),
		income("e3", idB, "2026年10月", "3000", t0),
		income("e4", idC, "2026-10", "100", t0),
	)
	h.produceRaw(kafka.Message{Topic: schema.RawTopic("hukou"), Key: []byte("p4"), Value: []byte("not json {")})
	p2 := person("hukou", "p2", idB, "李四", "", t0.Add(time.Hour))
	p2.Fields["status"] = "迁出"
	h.produce(
		person("hukou", "p4", validID("11010519700707004"), "孙七", "", t0), // same key and partition as the poison message
		p2,
		deletion("hukou", "person", "p3", t0.Add(2*time.Hour)),
		income("e3", idB, "2026-10", "3200", t0.Add(time.Hour)),
		deletion("payroll", "employment", "e4", t0.Add(2*time.Hour)),
	)
}

func mustContain(t *testing.T, profile string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(profile, w) {
			t.Fatalf("profile lacks %q:\n%s", w, profile)
		}
	}
}

func mustNotContain(t *testing.T, profile string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(profile, b) {
			t.Fatalf("profile has %q:\n%s", b, profile)
		}
	}
}

// checkScenario asserts the profile the scenario must give.
func checkScenario(t *testing.T, p string) {
	t.Helper()
	mustContain(t, p,
		"hukou|p1|"+idA+"|张三|1980-01-01",
		"hukou|p2|"+idB+"|李四|", "|moved_out",
		"hukou|p4|", "census|c1|"+idA+"|张三|1980-01-01", "census|c2|"+idB+"|李思|",
		"payroll|e1|"+idA+"|2026-09-01|800000", "payroll|e2|"+idA+"|2026-10-01|850050", "payroll|e3|"+idB+"|2026-10-01|320000",
		"income: 1970050",
		"rejected: hukou|p5|id_number",
		"conflicts: "+idB+"|name|census=李思|hukou=李四",
	)
	mustNotContain(t, p, "hukou|p3|", "payroll|e4|", "hukou|p4|envelope", "300000", idA+"|name")
}

func TestEndToEndReplayAndDLQ(t *testing.T) {
	h := newHarness(t)
	h.produceScenario()
	r := h.runUntilIdle(h.cfg)
	first := h.profile()
	checkScenario(t, first)

	byName := map[string]DatasetStatus{}
	for _, s := range r.Status() {
		byName[s.Source] = s
	}
	if s := byName["hukou"]; s.Consumed != 8 || s.Loaded != 6 || s.Rejected != 2 || s.Lag != 0 || s.LastLoadedAt == nil {
		t.Fatalf("hukou status = %+v", s)
	}
	if s := byName["payroll"]; s.Consumed != 6 || s.Loaded != 6 || s.Rejected != 0 {
		t.Fatalf("payroll status = %+v", s)
	}

	letters := h.readDLQ("hukou", 2)
	reasons := map[string]schema.DeadLetter{}
	for _, d := range letters {
		reasons[d.Field] = d
	}
	if d := reasons["envelope"]; d.Reason == "" || string(d.Original) != "not json {" || d.RecordKey != "p4" || d.PipelineVersion != PipelineVersion || d.Topic != "raw.hukou" {
		t.Fatalf("poison dead letter = %+v", d)
	}
	if d := reasons["id_number"]; d.Reason == "" || d.RecordKey != "p5" || d.Dataset != "person" || len(d.Original) == 0 {
		t.Fatalf("id_number dead letter = %+v", d)
	}

	// Replay every topic from the start under a new consumer group.
	replay := *h.cfg
	replay.Pipelines.GroupID = "replay-" + randomID()
	h.runUntilIdle(&replay)
	if second := h.profile(); second != first {
		t.Fatalf("replay changed the profile:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
	// ingest_time is the Kafka message time: a replayed row is identical.
	if n := h.query(`SELECT toString(count()) FROM (SELECT uniqExact(ingest_time) AS versions FROM {db}.person
		GROUP BY id_number, source, record_key, source_time HAVING versions > 1)`); n != "0" {
		t.Fatalf("%s person rows got a different ingest_time on replay", n)
	}
	if n := h.query("SELECT toString(count()) FROM {db}.rejects FINAL"); n != "2" {
		t.Fatalf("rejects after replay = %s, want 2", n)
	}
}

func TestMappingFixReplayIsNotCountedTwice(t *testing.T) {
	h := newHarness(t)
	p := person("hukou", "p9", idA, "张三", "", t0)
	p.Fields["sex"] = "M"
	h.produce(p)
	h.runUntilIdle(h.cfg)
	if got := h.query("SELECT concat(record_key, '|', field) FROM {db}.rejects_current"); got != "p9|sex" {
		t.Fatalf("currently rejected = %q", got)
	}
	fixed := *h.cfg
	fixed.Sources = append([]config.Source(nil), h.cfg.Sources...)
	fixed.Sources[0].CodeMappings = map[string]map[string]string{"sex": {"M": "1"}}
	fixed.Pipelines.GroupID = "fixed-" + randomID()
	h.runUntilIdle(&fixed)
	if got := h.query("SELECT concat(record_key, '|', sex) FROM {db}.person FINAL"); got != "p9|1" {
		t.Fatalf("person after the fix = %q", got)
	}
	if got := h.query("SELECT toString(count()) FROM {db}.rejects_current"); got != "0" {
		t.Fatalf("still currently rejected: %s", got)
	}
}

func TestCrashBetweenInsertAndCommit(t *testing.T) {
	h := newHarness(t)
	h.produceScenario()
	var calls atomic.Int32
	crashed := make(chan struct{})
	var once sync.Once
	r, stop := h.start(h.cfg, hooks{beforeCommit: func() error {
		if calls.Add(1) == 1 {
			once.Do(func() { close(crashed) })
			return errors.New("killed")
		}
		return nil
	}})
	select {
	case <-crashed:
	case <-time.After(60 * time.Second):
		t.Fatal("no batch reached the commit")
	}
	if err := stop(); !errors.Is(err, errCrash) {
		t.Fatalf("Run = %v, want the crash", err)
	}
	// The batch reached ClickHouse but its offsets were not committed.
	if got := h.query("SELECT toString((SELECT count() FROM {db}.person) + (SELECT count() FROM {db}.employment) > 0)"); got != "1" {
		t.Fatal("nothing inserted before the crash")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if lag, err := r.refreshLag(ctx); err != nil || lag == 0 {
		t.Fatalf("lag after the crash = %d, %v; want uncommitted messages", lag, err)
	}
	// Restart with the same consumer group: the uncommitted messages are
	// consumed and inserted again.
	h.runUntilIdle(h.cfg)
	recovered := h.profile()
	checkScenario(t, recovered)
	replay := *h.cfg
	replay.Pipelines.GroupID = "replay-" + randomID()
	h.runUntilIdle(&replay)
	if again := h.profile(); again != recovered {
		t.Fatalf("profile after crash recovery differs from a replay:\n%s\n---\n%s", recovered, again)
	}
}

func TestClickHouseDownRetriesAndBoundsMemory(t *testing.T) {
	h := newHarness(t)
	const n = 300
	envs := make([]*schema.Envelope, n)
	for i := range envs {
		envs[i] = income(fmt.Sprintf("e%d", i), idA, "2026-10", "1.00", t0)
	}
	h.produce(envs...)
	var failures atomic.Int32
	var maxConsumed atomic.Int64
	var rp atomic.Pointer[Runner]
	r, stop := h.start(h.cfg, hooks{beforeInsert: func(table string) error {
		if failures.Add(1) <= 5 {
			var consumed int64
			if cur := rp.Load(); cur != nil {
				for _, s := range cur.Status() {
					consumed += s.Consumed
				}
			}
			maxConsumed.Store(max(maxConsumed.Load(), consumed))
			return errors.New("clickhouse down")
		}
		return nil
	}})
	rp.Store(r)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if failures.Load() < 6 {
		t.Fatalf("insert hook ran %d times, want at least 6", failures.Load())
	}
	// While inserts fail, the runner stops fetching: it holds at most one
	// batch (plus the message in hand).
	if mc := maxConsumed.Load(); mc > int64(h.cfg.Pipelines.BatchRows)+1 {
		t.Fatalf("consumed %d messages while ClickHouse was down, batch is %d", mc, h.cfg.Pipelines.BatchRows)
	}
	if got := h.query("SELECT toString(count()) FROM {db}.employment FINAL"); got != fmt.Sprint(n) {
		t.Fatalf("employment rows = %s, want %d", got, n)
	}
	if got := h.query("SELECT toString(sum(gross_income_fen)) FROM {db}.employment FINAL"); got != fmt.Sprint(n*100) {
		t.Fatalf("income = %s", got)
	}
}

// TestAcrossBatches loads records, then in a later run deletes some without
// an id_number (found in ClickHouse) and sends a person whose name differs
// from the stored record of another source.
func TestAcrossBatches(t *testing.T) {
	h := newHarness(t)
	h.produce(
		person("hukou", "p1", idA, "张三", "1980-01-01", t0),
		person("hukou", "p2", idB, "李四", "", t0),
		income("e1", idA, "2026-10", "100", t0),
		income("e2", idB, "2026-10", "200", t0),
	)
	h.runUntilIdle(h.cfg)
	h.produce(
		deletion("hukou", "person", "p2", t0.Add(time.Hour)),
		deletion("payroll", "employment", "e1", t0.Add(time.Hour)),
		person("census", "c1", idA, "张山", "1980-01-01", t0),
		// A birth date the ID number contradicts is rejected, not a conflict.
		person("census", "c9", idA, "张三", "1980-01-02", t0),
	)
	h.runUntilIdle(h.cfg)
	p := h.profile()
	mustContain(t, p, "hukou|p1|", "census|c1|", "payroll|e2|", "income: 20000",
		"conflicts: "+idA+"|name|census=张山|hukou=张三", "rejected: census|c9|birth_date")
	mustNotContain(t, p, "hukou|p2|", "payroll|e1|")
	// The tombstones carry the id_number the records were stored under.
	if got := h.query("SELECT concat(record_key, '|', id_number) FROM {db}.person FINAL WHERE deleted = 1"); got != "p2|"+idB {
		t.Fatalf("person tombstones = %q", got)
	}
}
