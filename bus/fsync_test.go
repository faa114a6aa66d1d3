package bus

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestLogSyncerSyncsWhatChanged: walking (no watcher), a pass fsyncs every
// file and folder it has not seen, then only what changed (or was modified
// within recentWindow of the pass before), and forgets removed files.
func TestLogSyncerSyncsWhatChanged(t *testing.T) {
	dir := t.TempDir()
	part := filepath.Join(dir, "raw.payroll-0")
	if err := os.MkdirAll(part, 0o750); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"00000000000000000000.log", "00000000000000000000.index", "groups.log"} {
		p := filepath.Join(part, f)
		if f == "groups.log" {
			p = filepath.Join(dir, f)
		}
		if err := os.WriteFile(p, []byte("batch"), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{part, dir} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	s := startLogSyncerWith(dir, time.Hour, false)
	defer s.close()
	sync := syncExpecting(t, s)
	sync(5) // 3 files, 2 folders
	sync(0) // nothing changed
	seg := filepath.Join(part, "00000000000000000000.log")
	f, err := os.OpenFile(seg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("next batch"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sync(1) // the appended segment
	sync(1) // modified within recentWindow of the pass before: synced again
	if err := os.Chtimes(seg, old, old); err != nil {
		t.Fatal(err)
	}
	sync(1) // its time changed
	sync(0)
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	sync(1) // the folder whose entry went
	if _, ok := s.seen[seg]; ok {
		t.Fatal("a removed file is still remembered")
	}
}

// TestLogSyncerWatchesChanges: with inotify, the first pass walks and the
// later ones fsync exactly the files written and the folders whose entries
// changed, including a folder created since and the files in it.
func TestLogSyncerWatchesChanges(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("inotify is Linux's")
	}
	dir := t.TempDir()
	part := filepath.Join(dir, "partitions", "audit-0")
	if err := os.MkdirAll(part, 0o750); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(part, "0.dat")
	for _, p := range []string{seg, filepath.Join(part, "0.idx"), filepath.Join(dir, "groups.log")} {
		if err := os.WriteFile(p, []byte("batch"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	s := startLogSyncer(dir, time.Hour)
	defer s.close()
	if s.watch == nil {
		t.Fatal("no inotify watcher")
	}
	sync := syncExpecting(t, s)
	appendTo := func(path string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o640)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("next batch"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	sync(6) // the walk: 3 files, 3 folders
	sync(0)
	appendTo(seg)
	appendTo(seg)
	sync(1) // the segment, once
	sync(0)
	appendTo(filepath.Join(dir, "groups.log"))
	sync(1)
	// A new partition whose file is written before the syncer sees the
	// folder: the partitions folder, the new folder and its file.
	newPart := filepath.Join(dir, "partitions", "audit-1")
	if err := os.Mkdir(newPart, 0o750); err != nil {
		t.Fatal(err)
	}
	appendTo(filepath.Join(newPart, "0.dat"))
	sync(3)
	appendTo(filepath.Join(newPart, "0.dat"))
	sync(1) // watched now
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	sync(1) // the folder whose entry went
	if s.walks != 1 {
		t.Fatalf("%d walks, want only the first pass's", s.walks)
	}
}

// syncExpecting returns a function that asks s for a pass and fails the
// test unless the pass fsynced want paths.
func syncExpecting(t *testing.T, s *logSyncer) func(want int) {
	return func(want int) {
		t.Helper()
		before := s.fsyncs
		if err := s.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.fsyncs - before; got != want {
			t.Fatalf("pass fsynced %d paths, want %d", got, want)
		}
	}
}

// TestLogSyncerGroupCommit: producers asking at the same moment share passes
// (at most one running and one waiting), and every one is answered.
func TestLogSyncerGroupCommit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seg.log"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	s := startLogSyncer(dir, time.Hour)
	const callers = 64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	start := make(chan struct{})
	for range callers {
		wg.Go(func() {
			<-start
			errs <- s.Sync(context.Background())
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s.close() // the last pass runs in close; counters are read after it
	if s.passes >= callers {
		t.Fatalf("%d callers took %d passes: no group commit", callers, s.passes)
	}
	if err := s.Sync(context.Background()); err != errSyncerClosed {
		t.Fatalf("Sync after close: %v", err)
	}
}

// TestDurableWithEmbeddedBroker: a bus.Writer's WriteMessages returns after
// a group-commit pass of an embedded broker of this process, and once the
// broker is closed its address no longer waits on a syncer.
func TestDurableWithEmbeddedBroker(t *testing.T) {
	e, err := StartEmbeddedWith(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Partitions: 1, FsyncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := EnsureTopics(ctx, e.Brokers(), 1, "raw.t"); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(e.Brokers())
	defer w.Close()
	before := e.syncer.passes
	if err := w.WriteMessages(ctx, kafka.Message{Topic: "raw.t", Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if e.syncer.passes == before {
		t.Fatal("WriteMessages returned without a sync pass")
	}
	if e.syncer.fsyncs == 0 {
		t.Fatal("no file of the log was fsynced")
	}
	e.Close()
	if _, ok := inProcess.Load(e.addr); ok {
		t.Fatal("a closed broker is still registered")
	}
	if err := Durable(ctx, e.Brokers()); err != nil {
		t.Fatalf("Durable for a closed broker: %v", err)
	}
}
