package kinds

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestKindsImportOnlyTheContract: a kind implements the connectors
// contract and is run by connectors/runtime; it never imports the runtime
// (its tests may), so the runtime can change without touching a kind.
func TestKindsImportOnlyTheContract(t *testing.T) {
	for _, kind := range []string{"sql", "http", "file", "push"} {
		files, err := filepath.Glob(filepath.Join("..", kind, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("kind %s: no files (%v)", kind, err)
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
				if path, _ := strconv.Unquote(imp.Path.Value); path == "github.com/residenthub/residenthub/connectors/runtime" {
					t.Errorf("%s imports the connector runtime", name)
				}
			}
		}
	}
}
