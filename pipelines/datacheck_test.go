package pipelines

import (
	"context"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// TestCrossChecksReject loads, through Kafka and ClickHouse, records that
// contradict their ID number or the schema: each is rejected naming the
// field (rejects table), and the real ones beside them load.
func TestCrossChecksReject(t *testing.T) {
	h := newHarness(t)
	female := person("hukou", "p1", idA, "张三", "", t0) // idA's 17th digit is odd: male
	female.Fields["sex"] = "2"
	made := person("hukou", "p2", validID("11019919800101001"), "李四", "", t0)      // 110199: in no edition of GB/T 2260
	abolished := person("hukou", "p3", validID("11010419800101003"), "王五", "", t0) // 宣武区, abolished 2010: real
	abolished.Fields["sex"] = "1"
	garbled := person("hukou", "p\uFFFD", idB, "赵六", "", t0)
	deposit := asset("a1", idA, "deposit", t0)
	deposit.Fields["value_fen"] = "-1"
	h.produce(female, made, abolished, garbled, income("e1", idA, "2026-10", "-200", t0), deposit)
	h.runUntilIdle(h.cfg)

	want := "a1|value_fen\ne1|gross_income_fen\np1|sex\np2|id_number\np\uFFFD|household_id,record_key" // household_id is "H"+key: every undecodable field is named
	if got := h.query("SELECT concat(record_key, '|', field) FROM {db}.rejects FINAL ORDER BY record_key"); got != want {
		t.Fatalf("rejects:\n%s\nwant:\n%s", got, want)
	}
	if got := h.query("SELECT concat(record_key, '|', sex) FROM {db}.person FINAL"); got != "p3|1" {
		t.Fatalf("person = %q", got)
	}
	for _, table := range []string{"employment", "asset"} {
		if n := h.query("SELECT toString(count()) FROM {db}." + table); n != "0" {
			t.Fatalf("%s has %s rows", table, n)
		}
	}
}

// TestHotlineAreaAndAddress: a hotline feed without GB/T 2260 codes keeps
// its free-text area and the address (migration 0070).
func TestHotlineAreaAndAddress(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.EnsureTopics(ctx, h.brokers, 2, schema.RawTopic("hotline"), schema.DLQTopic("hotline")); err != nil {
		t.Fatal(err)
	}
	h.cfg.Sources = append(h.cfg.Sources, config.Source{Name: "hotline", Kind: "push", Dataset: "hotline_ticket", Key: []string{"id"}})
	h.produce(&schema.Envelope{Source: "hotline", Dataset: "hotline_ticket", RecordKey: "T1", Op: schema.OpUpsert, SourceTime: t0,
		Fields: map[string]string{"ticket_id": "T1", "time": "2026-10-31 09:15:00", "area": "朝阳区 望京街道 花家地社区", "address": "花家地小区5号楼"}})
	h.runUntilIdle(h.cfg)
	if got := h.query("SELECT concat(ticket_id, '|', community_code, '|', area, '|', address) FROM {db}.hotline_ticket FINAL"); got != "T1||朝阳区 望京街道 花家地社区|花家地小区5号楼" {
		t.Fatalf("hotline_ticket = %q", got)
	}
}

// TestCurrentCountAfterOwnerMove: when a record moves to another owner, the
// old owner's tombstone and the new owner's row share a source_time; the
// record still counts once as current (store.CurrentRowCounts, residenthub
// report), however the tie falls.
func TestCurrentCountAfterOwnerMove(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 5; i++ {
		key := "car" + string(rune('0'+i))
		h.produce(asset(key, idA, "vehicle", t0), asset(key, idB, "vehicle", t0.Add(time.Hour)))
	}
	h.runUntilIdle(h.cfg)
	if n := h.query("SELECT toString(count()) FROM {db}.asset WHERE deleted = 1"); n != "5" {
		t.Fatalf("%s tombstones, want 5", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	counts, err := store.CurrentRowCounts(ctx, h.conn, h.cfg.ClickHouse)
	if err != nil {
		t.Fatal(err)
	}
	if counts["asset"] != 5 {
		t.Fatalf("current assets = %d, want 5", counts["asset"])
	}
}
