package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The file readers get whatever a department drops. For any bytes they must
// not panic, and every row they return holds valid UTF-8 values (never a
// replacement character the input did not have) with an origin naming the
// file; anything else is an error. Seeds: testcases/*/input.* and
// testdata/fuzz/<target>/.

// readAll opens data as one format and reads at most 10,000 rows.
func readAll(t *testing.T, data []byte, name, format, enc string) {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rr, err := openRecords(path, name, format, enc, "", ',')
	if err != nil {
		return
	}
	defer rr.Close()
	inputFFFD := strings.ContainsRune(string(data), utf8.RuneError)
	for range 10000 {
		row, err := rr.Next()
		if err != nil {
			return
		}
		if !strings.HasPrefix(row.Origin, name) {
			t.Fatalf("origin %q does not name the file %s", row.Origin, name)
		}
		for k, v := range row.Values {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if !utf8.ValidString(k) || !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q: %q", k, s)
			}
			if enc == "utf-8" && !inputFFFD && (strings.ContainsRune(s, utf8.RuneError) || strings.ContainsRune(k, utf8.RuneError)) {
				t.Fatalf("replacement character in %q: %q", k, s)
			}
		}
	}
}

func addSeeds(f *testing.F, glob string) {
	paths, _ := filepath.Glob(filepath.Join("testcases", "*", glob))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func FuzzCSVReader(f *testing.F) {
	addSeeds(f, "input.csv")
	f.Add([]byte("身份证号,姓名\n110105198001010016,张三\n"))
	f.Add([]byte("a,b\n\"x\ny\",\"z\"\"\"\n1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, data, "drop.csv", "csv", "utf-8")
		readAll(t, data, "drop.csv", "csv", "gbk")
	})
}

func FuzzJSONLinesReader(f *testing.F) {
	addSeeds(f, "input.jsonl")
	addSeeds(f, "input.json")
	f.Add([]byte(`{"id_number":"110105198001010016","name":"张三","a":{"b":[1,2]}}` + "\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, data, "drop.jsonl", "jsonl", "utf-8")
		readAll(t, data, "drop.json", "json", "utf-8")
	})
}

func FuzzXLSXReader(f *testing.F) {
	addSeeds(f, "input.xlsx")
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(t, data, "drop.xlsx", "xlsx", "utf-8")
	})
}
