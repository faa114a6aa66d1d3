package file

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/residenthub/residenthub/connectors/runtime"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var kinds = map[string]connectors.Factory{"file": New}

func source(t *testing.T, dir, extra string) []config.Source {
	return ct.Sources(t, fmt.Sprintf(`
- name: hukou
  kind: file
  dataset: person
  schedule: "@every 10s"
  key: [身份证号]
  source_time: 更新时间
  fields: {id_number: 身份证号, name: 姓名, household_id: 户号}
  settings:
    dir: %s
    settle: 1ms
    page_size: 10
%s`, dir, extra))
}

// csvRows writes n data rows after a header.
func csvRows(n int) string {
	var b strings.Builder
	b.WriteString("身份证号,姓名,户号,更新时间\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "ID%04d,张三%d,H%d,2026-11-01 10:00:00\r\n", i, i, i%5)
	}
	return b.String()
}

func writeOld(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestFormatsAndEncodings(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dir := t.TempDir()
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csvRows(12)))
	if err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "a_utf8_bom.csv"), append([]byte("\xEF\xBB\xBF"), csvRows(25)...))
	writeOld(t, filepath.Join(dir, "b_gbk.csv"), gbk)
	writeOld(t, filepath.Join(dir, "c.jsonl"), []byte(`{"身份证号":"J1","姓名":"李四","户号":7,"更新时间":"2026-11-01T02:00:00Z"}
{"身份证号":"","姓名":"无键"}

{"身份证号":"J2","姓名":"王五","户号":1.5e3}
`))
	x := excelize.NewFile()
	rows := [][]any{{"身份证号", "姓名", "户号", "更新时间"}, {"X1", "赵六", 12, "2026-11-01 10:00:00"}, {}, {"X2", "钱七", "H9"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.SaveAs(filepath.Join(dir, "d.xlsx")); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	os.Chtimes(filepath.Join(dir, "d.xlsx"), old, old)

	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, source(t, dir, ""))
	if err := h.Scheduler.RunNow(ctx, "hukou"); err != nil {
		t.Fatal(err)
	}
	envs := ct.Envelopes(t, ctx, brokers, "hukou")
	byKey := map[string]map[string]string{}
	for _, e := range envs {
		byKey[e.RecordKey] = e.Fields
	}
	if len(envs) != 25+12+2+2 || len(byKey) != 25+2+2 { // GBK file repeats keys ID0001..ID0012
		t.Fatalf("%d envelopes, %d keys", len(envs), len(byKey))
	}
	f := func(key, field, want string) {
		t.Helper()
		if got := byKey[key][field]; got != want {
			t.Fatalf("%s.%s = %q, want %q", key, field, got, want)
		}
	}
	f("ID0001", "name", "张三1")
	f("ID0012", "household_id", "H2")
	f("J1", "household_id", "7")
	f("J2", "household_id", "1500")
	f("X1", "name", "赵六")
	f("X1", "household_id", "12")
	f("X2", "household_id", "H9")
	for _, e := range envs {
		if e.RecordKey == "ID0001" && (e.SourceTime != time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC) || !strings.HasSuffix(e.Origin, ":2")) {
			t.Fatalf("ID0001: %+v", e)
		}
	}
	dead := ct.DeadLetters(t, ctx, brokers, "hukou")
	if len(dead) != 1 || dead[0].Origin != "c.jsonl:2" || strings.Contains(dead[0].Reason, "c.jsonl") {
		t.Fatalf("dead letters: %+v", dead)
	}
	for _, n := range []string{"a_utf8_bom.csv", "b_gbk.csv", "c.jsonl", "d.xlsx"} {
		if _, err := os.Stat(filepath.Join(dir, "done", n)); err != nil {
			t.Fatalf("%s not in done/: %v", n, err)
		}
	}
	// A second run finds nothing new.
	if err := h.Scheduler.RunNow(ctx, "hukou"); err != nil {
		t.Fatal(err)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "hukou")); n != len(envs) {
		t.Fatalf("second run published %d more", n-len(envs))
	}
}

func TestHalfWrittenAndUnreadable(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dir := t.TempDir()
	hs := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, ct.Sources(t, strings.Replace(
		sourceYAML(dir), "settle: 1ms", "settle: 30s", 1)))

	// A file being written: fresh mtime (settle 30s) and a .part download.
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte(csvRows(3)[:40]), 0o640); err != nil {
		t.Fatal(err)
	}
	writeOld(t, filepath.Join(dir, "b.csv.part"), []byte(csvRows(3)))
	if err := hs.Scheduler.RunNow(ctx, "hukou"); err != nil {
		t.Fatal(err)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "hukou")); n != 0 {
		t.Fatalf("read %d records of a file still being written", n)
	}
	// The writer finishes; once settled the file is read whole.
	writeOld(t, filepath.Join(dir, "a.csv"), []byte(csvRows(3)))
	// A broken CSV (a row with too many fields) and a truncated workbook.
	writeOld(t, filepath.Join(dir, "c.csv"), []byte(csvRows(2)+"ID9,x,y,z,extra\n"))
	writeOld(t, filepath.Join(dir, "d.xlsx"), []byte("PK\x03\x04 truncated"))
	err := hs.Scheduler.RunNow(ctx, "hukou")
	if err == nil || !strings.Contains(err.Error(), "c.csv moved to failed/") || !strings.Contains(err.Error(), "d.xlsx moved to failed/") {
		t.Fatalf("want failed files reported, got %v", err)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "hukou")); n != 3 {
		t.Fatalf("published %d, want the 3 rows of a.csv only", n)
	}
	note, err := os.ReadFile(filepath.Join(dir, "failed", "c.csv.error"))
	if err != nil || !bytes.Contains(note, []byte("wrong number of fields")) {
		t.Fatalf("c.csv.error: %q %v", note, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "failed", "d.xlsx.error")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.csv.part")); err != nil {
		t.Fatalf(".part file touched: %v", err)
	}
	st := hs.Scheduler.Status()[0]
	if st.Errors != 1 || st.RowsPulled != 3 {
		t.Fatalf("status: %+v", st)
	}
}

func sourceYAML(dir string) string {
	return fmt.Sprintf(`
- name: hukou
  kind: file
  dataset: person
  key: [身份证号]
  fields: {id_number: 身份证号, name: 姓名, household_id: 户号}
  settings:
    dir: %s
    settle: 1ms
    page_size: 10
`, dir)
}

// TestCrashBetweenPublishAndCheckpoint publishes a file with a checkpoint
// store that fails after the first page, then restarts: nothing is lost and
// at most one page (10 rows) is repeated.
func TestCrashBetweenPublishAndCheckpoint(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dir, dataDir := t.TempDir(), t.TempDir()
	// A row without key in the second page, the one the crash repeats.
	a := strings.Replace(csvRows(35), "ID0013,", ",无键,H0,2026-11-01 10:00:00\r\nID0013,", 1)
	writeOld(t, filepath.Join(dir, "a.csv"), []byte(a))
	writeOld(t, filepath.Join(dir, "b.csv"), []byte(strings.ReplaceAll(csvRows(5), "ID", "B")))
	fc, err := runtime.NewFileCheckpoints(filepath.Join(dataDir, "checkpoints"))
	if err != nil {
		t.Fatal(err)
	}
	crash := ct.NewHarness(t, brokers, dataDir, kinds, &ct.FailingCheckpoints{Checkpoints: fc, Allow: 1}, ct.Sources(t, sourceYAML(dir)))
	if err := crash.Scheduler.RunNow(ctx, "hukou"); err == nil {
		t.Fatal("want the injected crash")
	}
	if _, err := os.Stat(filepath.Join(dir, "a.csv")); err != nil {
		t.Fatal("a.csv moved although not checkpointed")
	}
	restarted := ct.NewHarness(t, brokers, dataDir, kinds, nil, ct.Sources(t, sourceYAML(dir)))
	if err := restarted.Scheduler.RunNow(ctx, "hukou"); err != nil {
		t.Fatal(err)
	}
	counts := ct.CountKeys(ct.Envelopes(t, ctx, brokers, "hukou"))
	repeats := 0
	for i := 1; i <= 35; i++ {
		n := counts[fmt.Sprintf("ID%04d", i)]
		if n == 0 {
			t.Fatalf("ID%04d lost", i)
		}
		repeats += n - 1
	}
	for i := 1; i <= 5; i++ {
		if counts[fmt.Sprintf("B%04d", i)] != 1 {
			t.Fatalf("B%04d published %d times", i, counts[fmt.Sprintf("B%04d", i)])
		}
	}
	if repeats == 0 || repeats > 10 {
		t.Fatalf("%d repeats, want 1..10 (one page)", repeats)
	}
	// The repeated dead letter is recognisable by its key.
	dead := ct.ReadTopic(t, ctx, brokers, "dlq.hukou")
	if len(dead) != 2 || len(dead[0].Key) == 0 || string(dead[0].Key) != string(dead[1].Key) {
		t.Fatalf("want the repeated dead letter twice with one key, got %d: %+v", len(dead), dead)
	}
	for _, n := range []string{"a.csv", "b.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "done", n)); err != nil {
			t.Fatalf("%s not done: %v", n, err)
		}
	}
}

func TestSettings(t *testing.T) {
	f := func(settings, wantErr string) {
		t.Helper()
		src := ct.Sources(t, sourceYAML("/tmp")+settings)[0]
		_, err := New(&src)
		if wantErr == "" && err != nil || wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)) {
			t.Fatalf("settings %q: err %v, want %q", settings, err, wantErr)
		}
	}
	f("", "")
	f("    format: xml\n", "settings.format")
	f("    encoding: latin1\n", "settings.encoding")
	f("    pattern: \"[\"\n", "settings.pattern")
	f("    delimiter: \";;\"\n", "settings.delimiter")
	f("    unknown: 1\n", "field unknown not found")
	f("    read_ahead: 0\n", "")
	f("    read_ahead: -1\n", "settings.read_ahead")
	f("    read_ahead: 9\n", "settings.read_ahead")
}

func TestSampleConfig(t *testing.T) {
	b, err := os.ReadFile("sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := ct.Sources(t, string(b))[0]
	if _, err := New(&src); err != nil {
		t.Fatal(err)
	}
}
