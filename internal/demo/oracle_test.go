package demo

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOracleIsIndependent: the truth's dibao decisions (dibao.go) are the
// oracle the hub's eligibility engine is checked against, so the generator
// must not use that engine, nor the hub's normalizers or pipelines: it may
// import the schema (dataset and zone definitions) and nothing else of the
// hub.
func TestOracleIsIndependent(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/residenthub/residenthub/") && path != "github.com/residenthub/residenthub/schema" {
				t.Errorf("%s imports %s: the demo generator and its oracle must stay independent of the hub", name, path)
			}
		}
	}
}
