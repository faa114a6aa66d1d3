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
type logSyncer struct {
	dir      string
	interval time.Duration
	reqs     chan chan error
	stop     chan struct{}
	done     chan struct{}
	seen     map[string]fileState // path → its state at the pass that synced it
	lastPass time.Time
	// passes and fsyncs count the work done (tests).
	passes, fsyncs int
}

type fileState struct {
	size int64
	mod  time.Time
}

// errSyncerClosed is returned by Sync after the broker was closed.
var errSyncerClosed = errors.New("the embedded broker is closed")

func startLogSyncer(dir string, interval time.Duration) *logSyncer {
	s := &logSyncer{dir: dir, interval: interval, reqs: make(chan chan error), stop: make(chan struct{}),
		done: make(chan struct{}), seen: map[string]fileState{}}
	go s.run()
	return s
}

func (s *logSyncer) run() {
	defer close(s.done)
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
// last synced. Files removed meanwhile (retention) are skipped.
func (s *logSyncer) pass() error {
	started := time.Now()
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
	s.lastPass = started
	s.passes++
	if err == nil {
		err = firstErr
	}
	if err != nil {
		return fmt.Errorf("cannot sync the embedded broker's log: %w", err)
	}
	return nil
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
