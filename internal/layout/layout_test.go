package layout

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/residenthub/residenthub/"

// TestDependencies checks the rules of the README's architecture section
// on the non-test imports of every package of the module:
//   - a connector kind imports the contract (connectors), never the runtime
//     that runs it (connectors/runtime);
//   - connectors never import ClickHouse code, and the API never imports
//     connectors;
//   - the demo generator and its dibao oracle import nothing of the hub but
//     schema (the oracle must stay independent of eligibility), and only
//     its own command links it: the hub binary does not.
func TestDependencies(t *testing.T) {
	f := func(pkg string, forbidden func(imp string) bool, why string) {
		t.Helper()
		for _, imp := range imports(t, pkg) {
			if forbidden(imp) {
				t.Errorf("%s imports %s: %s", pkg, imp, why)
			}
		}
	}
	pkgs := packages(t)
	for _, pkg := range pkgs {
		switch {
		case under(pkg, "connectors/sql", "connectors/http", "connectors/file", "connectors/push"):
			f(pkg, func(imp string) bool { return under(imp, "connectors/runtime") }, "a kind implements the contract and never imports the runtime")
		case under(pkg, "api"):
			f(pkg, func(imp string) bool { return under(imp, "connectors") }, "the API never imports connectors")
		case under(pkg, "internal/demo"):
			f(pkg, func(imp string) bool { return strings.HasPrefix(imp, module) && imp != module+"schema" },
				"the demo generator and its oracle use nothing of the hub but schema")
		case pkg != "cmd/residenthub-demo":
			f(pkg, func(imp string) bool { return under(imp, "internal/demo") }, "only residenthub-demo links the demo generator")
		}
		if under(pkg, "connectors") {
			f(pkg, func(imp string) bool {
				return under(imp, "store") || strings.HasPrefix(imp, "github.com/ClickHouse/")
			}, "connectors never import ClickHouse code")
		}
	}
	if len(pkgs) < 20 {
		t.Fatalf("found %d packages: %v", len(pkgs), pkgs)
	}
}

// under reports whether pkg (module-relative or a full import path) is one
// of dirs or below one of them.
func under(pkg string, dirs ...string) bool {
	pkg = strings.TrimPrefix(pkg, module)
	for _, d := range dirs {
		if pkg == d || strings.HasPrefix(pkg, d+"/") {
			return true
		}
	}
	return false
}

// packages lists the module's package folders, module-relative.
func packages(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "..")
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "var") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		if p, err := build.ImportDir(path, 0); err == nil && len(p.GoFiles) > 0 {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// imports returns the non-test imports of the package in folder pkg.
func imports(t *testing.T, pkg string) []string {
	t.Helper()
	p, err := build.ImportDir(filepath.Join("..", "..", filepath.FromSlash(pkg)), 0)
	if err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	return p.Imports
}
