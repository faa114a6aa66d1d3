package pipelines

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/pipelines/record"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
)

// fakeConn satisfies driver.Conn for tests that never reach ClickHouse.
type fakeConn struct{ driver.Conn }

func TestNewStatusAndMetrics(t *testing.T) {
	cfg := config.Default()
	cfg.Sources = []config.Source{{Name: "hukou", Dataset: "person"}, {Name: "payroll", Dataset: "employment"}}
	reg := prometheus.NewRegistry()
	conn := fakeConn{}
	r, err := New(&cfg, conn, []string{"127.0.0.1:1"}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(&cfg, conn, []string{"127.0.0.1:1"}, reg, nil); err == nil {
		t.Fatal("second registration of the same metrics accepted")
	}
	if _, err := New(&cfg, conn, nil, nil, nil); err == nil {
		t.Fatal("no brokers accepted")
	}
	r.bySrc["hukou"].consumed.Add(3)
	r.bySrc["hukou"].lastLoaded.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	r.m.consumed.WithLabelValues("hukou", "person").Add(3)
	b, err := json.Marshal(r.Status())
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"source":"hukou","dataset":"person","consumed":3,"loaded":0,"rejected":0,"lag":-1,"last_loaded_at":"2026-01-02T03:04:05Z"},` +
		`{"source":"payroll","dataset":"employment","consumed":0,"loaded":0,"rejected":0,"lag":-1}]`
	if string(b) != want {
		t.Fatalf("status = %s\nwant     %s", b, want)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "residenthub_pipeline_consumed_total") {
		t.Fatalf("metrics = %s", got)
	}
}

func TestQuoteString(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := store.QuoteString(in); got != want {
			t.Fatalf("store.QuoteString(%q) = %s, want %s", in, got, want)
		}
	}
	f("a", `'a'`)
	f(`it's`, `'it\'s'`)
	f(`a\'b`, `'a\\\'b'`)
	f("", `''`)
}

func TestVersionOfUnknownBirthDate(t *testing.T) {
	env := &schema.Envelope{Source: "s", Dataset: "person", RecordKey: "k", Op: schema.OpUpsert,
		Fields: map[string]string{"id_number": idA, "name": "张三", "household_id": "H"}}
	row, _, err := record.Normalize(env, &config.Source{Name: "s", Dataset: "person"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{"name": 1, "birth_date": 3}
	if v := versionOf(row, idx); v.values["birth_date"] != "" || v.values["name"] != "张三" {
		t.Fatalf("version = %+v", v)
	}
}
