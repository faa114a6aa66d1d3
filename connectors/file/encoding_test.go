package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestLosslessDecoding reads real files in each encoding setting: a "GBK"
// export that carries GB18030-only characters (the ・ of a minority name, the
// rare character 𪚥) keeps them, and a row with bytes no decoder can read is
// a dead letter naming the column, never an envelope with U+FFFD.
func TestLosslessDecoding(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	text := "身份证号,姓名,户号,更新时间\r\n" +
		"G1,阿卜杜・热合曼,H1,2026-11-01 10:00:00\r\n" +
		"G2,张𪚥,H2,2026-11-01 10:00:00\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	bad := append(append([]byte(nil), gb...), []byte("G3,李\xff\xfe,H3,2026-11-01 10:00:00\r\n")...)
	for _, enc := range []string{"gbk", "gb18030", "auto"} {
		t.Run(enc, func(t *testing.T) {
			dir := t.TempDir()
			writeOld(t, filepath.Join(dir, "hukou_"+enc+".csv"), bad)
			srcs := source(t, dir, "    encoding: "+enc)
			srcs[0].Name = "hukou_" + enc
			h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, srcs)
			if err := h.Scheduler.RunNow(ctx, srcs[0].Name); err != nil {
				t.Fatal(err)
			}
			names := map[string]string{}
			for _, e := range ct.Envelopes(t, ctx, brokers, srcs[0].Name) {
				names[e.RecordKey] = e.Fields["name"]
			}
			if len(names) != 2 || names["G1"] != "阿卜杜・热合曼" || names["G2"] != "张𪚥" {
				t.Fatalf("names %q", names)
			}
			dead := ct.DeadLetters(t, ctx, brokers, srcs[0].Name)
			if len(dead) != 1 || !strings.Contains(dead[0].Reason, `column "姓名" contains U+FFFD`) {
				t.Fatalf("dead letters %+v", dead)
			}
			if _, err := os.Stat(filepath.Join(dir, "done", "hukou_"+enc+".csv")); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("utf-8", func(t *testing.T) {
		// Declared UTF-8 but not: the file is unreadable (failed/), nothing
		// of it is published with replacement characters.
		dir := t.TempDir()
		writeOld(t, filepath.Join(dir, "hukou_utf8.csv"), bad)
		srcs := source(t, dir, "    encoding: utf-8")
		srcs[0].Name = "hukou_utf8"
		h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, srcs)
		_ = h.Scheduler.RunNow(ctx, srcs[0].Name)
		for _, e := range ct.Envelopes(t, ctx, brokers, srcs[0].Name) {
			if strings.ContainsRune(e.Fields["name"], '\uFFFD') {
				t.Fatalf("stored %q", e.Fields["name"])
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "failed", "hukou_utf8.csv")); err != nil {
			t.Fatal(err)
		}
	})
}
