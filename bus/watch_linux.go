//go:build linux

package bus

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// logWatcher tells the syncer which paths of the log changed, from inotify,
// so a pass fsyncs those without walking the folder (a walk costs a stat
// per file: at a million residents the log holds hundreds of files, and a
// walk every 100 ms took a seventh of the hub's CPU under load).
//
// inotify queues an event in the write system call itself, so every write
// acknowledged before a pass starts is among the events the pass reads
// (changes reads until the queue is empty).
type logWatcher struct {
	fd   int
	dirs map[int32]string // watch descriptor → folder
	buf  []byte
}

// watchMask: a file written, or a folder entry created, removed or renamed.
const watchMask = unix.IN_MODIFY | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_DELETE_SELF

// newLogWatcher watches root and every folder below it. Call it before the
// first (walking) pass so that no change falls between the two.
func newLogWatcher(root string) (*logWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	w := &logWatcher{fd: fd, dirs: map[int32]string{}, buf: make([]byte, 64<<10)}
	if err := w.addTree(root, nil); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// addTree watches dir and the folders below it; with changed non-nil it
// also adds every path found there (a folder created after the watches
// were set up may hold files written before its own watch existed).
func (w *logWatcher) addTree(dir string, changed map[string]bool) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if changed != nil {
			changed[path] = true
		}
		if !d.IsDir() {
			return nil
		}
		wd, err := unix.InotifyAddWatch(w.fd, path, watchMask)
		if err != nil {
			if errors.Is(err, unix.ENOENT) {
				return nil
			}
			return err
		}
		w.dirs[int32(wd)] = path
		return nil
	})
}

// changes returns the paths written, created or removed since the last
// call, with the folders whose entries changed.
func (w *logWatcher) changes() (map[string]bool, error) {
	changed := map[string]bool{}
	for {
		n, err := unix.Read(w.fd, w.buf)
		if errors.Is(err, unix.EAGAIN) {
			return changed, nil
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&w.buf[off]))
			if off+unix.SizeofInotifyEvent+int(ev.Len) > n {
				return nil, errors.New("inotify: a truncated event")
			}
			name := w.buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
				return nil, errWatchOverflow
			}
			dir, ok := w.dirs[ev.Wd]
			if ev.Mask&unix.IN_IGNORED != 0 {
				delete(w.dirs, ev.Wd)
				continue
			}
			if !ok || ev.Mask&unix.IN_DELETE_SELF != 0 {
				continue
			}
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i] // the name is padded with NULs
			}
			path := dir
			if len(name) > 0 {
				path = filepath.Join(dir, string(name))
			}
			changed[path] = true
			if ev.Mask&(unix.IN_CREATE|unix.IN_DELETE|unix.IN_MOVED_FROM|unix.IN_MOVED_TO) != 0 {
				changed[dir] = true // its entries changed
			}
			if ev.Mask&unix.IN_ISDIR != 0 && ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
				if err := w.addTree(path, changed); err != nil {
					return nil, err
				}
			}
		}
	}
}

func (w *logWatcher) close() {
	if w != nil && w.fd >= 0 {
		_ = unix.Close(w.fd)
		w.fd = -1
	}
}
