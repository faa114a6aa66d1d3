package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/residenthub/residenthub/connectors/runtime"
)

var update = flag.Bool("update", false, "rewrite testcases/*/expected.jsonl from what the kind emits")

// caseLine is one line of a test case's expected.jsonl: a record published
// to raw.<source> (origin, record_key, op, source_time, fields), a record
// sent to dlq.<source> (origin, rejected: the reason), or a file the kind
// could not read (failed: the run's error).
type caseLine struct {
	Origin     string            `json:"origin,omitempty"`
	RecordKey  string            `json:"record_key,omitempty"`
	Op         string            `json:"op,omitempty"`
	SourceTime string            `json:"source_time,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Rejected   string            `json:"rejected,omitempty"`
	Failed     string            `json:"failed,omitempty"`
}

// casePulledAt is the pull time of every test case: the source time of
// records without a source_time value.
var casePulledAt = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

// TestCases runs the folders of testcases/ (Telegraf style), one subtest
// each: config.yaml is a list holding one file source whose settings.dir is
// "." (the case's drop folder); the case's input* files are copied into a
// fresh drop folder, the kind reads it in one run, and each row it emits is
// mapped to its envelope as the runtime would (runtime.MapRow, pulled at
// casePulledAt). expected.jsonl lists the outcome in the order emitted, one
// caseLine per record, then the run's error if a file failed. go test
// -run TestCases -update rewrites expected.jsonl; review the diff.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testcases", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runCase(t, dir)
			path := filepath.Join(dir, "expected.jsonl")
			if *update {
				var b bytes.Buffer
				for _, l := range got {
					line, _ := json.Marshal(l)
					b.Write(append(line, '\n'))
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readCaseLines(t, path)
			for i := 0; i < max(len(got), len(want)); i++ {
				var g, w caseLine
				if i < len(got) {
					g = got[i]
				}
				if i < len(want) {
					w = want[i]
				}
				if !reflect.DeepEqual(g, w) {
					gb, _ := json.Marshal(g)
					wb, _ := json.Marshal(w)
					t.Errorf("line %d:\n got  %s\n want %s", i+1, gb, wb)
				}
			}
		})
	}
}

// runCase copies the case's input files into a drop folder and runs the
// kind on it once.
func runCase(t *testing.T, dir string) []caseLine {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srcs := ct.Sources(t, string(cfg))
	if len(srcs) != 1 || srcs[0].Kind != "file" {
		t.Fatalf("config.yaml: want one file source, got %d", len(srcs))
	}
	src := srcs[0]
	drop := t.TempDir()
	src.BaseDir = drop
	inputs, err := filepath.Glob(filepath.Join(dir, "input*"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no input files in %s", dir)
	}
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		writeOld(t, filepath.Join(drop, filepath.Base(in)), b)
	}
	p, err := New(&src)
	if err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	var out []caseLine
	run := connectors.NewTestRun(&src, "", func(_ context.Context, rows []connectors.Row, bad []connectors.BadRecord, _ string) (connectors.EmitResult, error) {
		res := connectors.EmitResult{}
		for _, row := range rows {
			env, reason := runtime.MapRow(&src, row, casePulledAt)
			if reason != "" {
				out = append(out, caseLine{Origin: row.Origin, Rejected: reason})
				res.Rejected = append(res.Rejected, connectors.Rejection{Origin: row.Origin, Reason: reason})
				continue
			}
			out = append(out, caseLine{Origin: env.Origin, RecordKey: env.RecordKey, Op: string(env.Op),
				SourceTime: env.SourceTime.Format(time.RFC3339Nano), Fields: env.Fields})
			res.Accepted++
		}
		for _, b := range bad {
			out = append(out, caseLine{Origin: b.Origin, Rejected: b.Reason})
			res.Rejected = append(res.Rejected, connectors.Rejection{Bad: true, Origin: b.Origin, Reason: b.Reason})
		}
		return res, nil
	})
	if err := p.Pull(context.Background(), run); err != nil {
		out = append(out, caseLine{Failed: err.Error()})
	}
	return out
}

func readCaseLines(t *testing.T, path string) []caseLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestCases -update writes it)", err)
	}
	defer f.Close()
	var out []caseLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l caseLine
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
