package bus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// logSyncer is the embedded broker's group commit when it does not fsync
// every batch itself: kfake acknowledges a produce once the batch is written
// to the operating system (it survives the crash of any process, kill -9
// included), and the syncer fsyncs the log files that changed, every
// interval and whenever a producer asks (Sync). Callers that ask while a pass
// runs share the next one, so one fsync per file serves every producer of
// that moment, and kfake's request loop never waits for the disk.
//
// Which files changed comes from inotify (logWatcher); the first pass, and
// any pass after the watcher failed or the kernel dropped events, walks the
// whole folder and compares each file with its state when last synced.
type logSyncer struct {
	dir      string
	interval time.Duration
	reqs     chan chan error
	stop     chan struct{}
	done     chan struct{}
	watch    *logWatcher          // nil: every pass walks
	walked   bool                 // a walking pass ran since the watcher started
	seen     map[string]fileState // path → its state at the pass that synced it (walks)
	lastPass time.Time
	// passes, walks and fsyncs count the work done (tests).
	passes, walks, fsyncs int
}

type fileState struct {
	size int64
	mod  time.Time
}

// errWatchOverflow: the kernel dropped inotify events (logWatcher); the
// syncer walks instead.
var errWatchOverflow = errors.New("inotify queue overflowed")

// errSyncerClosed is returned by Sync after the broker was closed.
var errSyncerClosed = errors.New("the embedded broker is closed")

func startLogSyncer(dir string, interval time.Duration) *logSyncer {
	return startLogSyncerWith(dir, interval, true)
}

// startLogSyncerWith: watch false makes every pass walk (tests).
func startLogSyncerWith(dir string, interval time.Duration, watch bool) *logSyncer {
	s := &logSyncer{dir: dir, interval: interval, reqs: make(chan chan error), stop: make(chan struct{}),
		done: make(chan struct{}), seen: map[string]fileState{}}
	if watch {
		if w, err := newLogWatcher(dir); err == nil {
			s.watch = w
		}
	}
	go s.run()
	return s
}

func (s *logSyncer) run() {
	defer close(s.done)
	defer func() { s.watch.close() }() // the watcher of the end (pass may replace it)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		var waiting []chan error
		select {
		case <-s.stop:
			_ = s.pass()
			return
		case <-t.C:
		case r := <-s.reqs:
			waiting = append(waiting, r)
		}
		// Everyone already asking shares this pass: their writes were
		// acknowledged before they asked, so the pass covers them.
		for more := true; more; {
			select {
			case r := <-s.reqs:
				waiting = append(waiting, r)
			default:
				more = false
			}
		}
		err := s.pass()
		for _, w := range waiting {
			w <- err
		}
	}
}

// Sync returns once every write the broker acknowledged before the call is
// on disk (fsynced), or with the error of the pass, or ctx's.
func (s *logSyncer) Sync(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case s.reqs <- done:
	case <-s.done:
		return errSyncerClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the syncer after a last pass.
func (s *logSyncer) close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
}

// recentWindow: a file modified this close to the previous pass is synced
// even when its size and time look unchanged (file times are only as fine as
// the kernel's clock tick, a few milliseconds).
const recentWindow = time.Second

// pass fsyncs every file and folder of the log that changed since it was
// last synced: those inotify names, or, walking, those whose size or time
// differ. Files removed meanwhile (retention) are skipped.
func (s *logSyncer) pass() error {
	started := time.Now()
	var err error
	watched := false
	if s.watch != nil {
		changed, werr := s.watch.changes()
		switch {
		case werr != nil:
			// Events were lost (the queue overflowed) or the watcher
			// broke: a new watcher, and this pass walks.
			s.watch.close()
			s.watch, _ = newLogWatcher(s.dir)
			s.walked = false
		case s.walked:
			err, watched = s.syncChanged(changed), true
			if err != nil {
				// What failed is no longer among the changes: the next
				// pass walks and finds it by its state.
				s.walked = false
			}
		}
	}
	if !watched {
		err = s.walk()
		s.walked = s.watch != nil
	}
	s.lastPass = started
	s.passes++
	if err != nil {
		return fmt.Errorf("cannot sync the embedded broker's log: %w", err)
	}
	return nil
}

// syncChanged fsyncs the paths the watcher named that still exist.
func (s *logSyncer) syncChanged(changed map[string]bool) error {
	var firstErr error
	for path := range changed {
		if err := fsyncPath(path); err != nil {
			if !errors.Is(err, fs.ErrNotExist) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		s.fsyncs++
	}
	return firstErr
}

// walk fsyncs every file and folder whose size or modification time differ
// from when it was last synced, or that was modified within recentWindow of
// the pass before.
func (s *logSyncer) walk() error {
	s.walks++
	var firstErr error
	present := make(map[string]bool, len(s.seen))
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return nil
		}
		present[path] = true
		st := fileState{size: info.Size(), mod: info.ModTime()}
		if old, ok := s.seen[path]; ok && old == st && st.mod.Before(s.lastPass.Add(-recentWindow)) {
			return nil
		}
		if err := fsyncPath(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if firstErr == nil {
				firstErr = err
			}
			return nil
		}
		s.seen[path] = st
		s.fsyncs++
		return nil
	})
	for path := range s.seen {
		if !present[path] {
			delete(s.seen, path)
		}
	}
	if err == nil {
		err = firstErr
	}
	return err
}

func fsyncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	serr := f.Sync()
	cerr := f.Close()
	if serr != nil {
		return serr
	}
	return cerr
}

// inProcess are the embedded brokers of this process that leave the fsync
// to a logSyncer, by listen address, so a producer of this process can wait
// for its acknowledged writes to be on disk (Durable).
var inProcess sync.Map // string → *logSyncer

// Durable returns once every write acknowledged so far by brokers is on
// disk: at once for an external cluster or an embedded broker that fsyncs
// each batch, after a group-commit pass for an embedded broker of this
// process with kafka.embedded_fsync: interval. Producers call it before
// acting on an acknowledgement (a connector's checkpoint, a push's answer,
// a pipeline's offset commit after its dead letters).
func Durable(ctx context.Context, brokers []string) error {
	for _, b := range brokers {
		if s, ok := inProcess.Load(b); ok {
			return s.(*logSyncer).Sync(ctx)
		}
	}
	return nil
}
