package runtime

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
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
		env, reason := MapRow(testSource(), connectors.Row{Values: vals, Origin: "x.csv:2"}, pulled)
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
	f("flattened object key", connectors.Flatten(map[string]any{"SFZH": "1", "HH": map[string]any{"a": json.Number("1")}}), "", "", time.Time{}, nil,
		`key column "HH" is a JSON object; it must be a string or a number`)
	f("array key", map[string]any{"SFZH": []any{"1"}, "HH": "2"}, "", "", time.Time{}, nil,
		`key column "SFZH" is a JSON array; it must be a string or a number`)
	f("dotted neighbour", map[string]any{"SFZH": "1", "HH": "2", "HH.x": "3"}, "1|2", schema.OpUpsert, pulled,
		map[string]string{"id_number": "1", "household_id": "2"}, "")
	f("bad time", map[string]any{"SFZH": "1", "HH": "2", "GXSJ": "yesterday"}, "", "", time.Time{}, nil,
		`source_time column "GXSJ": cannot parse time "yesterday" (want RFC 3339, "2006-01-02 15:04:05" or a date)`)
	f("db time", map[string]any{"SFZH": "1", "HH": "2", "GXSJ": time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}, "1|2", schema.OpUpsert,
		time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), map[string]string{"id_number": "1", "household_id": "2"}, "")
	f("every problem named", map[string]any{"SFZH": "", "HH": []any{"x"}, "GXSJ": "yesterday"}, "", "", time.Time{}, nil,
		`key column "SFZH" is empty; key column "HH" is a JSON array; it must be a string or a number; `+
			`source_time column "GXSJ": cannot parse time "yesterday" (want RFC 3339, "2006-01-02 15:04:05" or a date)`)
	// Undecodable text is rejected naming every column, keys included, so
	// two different bad keys never merge into one record.
	f("replacement char in key", map[string]any{"SFZH": "1", "HH": "\uFFFD", "XM": "张\uFFFD"}, "", "", time.Time{}, nil,
		`column "HH" contains U+FFFD (a character that could not be decoded; check the source's encoding); `+
			`column "XM" contains U+FFFD (a character that could not be decoded; check the source's encoding)`)
	f("invalid UTF-8 bytes", map[string]any{"SFZH": "1", "HH": []byte{0xff, 0xfe}}, "", "", time.Time{}, nil,
		`column "HH" is not valid UTF-8`)
	f("invalid column name", map[string]any{"SFZH": "1", "HH": "2", "X\xff": "3"}, "", "", time.Time{}, nil,
		"column name \"X\uFFFD\" is not valid UTF-8")
	f("U+FFFD inside a nested value", map[string]any{"SFZH": "1", "HH": "2", "ADDR": map[string]any{"street": "\uFFFD"}}, "", "", time.Time{}, nil,
		`column "ADDR" contains U+FFFD (a character that could not be decoded; check the source's encoding)`)
	f("invalid column name of a number", map[string]any{"SFZH": "1", "HH": "2", "N\xff": 3.5}, "", "", time.Time{}, nil,
		"column name \"N\uFFFD\" is not valid UTF-8")
	f("numbers, booleans and times are text", map[string]any{"SFZH": "1", "HH": uint16(2), "XM": true, "OTHER": time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "N": json.Number("1e3")},
		"1|2", schema.OpUpsert, pulled, map[string]string{"id_number": "1", "household_id": "2", "name": "true"}, "")
}

// FuzzMapRow checks MapRow never panics and that every envelope it returns
// is valid and keyed by the trimmed key columns.
func FuzzMapRow(f *testing.F) {
	f.Add("110105199001011234", "7", "2026-11-01 10:00:00", "D", 1.5)
	f.Add("", " ", "x", "", math.NaN())
	f.Add("a|b", "c", "1793498400", "注销", 1e300)
	src := testSource()
	f.Fuzz(func(t *testing.T, id, hh, ts, op string, num float64) {
		row := connectors.Row{Values: map[string]any{"SFZH": id, "HH": hh, "GXSJ": ts, "ZT": op, "XM": num}}
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

// TestMapRowSourceTimeLayouts: a source's explicit layouts and zone read
// its source_time (US style, New York), and only they do.
func TestMapRowSourceTimeLayouts(t *testing.T) {
	src := testSource()
	src.Times = &config.TimeFormats{Fields: map[string][]string{"source_time": {"01/02/2006 03:04:05 PM"}}}
	row := func(v string) connectors.Row {
		return connectors.Row{Values: map[string]any{"SFZH": "1", "HH": "2", "GXSJ": v}}
	}
	env, reason := MapRow(src, row("06/26/2018 10:58:54 AM"), time.Now())
	if reason != "" || !env.SourceTime.Equal(time.Date(2018, 6, 26, 2, 58, 54, 0, time.UTC)) {
		t.Fatalf("%v %q", env.SourceTime, reason)
	}
	if _, reason := MapRow(src, row("2018-06-26 10:58:54"), time.Now()); !strings.Contains(reason, "does not match the source's layouts") {
		t.Fatalf("ISO value with US layouts: %q", reason)
	}
}
