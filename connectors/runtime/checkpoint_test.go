package runtime

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCheckpointsCleanStaleTemp: a crash between writing a checkpoint's temp
// file and renaming it leaves ".<source>.json.<n>.tmp"; the next start
// removes it, keeps the checkpoint beside it, and leaves other files alone.
func TestCheckpointsCleanStaleTemp(t *testing.T) {
	dir := t.TempDir()
	c, err := NewFileCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save("hukou", "cursor-1"); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{".hukou.json.123456.tmp": `{"source":"hukou","cur`, "notes.txt": "kept"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err = NewFileCheckpoints(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Cleaned, []string{".hukou.json.123456.tmp"}) {
		t.Fatalf("Cleaned = %v", c.Cleaned)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(hidden) != 0 || len(left) != 2 {
		t.Fatalf("folder holds %v and %v, want hukou.json and notes.txt", left, hidden)
	}
	if cur, err := c.Load("hukou"); err != nil || cur != "cursor-1" {
		t.Fatalf("Load = %q, %v", cur, err)
	}
}
