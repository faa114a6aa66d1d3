package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Checkpoints stores each source's cursor durably.
type Checkpoints interface {
	// Load returns the source's last saved cursor, "" if none.
	Load(source string) (string, error)
	// Save replaces the source's cursor; when it returns nil the cursor
	// survives a crash.
	Save(source, cursor string) error
}

// FileCheckpoints keeps one JSON file per source in a folder
// (<data_dir>/checkpoints/<source>.json), replaced atomically: write a temp
// file, fsync, rename over the old one, fsync the folder.
type FileCheckpoints struct {
	dir string
	// Cleaned lists the temp files of interrupted saves (a crash between
	// write and rename) that NewFileCheckpoints removed; the checkpoint
	// beside each is the last complete one.
	Cleaned []string
}

type checkpointFile struct {
	Source    string    `json:"source"`
	Cursor    string    `json:"cursor"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewFileCheckpoints creates dir if needed, removes the temp files that
// interrupted saves left there (".<source>.json.*.tmp", see
// WriteFileAtomic; listed in Cleaned) and returns the store. Only one
// process may use dir.
func NewFileCheckpoints(dir string) (*FileCheckpoints, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create checkpoint folder: %w", err)
	}
	stale, err := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if err != nil {
		return nil, fmt.Errorf("cannot list checkpoint temp files: %w", err)
	}
	c := &FileCheckpoints{dir: dir}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("cannot remove stale checkpoint temp file: %w", err)
		}
		c.Cleaned = append(c.Cleaned, filepath.Base(p))
	}
	return c, nil
}

func (c *FileCheckpoints) path(source string) string {
	return filepath.Join(c.dir, source+".json")
}

// Load implements Checkpoints.
func (c *FileCheckpoints) Load(source string) (string, error) {
	b, err := os.ReadFile(c.path(source))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot read checkpoint of %s: %w", source, err)
	}
	var f checkpointFile
	if err := json.Unmarshal(b, &f); err != nil {
		return "", fmt.Errorf("cannot decode checkpoint %s: %w", c.path(source), err)
	}
	return f.Cursor, nil
}

// Save implements Checkpoints.
func (c *FileCheckpoints) Save(source, cursor string) error {
	b, err := json.MarshalIndent(checkpointFile{Source: source, Cursor: cursor, UpdatedAt: time.Now().UTC()}, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode checkpoint of %s: %w", source, err)
	}
	if err := WriteFileAtomic(c.path(source), append(b, '\n')); err != nil {
		return fmt.Errorf("cannot save checkpoint of %s: %w", source, err)
	}
	return nil
}

// WriteFileAtomic replaces path with data so that a crash leaves either the
// old or the new content: temp file in the same folder, fsync, rename, fsync
// of the folder.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
