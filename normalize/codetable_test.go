package normalize

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedCodeTablesMatchShared(t *testing.T) {
	entries, err := codeTableFiles.ReadDir("codetables")
	if err != nil || len(entries) != 3 {
		t.Fatalf("embedded code tables: %v, %d files", err, len(entries))
	}
	for _, e := range entries {
		shared, err := os.ReadFile(filepath.Join("/work/shared/data/code_tables", e.Name()))
		if err != nil {
			t.Skipf("shared data not available: %v", err)
		}
		embedded, _ := codeTableFiles.ReadFile("codetables/" + e.Name())
		if !bytes.Equal(shared, embedded) {
			t.Fatalf("codetables/%s differs from the shared copy", e.Name())
		}
	}
}

func TestEmbeddedTables(t *testing.T) {
	f := func(tab *CodeTable, n int, code, name string) {
		t.Helper()
		if got := len(tab.Codes()); got != n {
			t.Fatalf("table has %d codes, want %d", got, n)
		}
		if got := tab.Name(code); got != name {
			t.Fatalf("Name(%q) = %q, want %q", code, got, name)
		}
	}
	f(Sex(), 4, "1", "男性")
	f(Ethnicity(), 58, "01", "汉族")
	f(RelationToHead(), 84, "02", "户主")
	if RelationToHead().Name("03") != "" {
		t.Fatal("Name of an unknown code must be empty")
	}
}

func TestCodeTableNormalize(t *testing.T) {
	dept := map[string]string{"M": "1", "F": "2", "汉": "01", "X": "7", "其它民族": "97"}
	f := func(tab *CodeTable, in, want string) {
		t.Helper()
		got, err := tab.Normalize(in, dept)
		if err != nil || got != want {
			t.Fatalf("Normalize(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	f(Sex(), "1", "1")
	f(Sex(), "01", "1")
	f(Sex(), " １ ", "1")
	f(Sex(), "男", "1")
	f(Sex(), "男性", "1")
	f(Sex(), "女", "2")
	f(Sex(), "未知", "0")
	f(Sex(), "未说明的性别", "9")
	f(Sex(), "M", "1") // department mapping
	f(Sex(), "F", "2")
	f(Ethnicity(), "01", "01")
	f(Ethnicity(), "1", "01")
	f(Ethnicity(), "001", "01")
	f(Ethnicity(), "汉", "01")
	f(Ethnicity(), "汉族", "01")
	f(Ethnicity(), "蒙古", "02")
	f(Ethnicity(), "HA", "01")
	f(Ethnicity(), "ha", "01")
	f(Ethnicity(), "崩龙族", "46")
	f(Ethnicity(), "毛难族", "36")
	f(Ethnicity(), "乌兹别克族", "43")
	f(Ethnicity(), "其它", "97")
	f(Ethnicity(), "其它民族", "97")
	f(Ethnicity(), "外国血统中国籍人士", "98")
	f(RelationToHead(), "2", "02")
	f(RelationToHead(), "户主", "02")
	f(RelationToHead(), "长子", "22")

	bad := func(tab *CodeTable, in, field, reason string) {
		t.Helper()
		_, err := tab.Normalize(in, dept)
		var e *Error
		if !errors.As(err, &e) || e.Field != field || !strings.Contains(e.Reason, reason) {
			t.Fatalf("Normalize(%q): got %v, want %s error containing %q", in, err, field, reason)
		}
	}
	bad(Sex(), "", FieldSex, "empty")
	bad(Sex(), "3", FieldSex, "unknown")
	bad(Sex(), "X", FieldSex, "department mapping gives 7")
	bad(Ethnicity(), "59", FieldEthnicity, "unknown")
	f(Ethnicity(), "57", "97")
	f(Ethnicity(), "58", "98")
	f(Ethnicity(), "０５８", "98")
	bad(Ethnicity(), "100", FieldEthnicity, "unknown")
	bad(Ethnicity(), "火星族", FieldEthnicity, "unknown")
	bad(RelationToHead(), "03", FieldRelationToHead, "unknown")
}

func TestLoadCodeTable(t *testing.T) {
	tab, err := LoadCodeTable(strings.NewReader("\uFEFFcode\tname\tnote\taliases\r\nA\tAlpha\tx\tFirst; Primary\r\n\r\nB\tBeta\t\t\nC\t甲性\nD\t甲族\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := func(in, want string) {
		t.Helper()
		got, err := tab.Normalize(in, nil)
		if want == "" {
			var e *Error
			if !errors.As(err, &e) || e.Field != FieldCode {
				t.Fatalf("Normalize(%q) = %q, %v, want code error", in, got, err)
			}
			return
		}
		if err != nil || got != want {
			t.Fatalf("Normalize(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	f("A", "A")
	f("alpha", "A")
	f("primary", "A")
	f("x", "") // "note" is neither an alias nor a code column
	f("甲", "") // short name of two codes: ambiguous, accepted for neither
	f("1", "") // codes are not numeric: no padding

	for _, in := range []string{"", "code\tname\n", "code\tname\nA\n", "code\tname\nA\tx\nA\ty\n", "code\tname\n\tx\n"} {
		if _, err := LoadCodeTable(strings.NewReader(in)); err == nil {
			t.Fatalf("LoadCodeTable(%q): want error", in)
		}
	}
}

func FuzzCodeTableNormalize(f *testing.F) {
	for _, s := range []string{"1", "01", "男", "汉", "HA", "崩龙族", "０１", "", "001", "99"} {
		f.Add(s)
	}
	tables := []*CodeTable{Sex(), Ethnicity(), RelationToHead()}
	f.Fuzz(func(t *testing.T, in string) {
		for _, tab := range tables {
			code, err := tab.Normalize(in, nil)
			if err != nil {
				if e := (*Error)(nil); !errors.As(err, &e) || e.Reason == "" {
					t.Fatalf("Normalize(%q): error %v is not an *Error", in, err)
				}
				continue
			}
			if tab.Name(code) == "" {
				t.Fatalf("Normalize(%q) = %q, not a code of the table", in, code)
			}
			if again, err := tab.Normalize(code, nil); err != nil || again != code {
				t.Fatalf("Normalize(%q) = %q, which re-normalizes to %q, %v", in, code, again, err)
			}
		}
	})
}

func FuzzLoadCodeTable(f *testing.F) {
	f.Add("code\tname\n1\t男性\n", "男")
	f.Add("code\tname\tletter_code\taliases\n01\t汉族\tHA\t汉,汉人\n", "1")
	f.Fuzz(func(t *testing.T, table, value string) {
		tab, err := LoadCodeTable(strings.NewReader(table))
		if err != nil {
			return
		}
		if code, err := tab.Normalize(value, nil); err == nil && tab.Name(code) == "" {
			t.Fatalf("Normalize(%q) = %q, not a code of the table", value, code)
		}
	})
}
