package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/residenthub/residenthub/messages"
)

// TestErrorKeysInCatalogue: every error the API's handlers build names a
// sentence of the message catalogue (package messages), so no answer falls
// back to a bare code or to English. It reads the package's source: each
// call of the error constructors with a literal key.
func TestErrorKeysInCatalogue(t *testing.T) {
	keyArg := map[string]int{"errBadRequest": 0, "errNotFound": 0, "errUnprocessable": 0, "errInternal": 0, "errUnavailable": 0, "errWith": 1}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			i, ok := keyArg[fn.Name]
			if !ok || len(call.Args) <= i {
				return true
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s without a literal catalogue key", fset.Position(call.Pos()), fn.Name)
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			seen++
			if !messages.Has(key) {
				t.Errorf("%s: key %q is not in the message catalogue (messages/errors.go)", fset.Position(call.Pos()), key)
			}
			return true
		})
	}
	if seen < 20 {
		t.Fatalf("found %d error keys: the test does not see the handlers", seen)
	}
	for _, key := range []string{"unauthenticated", "internal.encode"} { // built by httperr itself
		if !messages.Has(key) {
			t.Errorf("key %q is not in the message catalogue", key)
		}
	}
}
