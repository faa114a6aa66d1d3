package file

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/xuri/excelize/v2"
)

// TestHeaderLacksKey checks that a file whose header lacks a key column (a
// wrong file, or UTF-8 read as GBK) is not read: it moves to failed/ with a
// note naming the missing column and quoting the header found, nothing of it is
// published or dead-lettered, and the run reports it.
func TestHeaderLacksKey(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	dir, gbkDir := t.TempDir(), t.TempDir()
	writeOld(t, filepath.Join(dir, "a_ok.csv"), []byte(csvRows(3)))
	writeOld(t, filepath.Join(dir, "b_wrong.csv"), []byte("ID,姓名,户号\r\n1,张三,H1\r\n2,李四,H2\r\n"))
	writeOld(t, filepath.Join(dir, "d.jsonl"), []byte(`{"ID":"1","姓名":"张三"}`+"\n")) // no header: rows dead-lettered as before
	x := excelize.NewFile()
	for i, r := range [][]any{{"证件号码", "姓名"}, {"X1", "赵六"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.SaveAs(filepath.Join(dir, "c.xlsx")); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	os.Chtimes(filepath.Join(dir, "c.xlsx"), old, old)
	writeOld(t, filepath.Join(gbkDir, "utf8.csv"), []byte(csvRows(3))) // UTF-8, configured as GBK

	sources := source(t, dir, "")
	sources = append(sources, ct.Sources(t, strings.Replace(strings.Replace(sourceYAML(gbkDir), "name: hukou", "name: hukou_gbk", 1),
		"page_size: 10", "page_size: 10\n    encoding: gbk", 1))...)
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, sources)

	err := h.Scheduler.RunNow(ctx, "hukou")
	if err == nil || !strings.Contains(err.Error(), "b_wrong.csv moved to failed/") || !strings.Contains(err.Error(), "c.xlsx moved to failed/") ||
		strings.Contains(err.Error(), "a_ok.csv") || strings.Contains(err.Error(), "d.jsonl") {
		t.Fatalf("want b_wrong.csv and c.xlsx reported, got %v", err)
	}
	note := func(dir, name string, want ...string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "failed", name+".error"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				t.Fatalf("%s.error lacks %q:\n%s", name, w, b)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "failed", name)); err != nil {
			t.Fatal(err)
		}
	}
	note(dir, "b_wrong.csv", `header lacks key column "身份证号" (found 3 columns`, `header found: "ID", "姓名", "户号"`)
	note(dir, "c.xlsx", `header lacks key column "身份证号" (found 2 columns`, `header found: "证件号码", "姓名"`)
	for _, n := range []string{"a_ok.csv", "d.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, "done", n)); err != nil {
			t.Fatalf("%s not in done/: %v", n, err)
		}
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "hukou")); n != 3 {
		t.Fatalf("published %d, want the 3 rows of a_ok.csv", n)
	}
	if d := ct.DeadLetters(t, ctx, brokers, "hukou"); len(d) != 1 || d[0].Origin != "d.jsonl:1" {
		t.Fatalf("dead letters: %+v", d)
	}
	if st := h.Scheduler.Status()[0]; !strings.Contains(st.LastError, "b_wrong.csv moved to failed/") {
		t.Fatalf("status: %+v", st)
	}

	err = h.Scheduler.RunNow(ctx, "hukou_gbk")
	if err == nil || !strings.Contains(err.Error(), "utf8.csv moved to failed/") {
		t.Fatalf("want the garbled header reported, got %v", err)
	}
	note(gbkDir, "utf8.csv", `header lacks key column "身份证号"`, "is settings.encoding wrong (read as GBK)")
	if n := len(ct.ReadTopic(t, ctx, brokers, "raw.hukou_gbk")) + len(ct.ReadTopic(t, ctx, brokers, "dlq.hukou_gbk")); n != 0 {
		t.Fatalf("%d messages from a garbled file", n)
	}
}

// TestHeaderLacksMappedColumns checks that mapped columns missing from the
// header are logged once per file and the file is still published.
func TestHeaderLacksMappedColumns(t *testing.T) {
	dir := t.TempDir()
	writeOld(t, filepath.Join(dir, "a.csv"), []byte("身份证号,户号\r\n1,H1\r\n2,H2\r\n"))
	src := source(t, dir, "")[0]
	c, err := New(&src)
	if err != nil {
		t.Fatal(err)
	}
	var published int
	run := connectors.NewTestRun(&src, "", func(_ context.Context, rows []connectors.Row, _ []connectors.BadRecord, _ string) (connectors.EmitResult, error) {
		published += len(rows)
		return connectors.EmitResult{Accepted: len(rows)}, nil
	})
	var logs bytes.Buffer
	run.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if err := c.Pull(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	if published != 2 {
		t.Fatalf("published %d", published)
	}
	if n := strings.Count(logs.String(), "file header lacks mapped columns"); n != 1 {
		t.Fatalf("%d warnings:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), `missing="[姓名 更新时间]"`) {
		t.Fatalf("warning does not name 姓名 and 更新时间:\n%s", logs.String())
	}
}

// TestHeaderlessFileKeepsValuesOutOfLogs drops CSV files without a header
// row: their first line is a resident record, which the header check must
// not put in the log or in the error the run returns (the scheduler logs it
// and serves it as last_error). The .error note beside the failed file
// quotes what was found there.
func TestHeaderlessFileKeepsValuesOutOfLogs(t *testing.T) {
	record := []string{"110104197101170956", "黎然", "男", "汉族", "1971-01-17", "北京市朝阳区望京街道花家地北里3号楼",
		"13911112222", "H0001", "户主", "群众", "已婚", "2026-11-01 10:00:00"}
	twice := []string{"110105198003040011", "罗晓梅", "女", "1980-03-04", "1980-03-04", "13800001111"} // a repeated value
	dir := t.TempDir()
	writeOld(t, filepath.Join(dir, "a_headerless.csv"), []byte(strings.Join(record, ",")+"\r\n"+strings.Join(record, ",")+"\r\n"))
	writeOld(t, filepath.Join(dir, "b_repeated.csv"), []byte(strings.Join(twice, ",")+"\r\n"))
	src := source(t, dir, "")[0]
	c, err := New(&src)
	if err != nil {
		t.Fatal(err)
	}
	run := connectors.NewTestRun(&src, "", func(_ context.Context, rows []connectors.Row, _ []connectors.BadRecord, _ string) (connectors.EmitResult, error) {
		t.Fatalf("published %d rows of a headerless file", len(rows))
		return connectors.EmitResult{}, nil
	})
	var logs bytes.Buffer
	run.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	err = c.Pull(context.Background(), run)
	if err == nil {
		t.Fatal("want the headerless files reported")
	}
	for _, want := range []string{`header lacks key column "身份证号"`, "found 12 columns", "see failed/a_headerless.csv.error",
		"is the first line data rather than a header", "b_repeated.csv moved to failed/", "header columns 4 and 5 have the same name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	for _, v := range append(record, twice...) {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error quotes cell value %q: %v", v, err)
		}
		if strings.Contains(logs.String(), v) {
			t.Errorf("log quotes cell value %q:\n%s", v, logs.String())
		}
	}
	for name, want := range map[string]string{
		"a_headerless.csv": `header found: "110104197101170956", "黎然", "男"`,
		"b_repeated.csv":   `"1980-03-04"`,
	} {
		b, err := os.ReadFile(filepath.Join(dir, "failed", name+".error"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s.error lacks %q:\n%s", name, want, b)
		}
	}
}
