package pipelines

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// pension is one envelope of the social-insurance feed keyed by the ID
// number column 身份证号; the key is spelled as the department sent it.
func pension(key, yuan string, op schema.Operation, at time.Time) *schema.Envelope {
	env := &schema.Envelope{Source: "hrss", Dataset: "social_insurance", RecordKey: key, Op: op, SourceTime: at, Fields: map[string]string{}}
	if op == schema.OpUpsert {
		env.Fields = map[string]string{"id_number": key, "insurance_type": "养老", "status": "领取", "monthly_pension_fen": yuan}
	}
	return env
}

// currentPensions lists the current social_insurance records of the person
// (by-person read): "record_key|monthly_pension_fen" lines.
func (h *harness) currentPensions() string {
	h.t.Helper()
	return h.query(`SELECT concat(record_key, '|', toString(monthly_pension_fen)) FROM {db}.social_insurance FINAL
		WHERE id_number = '11010519450303102X' AND deleted = 0 AND (source, record_key, source_time) IN
			(SELECT source, record_key, max(source_time) FROM {db}.social_insurance WHERE id_number = '11010519450303102X' GROUP BY source, record_key)
		ORDER BY record_key`)
}

// TestRecordKeySpellings: a department that spells one record's key
// differently (lower-case x, upper-case X, 15 digits) updates and deletes
// one record, stored under the canonical key; dead letters and the loads
// bookkeeping keep the key as sent; a replay changes nothing.
func TestRecordKeySpellings(t *testing.T) {
	h := newHarness(t)
	h.cfg.Sources = append(h.cfg.Sources, config.Source{Name: "hrss", Kind: "file", Dataset: "social_insurance", Key: []string{"身份证号"},
		Fields: map[string]string{"id_number": "身份证号", "insurance_type": "险种", "status": "状态", "monthly_pension_fen": "养老金"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.EnsureTopics(ctx, h.brokers, 2, schema.RawTopic("hrss"), schema.DLQTopic("hrss")); err != nil {
		t.Fatal(err)
	}

	h.produce(
		pension("11010519450303102x", "600.00", schema.OpUpsert, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)),
		pension("11010519450303102X", "650.00", schema.OpUpsert, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)),
	)
	h.runUntilIdle(h.cfg)
	if got, want := h.currentPensions(), "11010519450303102X|65000"; got != want {
		t.Fatalf("after two spellings of one record: current = %q, want %q", got, want)
	}

	// An update by the 15-digit spelling, then a delete (no id_number, so
	// the owner comes from its canonical record key: record_owner keeps no
	// rows of a source keyed by the id_number, migration 0130) by the
	// lower-case spelling; a bad value rejected under the raw key.
	bad := pension("110105450303102", "six hundred", schema.OpUpsert, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	h.produce(pension("110105450303102", "700.00", schema.OpUpsert, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)))
	h.runUntilIdle(h.cfg)
	if got, want := h.currentPensions(), "11010519450303102X|70000"; got != want {
		t.Fatalf("after the 15-digit spelling: current = %q, want %q", got, want)
	}
	h.produce(bad, pension("11010519450303102x", "", schema.OpDelete, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)))
	h.runUntilIdle(h.cfg)
	if got := h.currentPensions(); got != "" {
		t.Fatalf("after a delete with the other spelling: current = %q, want none", got)
	}
	if n := h.query("SELECT toString(count()) FROM {db}.record_owner WHERE source = 'hrss'"); n != "0" {
		t.Fatalf("record_owner holds %s rows of a source keyed by the id_number, want none", n)
	}
	if got := h.query("SELECT arrayStringConcat(groupUniqArray(record_key), ',') FROM {db}.social_insurance"); got != "11010519450303102X" {
		t.Fatalf("stored record keys = %q, want the canonical one", got)
	}
	if d := h.readDLQ("hrss", 1)[0]; d.RecordKey != "110105450303102" || d.Field != "monthly_pension_fen" {
		t.Fatalf("dead letter = %+v, want the raw record key", d)
	}
	// The loads, in the analysts' intake, are under the keys as sent.
	loads := h.query("SELECT arrayStringConcat(arraySort(groupUniqArray(record_key_hash)), ',') FROM {analytics_db}.intake_history WHERE source = 'hrss' AND outcome = 'loaded'")
	var sent []string
	for _, k := range []string{"11010519450303102X", "11010519450303102x", "110105450303102"} {
		sent = append(sent, store.Pseudonym(h.cfg.ClickHouse.PseudonymSalt, k))
	}
	sort.Strings(sent)
	if want := strings.Join(sent, ","); loads != want {
		t.Fatalf("loaded record key pseudonyms = %q, want those of the keys as sent %q", loads, want)
	}

	before := h.query(`SELECT arrayStringConcat(arraySort(groupArray(concat(id_number, '|', record_key, '|', toString(source_time), '|',
		toString(deleted), '|', toString(monthly_pension_fen), '|', toString(ingest_time)))), '\n') FROM {db}.social_insurance FINAL`)
	replay := *h.cfg
	replay.Pipelines.GroupID = "replay-" + randomID()
	h.runUntilIdle(&replay)
	after := h.query(`SELECT arrayStringConcat(arraySort(groupArray(concat(id_number, '|', record_key, '|', toString(source_time), '|',
		toString(deleted), '|', toString(monthly_pension_fen), '|', toString(ingest_time)))), '\n') FROM {db}.social_insurance FINAL`)
	if before != after {
		t.Fatalf("replay changed the rows:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
