package file

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

// TestJSONFiles: a .json file holding a top-level array is read item by
// item; a .json file holding JSON lines is still read as lines; broken
// arrays move to failed/ with a note saying what is wrong.
func TestJSONFiles(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dir := t.TempDir()
	files := map[string]string{
		"a.json": `
  [
    {"身份证号": "A1", "姓名": "甲", "户号": "H1"},
    {"身份证号": "", "姓名": "无键"},
    {"身份证号": "A2", "姓名": "乙", "户号": 12345678901234567890}
  ]
`,
		"b.json": `{"身份证号":"B1","姓名":"丙","户号":"H2"}` + "\n" + `{"身份证号":"B2","姓名":"丁","户号":"H2"}` + "\n",
		"c.json": `[{"身份证号":"C1"},`,
		"d.json": `[{"身份证号":"D1"}, 5]`,
		"e.json": `[{"身份证号":"E1"}] {"身份证号":"E2"}`,
		"f.json": " [ ] ",
	}
	for name, data := range files {
		writeOld(t, filepath.Join(dir, name), []byte(data))
	}
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, ct.Sources(t, sourceYAML(dir)))
	err := h.Scheduler.RunNow(ctx, "hukou")
	for _, n := range []string{"c.json", "d.json", "e.json"} {
		if err == nil || !strings.Contains(err.Error(), n+" moved to failed/") {
			t.Fatalf("want %s failed, got %v", n, err)
		}
	}
	envs := ct.Envelopes(t, ctx, brokers, "hukou")
	byKey := map[string]map[string]string{}
	for _, e := range envs {
		byKey[e.RecordKey] = e.Fields
	}
	if len(envs) != 4 || byKey["A1"]["name"] != "甲" || byKey["A2"]["household_id"] != "12345678901234567890" || byKey["B2"]["name"] != "丁" {
		t.Fatalf("envelopes: %v", byKey)
	}
	dead := ct.DeadLetters(t, ctx, brokers, "hukou")
	if len(dead) != 1 || dead[0].Origin != "a.json[1]" {
		t.Fatalf("dead letters: %+v", dead)
	}
	for _, n := range []string{"a.json", "b.json", "f.json"} {
		if _, err := os.Stat(filepath.Join(dir, "done", n)); err != nil {
			t.Fatalf("%s not in done/: %v", n, err)
		}
	}
	for n, want := range map[string]string{
		"c.json": `after item 0: the file ends before the closing "]"`,
		"d.json": "item 1 is a JSON number, not an object",
		"e.json": "more data after the JSON array",
	} {
		note, err := os.ReadFile(filepath.Join(dir, "failed", n+".error"))
		if err != nil || !bytes.Contains(note, []byte(want)) {
			t.Fatalf("%s.error = %q (%v), want %q", n, note, err, want)
		}
	}
}

// TestJSONRecordLimit: a JSON line or array item over 16 MiB makes the file
// unreadable with an error naming the limit, without reading it whole.
func TestJSONRecordLimit(t *testing.T) {
	big := func(n int) string { return `{"身份证号":"X","pad":"` + strings.Repeat("x", n) + `"}` }
	f := func(name, format, data, want string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		rr, err := openRecords(path, name, format, "utf-8", "", ',')
		if err != nil {
			t.Fatal(err)
		}
		defer rr.Close()
		for {
			_, err = rr.Next()
			if err != nil {
				break
			}
		}
		if want == "" && err != io.EOF || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Fatalf("%s: %v, want %q", name, err, want)
		}
	}
	f("ok.jsonl", "jsonl", big(10)+"\n"+big(1<<20)+"\n", "")
	f("ok.json", "json", "["+big(10)+","+big(1<<20)+"]", "")
	f("long.jsonl", "jsonl", big(10)+"\n"+big(17<<20)+"\n", "line 2 is longer than 16 MiB")
	f("long.json", "json", "["+big(10)+","+big(17<<20)+"]", "item 1 is larger than 16 MiB")
	f("just.json", "json", "["+big(16<<20)+"]", "item 0 is larger than 16 MiB")
}
