package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// goBenchPackages hold the Go benchmarks of the hot functions
// (bench_test.go in each).
var goBenchPackages = []string{"./normalize/", "./schema/", "./connectors/", "./connectors/runtime/", "./pipelines/record/", "./pipelines/arrowbatch/", "./eligibility/"}

// goBenchmarks runs the Go benchmarks with -benchmem (the go command of
// deploy/local/go.sh, in the repository) and returns their figures.
func goBenchmarks(ctx context.Context, o *Options) ([]GoBench, error) {
	goBin, err := exec.CommandContext(ctx, filepath.Join(o.Repo, "deploy", "local", "go.sh")).Output()
	if err != nil {
		return nil, fmt.Errorf("gobench: cannot find the go command (deploy/local/go.sh): %w", err)
	}
	o.logf("gobench: go test -run '^$' -bench . -benchmem %s", strings.Join(goBenchPackages, " "))
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1"}, goBenchPackages...)
	cmd := exec.CommandContext(ctx, strings.TrimSpace(string(goBin)), args...)
	cmd.Dir = o.Repo
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gobench: %w: %s", err, lastLines(out.String(), 20))
	}
	return parseGoBench(out.String()), nil
}

// parseGoBench reads `go test -bench -benchmem` output: "pkg: ..." lines
// name the package of the benchmark lines that follow.
func parseGoBench(out string) []GoBench {
	var res []GoBench
	pkg := ""
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		b := GoBench{Package: pkg, Name: f[0]}
		if i := strings.LastIndexByte(b.Name, '-'); i > 0 {
			b.Name = b.Name[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				b.NsPerOp = v
			case "B/op":
				b.BytesPerOp = v
			case "allocs/op":
				b.AllocsPerOp = v
			}
		}
		res = append(res, b)
	}
	return res
}
