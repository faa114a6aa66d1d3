package profile

import (
	"testing"
	"time"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/schema"
)

// TestParseField: the strings of the reads (fieldExpr) convert back to the
// fields' values: ClickHouse's zero Date ("0000-00-00") and the epoch month
// are unknown, ISO dates parse, "" is unknown, DateTime arrives as Unix
// seconds, integers as decimals.
func TestParseField(t *testing.T) {
	month := schema.Field{Name: "period", Kind: schema.KindMonth}
	iso := schema.Field{Name: "since", Kind: schema.KindDate}
	f := func(fl schema.Field, s string, want facts.Date) {
		t.Helper()
		v, err := parseField(fl, s)
		d, _ := v.(facts.Date)
		if err != nil || !d.Equal(want.Time) || d.IsZero() != want.IsZero() {
			t.Errorf("%v %q: %v, %v; want %v", fl, s, v, err, want)
		}
	}
	f(month, "0000-00-00", facts.Date{})
	f(month, "1970-01-01", facts.Date{})
	f(month, "2024-02-01", facts.Date{Time: day("2024-02-01")})
	f(iso, "", facts.Date{})
	f(iso, "1940-01-01", facts.Date{Time: day("1940-01-01")})
	if _, err := parseField(iso, "not a date"); err == nil {
		t.Error("bad ISO date accepted")
	}

	dt := schema.Field{Name: "health_code_time", Kind: schema.KindDateTime}
	if v, err := parseField(dt, "1709251200"); err != nil || !v.(time.Time).Equal(day("2024-03-01")) || v.(time.Time).Location() != time.UTC {
		t.Errorf("DateTime: %v, %v", v, err)
	}
	if v, err := parseField(dt, "0"); err != nil || !v.(time.Time).IsZero() {
		t.Errorf("DateTime epoch: %v, %v (want unknown)", v, err)
	}
	fen := schema.Field{Name: "n", Kind: schema.KindFen}
	if v, err := parseField(fen, "-1234567890123"); err != nil || v != int64(-1234567890123) {
		t.Errorf("fen: %v, %v", v, err)
	}
	if v, err := parseField(schema.Field{Name: "g", Kind: schema.KindInt}, "2"); err != nil || v != int64(2) {
		t.Errorf("int: %v, %v", v, err)
	}
	b := schema.Field{Name: "b", Kind: schema.KindBool}
	if v, err := parseField(b, "1"); err != nil || v != true {
		t.Errorf("bool: %v, %v", v, err)
	}
	if _, err := parseField(b, "300"); err == nil {
		t.Error("UInt8 overflow accepted")
	}
	if got := fieldExpr(dt); got != "toString(toUnixTimestamp(health_code_time))" {
		t.Errorf("expr %s", got)
	}
}

// TestRecordFollowsSchema: a row's values land in the fields of the
// dataset's schema order, also for a field a later schema line adds; a row
// stored before that field existed reads it as the zero value.
func TestRecordFollowsSchema(t *testing.T) {
	ds := schema.Datasets["residence"]
	ds.Fields = append(append([]schema.Field(nil), ds.Fields...), schema.Field{Name: "floor_area_m2", Kind: schema.KindInt})
	def := facts.NewDef(ds, "residences")
	if n := len(valueFields(def)); n != len(ds.Fields)-1 {
		t.Fatalf("%d value fields", n)
	}
	row := dsRow{ds: "residence", id: "110105198001010016", vals: []string{"朝阳区某街道1号", "110105001001", "2019-05-01", "property", "63"},
		bk: bookkeeping{source: "access", recordKey: "A", sourceTime: day("2024-03-01"), ingestTime: day("2024-03-02")}}
	r, err := record(def, &row)
	if err != nil {
		t.Fatal(err)
	}
	if r.Str("id_number") != row.id || r.Int("floor_area_m2") != 63 || r.Str("evidence_kind") != "property" ||
		r.Evidence != (facts.Evidence{Dataset: "residence", Source: "access", RecordKey: "A", SourceTime: day("2024-03-01"), IngestTime: day("2024-03-02")}) {
		t.Fatalf("record %v %+v", r.Values, r.Evidence)
	}
	row.vals = row.vals[:4]
	if r, err = record(def, &row); err != nil || r.Int("floor_area_m2") != 0 {
		t.Fatalf("older row: %v, %v", r.Values, err)
	}
	row.vals = append(row.vals, "1", "2")
	if _, err = record(def, &row); err == nil {
		t.Fatal("more values than fields accepted")
	}
}
