package connectors

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

func testSource() *config.Source {
	return &config.Source{
		Name: "hukou", Kind: "file", Dataset: "person",
		Key:        []string{"SFZH", "HH"},
		SourceTime: "GXSJ",
		Op:         config.OpColumn{Column: "ZT", DeleteValues: []string{"D", "注销"}},
		Fields:     map[string]string{"id_number": "SFZH", "name": "XM", "household_id": "HH"},
	}
}

func TestMapRow(t *testing.T) {
	pulled := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	f := func(name string, vals map[string]any, wantKey string, wantOp schema.Operation, wantTime time.Time, wantFields map[string]string, wantReason string) {
		t.Helper()
		env, reason := MapRow(testSource(), Row{Values: vals, Origin: "x.csv:2"}, pulled)
		if reason != wantReason {
			t.Fatalf("%s: reason %q, want %q", name, reason, wantReason)
		}
		if reason != "" {
			return
		}
		if env.RecordKey != wantKey || env.Op != wantOp || !env.SourceTime.Equal(wantTime) || env.Origin != "x.csv:2" {
			t.Fatalf("%s: got key %q op %s time %s", name, env.RecordKey, env.Op, env.SourceTime)
		}
		if len(env.Fields) != len(wantFields) {
			t.Fatalf("%s: fields %v, want %v", name, env.Fields, wantFields)
		}
		for k, v := range wantFields {
			if env.Fields[k] != v {
				t.Fatalf("%s: field %s = %q, want %q", name, k, env.Fields[k], v)
			}
		}
		if err := env.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	f("plain", map[string]any{"SFZH": "110105199001011234", "HH": int64(7), "XM": "张三", "GXSJ": "2026-11-01 10:00:00", "OTHER": "x"},
		"110105199001011234|7", schema.OpUpsert, time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC),
		map[string]string{"id_number": "110105199001011234", "name": "张三", "household_id": "7"}, "")
	f("key trimmed, null omitted, no source time", map[string]any{"SFZH": " 1 ", "HH": []byte("2"), "XM": nil},
		"1|2", schema.OpUpsert, pulled, map[string]string{"id_number": " 1 ", "household_id": "2"}, "")
	f("delete", map[string]any{"SFZH": "1", "HH": "2", "ZT": "注销"}, "1|2", schema.OpDelete, pulled,
		map[string]string{"id_number": "1", "household_id": "2"}, "")
	f("delete case-insensitive", map[string]any{"SFZH": "1", "HH": "2", "ZT": " d "}, "1|2", schema.OpDelete, pulled,
		map[string]string{"id_number": "1", "household_id": "2"}, "")
	f("empty key", map[string]any{"SFZH": "1", "HH": "  "}, "", "", time.Time{}, nil, `key column "HH" is empty`)
	f("missing key", map[string]any{"SFZH": "1"}, "", "", time.Time{}, nil, `key column "HH" is empty`)
	f("object key", map[string]any{"SFZH": "1", "HH": map[string]any{"a": 1}}, "", "", time.Time{}, nil,
		`key column "HH" is a JSON object; it must be a string or a number`)
	f("flattened object key", Flatten(map[string]any{"SFZH": "1", "HH": map[string]any{"a": json.Number("1")}}), "", "", time.Time{}, nil,
		`key column "HH" is a JSON object; it must be a string or a number`)
	f("array key", map[string]any{"SFZH": []any{"1"}, "HH": "2"}, "", "", time.Time{}, nil,
		`key column "SFZH" is a JSON array; it must be a string or a number`)
	f("dotted neighbour", map[string]any{"SFZH": "1", "HH": "2", "HH.x": "3"}, "1|2", schema.OpUpsert, pulled,
		map[string]string{"id_number": "1", "household_id": "2"}, "")
	f("bad time", map[string]any{"SFZH": "1", "HH": "2", "GXSJ": "yesterday"}, "", "", time.Time{}, nil,
		`source_time column "GXSJ": cannot parse time "yesterday" (want RFC 3339, "2006-01-02 15:04:05" or a date)`)
	f("db time", map[string]any{"SFZH": "1", "HH": "2", "GXSJ": time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}, "1|2", schema.OpUpsert,
		time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), map[string]string{"id_number": "1", "household_id": "2"}, "")
}

func TestFormatValue(t *testing.T) {
	f := func(v any, want string, wantOK bool) {
		t.Helper()
		got, ok := FormatValue(v)
		if got != want || ok != wantOK {
			t.Fatalf("FormatValue(%#v) = %q, %v; want %q, %v", v, got, ok, want, wantOK)
		}
	}
	f(nil, "", false)
	f([]byte(nil), "", false)
	f("a", "a", true)
	f([]byte("é"), "é", true)
	f(json.Number("1e21"), "1000000000000000000000", true)
	f(json.Number("1.5E-3"), "0.0015", true)
	f(json.Number("12345678901234567890"), "12345678901234567890", true)
	f(float64(1e21), "1000000000000000000000", true)
	f(float64(0.1), "0.1", true)
	f(float32(2.5), "2.5", true)
	f(math.Inf(1), "+Inf", true)
	f(int64(-3), "-3", true)
	f(uint8(200), "200", true)
	f(true, "true", true)
	f(time.Date(2026, 1, 2, 11, 4, 5, 0, Shanghai), "2026-01-02T03:04:05Z", true)
	f(time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC), "2026-01-02T03:04:05.12Z", true)
	f(map[string]any{"b": 1, "a": "x"}, `{"a":"x","b":1}`, true)
	f([]any{json.Number("1"), "x"}, `[1,"x"]`, true)
}

func TestParseSourceTime(t *testing.T) {
	f := func(in string, want time.Time) {
		t.Helper()
		got, err := ParseSourceTime(in)
		if err != nil {
			t.Fatalf("ParseSourceTime(%q): %v", in, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("ParseSourceTime(%q) = %s, want %s", in, got, want)
		}
	}
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	f("2026-11-01T02:00:00Z", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01T10:00:00+08:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 10:00:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 10:00:00.5", utc(2026, 11, 1, 2, 0, 0, 500000000))
	f("2026-11-01T10:00:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 10:00:00+08", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01 02:00:00.123456+00", utc(2026, 11, 1, 2, 0, 0, 123456000))
	f("2026-11-01 10:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026/11/1 10:00:00", utc(2026, 11, 1, 2, 0, 0, 0))
	f("20261101100000", utc(2026, 11, 1, 2, 0, 0, 0))
	f("2026-11-01", utc(2026, 10, 31, 16, 0, 0, 0))
	f("20261101", utc(2026, 10, 31, 16, 0, 0, 0))
	f("1793498400", utc(2026, 11, 1, 2, 0, 0, 0))
	f("1793498400000", utc(2026, 11, 1, 2, 0, 0, 0))
	for _, bad := range []string{"", "x", "2026-13-01", "123"} {
		if _, err := ParseSourceTime(bad); err == nil {
			t.Fatalf("ParseSourceTime(%q): no error", bad)
		}
	}
}

// FuzzMapRow checks MapRow never panics and that every envelope it returns
// is valid and keyed by the trimmed key columns.
func FuzzMapRow(f *testing.F) {
	f.Add("110105199001011234", "7", "2026-11-01 10:00:00", "D", 1.5)
	f.Add("", " ", "x", "", math.NaN())
	f.Add("a|b", "c", "1793498400", "注销", 1e300)
	src := testSource()
	f.Fuzz(func(t *testing.T, id, hh, ts, op string, num float64) {
		row := Row{Values: map[string]any{"SFZH": id, "HH": hh, "GXSJ": ts, "ZT": op, "XM": num}}
		env, reason := MapRow(src, row, time.Unix(0, 0))
		if reason != "" {
			return
		}
		if err := env.Validate(); err != nil {
			t.Fatalf("invalid envelope: %v", err)
		}
		if env.SourceTime.Location() != time.UTC {
			t.Fatalf("source time not UTC: %s", env.SourceTime)
		}
		if _, err := env.Marshal(); err != nil {
			t.Fatal(err)
		}
	})
}
