//go:build !linux

package bus

import "errors"

// logWatcher is inotify's (watch_linux.go); elsewhere every pass walks.
type logWatcher struct{}

func newLogWatcher(string) (*logWatcher, error) {
	return nil, errors.New("no inotify on this system")
}

func (w *logWatcher) changes() (map[string]bool, error) { return nil, errWatchOverflow }

func (w *logWatcher) close() {}
