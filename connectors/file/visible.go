package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/residenthub/residenthub/config"
)

// Failed lists the files of a file source's failed/ folder (not the .error
// notes beside them), sorted: the deliveries that were not loaded and wait
// for an operator. wait-loaded and report show them, so a failed file is
// never missed. No failed/ folder: none.
func Failed(src *config.Source) ([]string, error) {
	p, err := New(src)
	if err != nil {
		return nil, fmt.Errorf("cannot read settings of source %s: %w", src.Name, err)
	}
	entries, err := os.ReadDir(filepath.Join(p.(*Conn).s.Dir, "failed"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("source %s: cannot list failed/: %w", src.Name, err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".error") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// skippedIn lists the drop folder's entries (as listed by Conn.list) that
// match the pattern but are not regular files (folders, symbolic links,
// devices), which Pull does not read: it logs them, so a delivery dropped
// as a folder or a link is not silently ignored.
func (c *Conn) skippedIn(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.Type().IsRegular() || strings.HasPrefix(name, ".") || name == "done" || name == "failed" {
			continue
		}
		if ok, _ := filepath.Match(c.s.Pattern, name); ok {
			out = append(out, name)
		}
	}
	return out
}
