// Package file is the connector kind that reads a department's drop folder:
// CSV (UTF-8 or GBK/GB18030, with or without BOM, header row), JSON (a
// top-level array of objects), JSON lines and Excel .xlsx. A fully published file moves to <dir>/done/, a file it
// cannot read to <dir>/failed/ with a <name>.error note; a file still being
// written is left alone until it has settled.
package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
)

// Settings are the file kind's settings (source "settings:").
type Settings struct {
	Dir      string `yaml:"dir"`      // drop folder; required
	Pattern  string `yaml:"pattern"`  // glob on file names; default "*"
	Format   string `yaml:"format"`   // csv, json, jsonl, xlsx or auto (by extension; default)
	Encoding string `yaml:"encoding"` // utf-8, gbk, gb18030 or auto (default): text formats only
	Sheet    string `yaml:"sheet"`    // xlsx sheet; default the first
	// Delimiter of CSV fields; default ",".
	Delimiter string `yaml:"delimiter"`
	// Settle is how long a file must stay unmodified before it is read;
	// default 2s.
	Settle time.Duration `yaml:"settle"`
	// PageSize is how many records are published per Kafka write and
	// checkpoint; default 5000.
	PageSize int `yaml:"page_size"`
	// ReadAhead is how many of the next settled files have their first
	// pass (read once whole; a workbook parsed into its spool) run while a
	// file is published; default 2. A workbook's parse costs several times
	// its publishing, so a folder of workbooks loads up to ReadAhead times
	// as fast where cores are free; each pass in flight holds one open file
	// and its spool on disk. 0 runs each first pass just before its file.
	ReadAhead int `yaml:"read_ahead"`
}

// Conn reads one source's drop folder.
type Conn struct {
	s     Settings
	delim rune
	now   func() time.Time
}

var _ connectors.Puller = (*Conn)(nil)

// New is the file kind's connectors.Factory.
func New(src *config.Source) (connectors.Puller, error) {
	s := Settings{Pattern: "*", Format: "auto", Encoding: "auto", Delimiter: ",", Settle: 2 * time.Second, PageSize: 5000, ReadAhead: 2}
	if err := connectors.DecodeSettings(src, &s); err != nil {
		return nil, err
	}
	if s.Dir == "" {
		return nil, errors.New("settings.dir is required")
	}
	s.Dir = src.Path(s.Dir) // relative to the config file's folder
	if _, err := filepath.Match(s.Pattern, "x"); err != nil {
		return nil, fmt.Errorf("settings.pattern %q: %w", s.Pattern, err)
	}
	switch s.Format {
	case "auto", "csv", "json", "jsonl", "xlsx":
	default:
		return nil, fmt.Errorf("settings.format %q: want csv, json, jsonl, xlsx or auto", s.Format)
	}
	s.Encoding = strings.ToLower(s.Encoding)
	switch s.Encoding {
	case "utf8":
		s.Encoding = "utf-8"
	case "auto", "utf-8", "gbk", "gb18030":
	default:
		return nil, fmt.Errorf("settings.encoding %q: want utf-8, gbk, gb18030 or auto", s.Encoding)
	}
	if utf8.RuneCountInString(s.Delimiter) != 1 {
		return nil, fmt.Errorf("settings.delimiter %q: want one character", s.Delimiter)
	}
	if s.Settle < 0 || s.PageSize < 1 {
		return nil, errors.New("settings.settle must not be negative and settings.page_size must be positive")
	}
	if s.ReadAhead < 0 || s.ReadAhead > maxReadAhead {
		return nil, fmt.Errorf("settings.read_ahead %d: want 0 to %d files", s.ReadAhead, maxReadAhead)
	}
	d, _ := utf8.DecodeRuneInString(s.Delimiter)
	return &Conn{s: s, delim: d, now: time.Now}, nil
}

// position is the file kind's cursor: the file in progress (identified by
// name, size and modification time) and how many of its records were
// published.
type position struct {
	File  string `json:"file"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime_ns"`
	Rows  int64  `json:"rows"`
}

func (p position) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// errNotReady marks a file that changed while being read: it is still being
// written and is retried later, not failed.
var errNotReady = errors.New("file is still being written")

// unreadableError marks a file that cannot be read; it moves to failed/.
type unreadableError struct{ err error }

func (e *unreadableError) Error() string { return e.err.Error() }
func (e *unreadableError) Unwrap() error { return e.err }

// Pull reads every settled file of the drop folder in name order. It stops
// at the first file that is not settled yet, so files are published in
// order. Files it cannot read are moved to failed/ and reported as the run's
// error after the others were processed.
func (c *Conn) Pull(ctx context.Context, run *connectors.Run) error {
	var pos position
	if run.Cursor != "" {
		if err := json.Unmarshal([]byte(run.Cursor), &pos); err != nil {
			return fmt.Errorf("cannot decode cursor %q: %w", run.Cursor, err)
		}
	}
	entries, err := c.list()
	if err != nil {
		return err
	}
	names := c.candidatesIn(entries)
	for _, name := range c.skippedIn(entries) {
		run.Logger.Warn("drop folder entry matches the pattern but is not a regular file (a folder or symbolic link); not read", "entry", name)
	}
	for _, spool := range removeOrphanSpools(c.s.Dir, entries) {
		run.Logger.Info("removed the spool of a workbook no longer in the drop folder (left by a crash)", "spool", spool)
	}
	// While a file is published, the first passes of the next ReadAhead
	// settled files run beside it (they publish nothing).
	var ahead readAhead
	defer ahead.discard()
	next := 0 // names[:next] had their first pass started
	var failed []error
	for i, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(c.s.Dir, name)
		info, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // moved away meanwhile
		}
		if err != nil {
			return fmt.Errorf("cannot stat %s: %w", name, err)
		}
		if c.now().Sub(info.ModTime()) < c.s.Settle {
			run.Logger.Debug("file not settled yet; waiting", "file", name)
			break
		}
		ck := ahead.take(name, info)
		if ck == nil {
			ck = c.check(ctx, run, name, info)
		}
		for next = max(next, i+1); next < len(names) && next <= i+c.s.ReadAhead; next++ {
			p := c.prefetch(ctx, run, names[next])
			if p == nil {
				break // not settled: tried again after this file
			}
			ahead = append(ahead, p)
		}
		err = ck.err
		if err == nil {
			err = c.publish(ctx, run, ck, pos)
		}
		if ck.spool != "" {
			os.Remove(ck.spool)
		}
		var ue *unreadableError
		switch {
		case err == nil:
			if _, err := moveTo(c.s.Dir, "done", name); err != nil {
				return err
			}
			run.Logger.Info("file published", "file", name)
		case errors.Is(err, errNotReady):
			run.Logger.Info("file changed while being read; retrying later", "file", name)
			return nil
		case errors.As(err, &ue):
			note, merr := moveFailed(c.s.Dir, name, err)
			if merr != nil {
				return merr
			}
			// err never quotes the file's content (see headerError); the
			// note beside the file may.
			run.Logger.Error("file cannot be read; moved to failed/", "file", name, "note", note, "err", err)
			failed = append(failed, fmt.Errorf("%s moved to failed/: %w", name, err))
		default:
			return fmt.Errorf("cannot publish %s: %w", name, err)
		}
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	return nil
}

// Pending counts the files a file source's drop folder still holds for the
// kind, by the very rules Pull uses to pick them (candidates): regular files
// directly in settings.dir whose names match settings.pattern, except
// dotfiles and names ending .tmp, .part, .crdownload or .error; the done/ and
// failed/ folders are not looked into. Files not settled yet count. src must
// be a file source; its settings are decoded and validated as by New. A drop
// folder that does not exist holds nothing (0, nil); one that cannot be
// listed is an error.
func Pending(src *config.Source) (int, error) {
	p, err := New(src)
	if err != nil {
		return 0, fmt.Errorf("cannot read settings of source %s: %w", src.Name, err)
	}
	names, err := p.(*Conn).candidates()
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("source %s: %w", src.Name, err)
	}
	return len(names), nil
}

// Format is the format src's files are read as: settings.format, or for
// "auto" the one its settings.pattern's extension names (as a file's name
// does when it is read): csv, json, jsonl or xlsx. An error when the
// settings cannot be read or the pattern does not tell (pattern "*": each
// file's own name decides).
func Format(src *config.Source) (string, error) {
	p, err := New(src)
	if err != nil {
		return "", fmt.Errorf("cannot read settings of source %s: %w", src.Name, err)
	}
	s := p.(*Conn).s
	return formatOf(s.Format, s.Pattern)
}

// candidates lists the drop folder's regular files matching the pattern, in
// name order, ignoring dotfiles and partial downloads.
func (c *Conn) candidates() ([]string, error) {
	entries, err := c.list()
	if err != nil {
		return nil, err
	}
	return c.candidatesIn(entries), nil
}

// list reads the drop folder's entries (Pull reads them once per run).
func (c *Conn) list() ([]os.DirEntry, error) {
	entries, err := os.ReadDir(c.s.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list drop folder: %w", err)
	}
	return entries, nil
}

// candidatesIn is candidates of the listed entries.
func (c *Conn) candidatesIn(entries []os.DirEntry) []string {
	var names []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || partial(name) {
			continue
		}
		if ok, _ := filepath.Match(c.s.Pattern, name); ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func partial(name string) bool {
	lower := strings.ToLower(name)
	for _, suf := range []string{".tmp", ".part", ".crdownload", ".error"} {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}

// checked is a file after its first pass: the whole file read once (so a
// file that is broken anywhere publishes nothing and moves to failed/), its
// records counted, and a workbook's records spooled (spool.go) so that its
// XML is parsed once.
type checked struct {
	name        string
	info        os.FileInfo
	cur         position
	format, enc string
	spool       string // "" unless xlsx
	total       int64
	header      []string
	err         error // the file cannot be read (or is still being written), or ctx ended
}

// check runs the first pass of a file. When ctx ends it stops within a
// thousand records or so and ck.err is ctx's error (the file is left as it
// is: a shutdown must not wait for a whole workbook to be parsed).
func (c *Conn) check(ctx context.Context, run *connectors.Run, name string, info os.FileInfo) *checked {
	path := filepath.Join(c.s.Dir, name)
	ck := &checked{name: name, info: info, cur: position{File: name, Size: info.Size(), MTime: info.ModTime().UnixNano()}}
	var err error
	if ck.format, err = formatOf(c.s.Format, name); err != nil {
		ck.err = &unreadableError{err}
		return ck
	}
	if ck.enc, err = encodingOf(c.s.Encoding, path); err != nil {
		ck.err = c.unreadable(path, ck.cur, err)
		return ck
	}
	if ck.format == "xlsx" {
		ck.spool = spoolPath(c.s.Dir, name)
	}
	if ck.total, ck.header, err = c.count(ctx, run, path, name, ck.format, ck.enc, ck.spool); err != nil {
		if ctx.Err() != nil {
			ck.err = ctx.Err()
		} else {
			ck.err = c.unreadable(path, ck.cur, err)
		}
	}
	return ck
}

// prefetch is the first pass of a file running ahead.
type prefetch struct {
	name string
	info os.FileInfo
	done chan *checked
}

// prefetch starts the first pass of name if it is settled; nil otherwise.
// The pass stops when ctx ends.
func (c *Conn) prefetch(ctx context.Context, run *connectors.Run, name string) *prefetch {
	info, err := os.Stat(filepath.Join(c.s.Dir, name))
	if err != nil || c.now().Sub(info.ModTime()) < c.s.Settle {
		return nil
	}
	p := &prefetch{name: name, info: info, done: make(chan *checked, 1)}
	go func() { p.done <- c.check(ctx, run, name, info) }()
	return p
}

// take returns the prefetched first pass of name if it is of the file as it
// is now (same size and modification time); nil otherwise (and the prefetch
// is discarded).
func (p *prefetch) take(name string, info os.FileInfo) *checked {
	if p == nil {
		return nil
	}
	ck := <-p.done
	if p.name == name && ck.info.Size() == info.Size() && ck.info.ModTime().Equal(info.ModTime()) {
		return ck
	}
	if ck.spool != "" {
		os.Remove(ck.spool)
	}
	return nil
}

// discard waits for a prefetch that will not be used and removes its spool.
func (p *prefetch) discard() {
	if p == nil {
		return
	}
	if ck := <-p.done; ck.spool != "" {
		os.Remove(ck.spool)
	}
}

// maxReadAhead bounds settings.read_ahead: each first pass in flight holds
// an open file (a workbook's sheet, unzipped to a temporary file by excelize
// when large) and a goroutine.
const maxReadAhead = 8

// readAhead is the first passes running ahead of the file being published,
// in name order.
type readAhead []*prefetch

// take returns the first pass of name if one ran ahead and is of the file as
// it is now; nil otherwise. First passes of files before name (moved away
// meanwhile) are discarded.
func (q *readAhead) take(name string, info os.FileInfo) *checked {
	for len(*q) > 0 {
		p := (*q)[0]
		if p.name > name {
			return nil
		}
		*q = (*q)[1:]
		if p.name == name {
			return p.take(name, info)
		}
		p.discard()
	}
	return nil
}

// discard discards every first pass still queued.
func (q *readAhead) discard() {
	for _, p := range *q {
		p.discard()
	}
	*q = nil
}

// publish publishes a checked file page by page, resuming after the records
// the cursor says were published if it names this very file (same size and
// modification time). The next page is read while the previous one is being
// published.
func (c *Conn) publish(ctx context.Context, run *connectors.Run, ck *checked, pos position) error {
	path := filepath.Join(c.s.Dir, ck.name)
	cur, total := ck.cur, ck.total
	skip := int64(0)
	if pos.File == cur.File && pos.Size == cur.Size && pos.MTime == cur.MTime {
		skip = min(pos.Rows, total)
	}
	var rr recordReader
	var err error
	if ck.spool != "" {
		rr, err = openSpool(ck.spool, ck.header)
	} else {
		rr, err = openRecords(path, ck.name, ck.format, ck.enc, c.s.Sheet, c.delim)
	}
	if err != nil {
		return c.unreadable(path, cur, err)
	}
	pages, stop := readPages(ctx, rr, skip, c.s.PageSize)
	defer stop()
	done := false // the last page was published
	for p := range pages {
		if p.err != nil {
			return c.unreadable(path, cur, p.err)
		}
		done = p.last
		if p.last {
			cur.Rows = total
			if len(p.rows) == 0 && skip > 0 {
				break
			}
		} else {
			cur.Rows = p.end
		}
		if err := run.Emit(ctx, p.rows, cur.String()); err != nil {
			return err
		}
	}
	if !done {
		// The reader stopped at a page boundary because ctx ended: the
		// file is not done (its cursor says how far it got).
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("the file's pages ended before its last one")
	}
	if changed(path, ck.info) {
		return errNotReady
	}
	return nil
}

// page is a page of records read ahead: rows, and the number of records of
// the file up to its end; last marks the final (possibly empty) page.
type page struct {
	rows []connectors.Row
	end  int64
	last bool
	err  error
}

// readPages reads rr in a goroutine, skipping its first skip records, and
// hands out pages of size records: the next page is read while one is
// published and waits there, unqueued (a third, queued page only added to
// the live heap, megabytes of maps the collector scans, while every core
// was busy anyway). stop ends the reading and closes rr; call it before
// returning.
func readPages(ctx context.Context, rr recordReader, skip int64, size int) (<-chan page, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan page)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		defer rr.Close()
		send := func(p page) bool {
			select {
			case out <- p:
				return true
			case <-ctx.Done():
				return false
			}
		}
		rows := make([]connectors.Row, 0, size)
		for n := int64(0); ; n++ {
			row, err := rr.Next()
			if err == io.EOF {
				send(page{rows: rows, end: n, last: true})
				return
			}
			if err != nil {
				send(page{err: err})
				return
			}
			if n < skip {
				continue
			}
			rows = append(rows, row)
			if len(rows) == size {
				if !send(page{rows: rows, end: n + 1}) {
					return
				}
				rows = make([]connectors.Row, 0, size)
			}
		}
	}()
	return out, func() {
		cancel()
		for range out {
		}
		<-done
	}
}

// count checks the file's header against the source (checkHeader) and then
// reads the whole file once and returns its number of records and its
// header. With spool set, the records are also written there (xlsx). It
// returns ctx's error, having read at most checkEvery more records, once
// ctx ends.
func (c *Conn) count(ctx context.Context, run *connectors.Run, path, name, format, enc, spool string) (int64, []string, error) {
	rr, err := openRecords(path, name, format, enc, c.s.Sheet, c.delim)
	if err != nil {
		return 0, nil, err
	}
	defer rr.Close()
	if err := checkHeader(run, name, format, enc, rr.Header()); err != nil {
		return 0, nil, err
	}
	if spool != "" {
		n, err := spoolSheet(ctx, rr.(*xlsxReader), spool)
		return n, rr.Header(), err
	}
	var n int64
	for {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		if err := rr.Skip(); err == io.EOF {
			return n, rr.Header(), nil
		} else if err != nil {
			return 0, nil, err
		}
		n++
	}
}

// checkEvery is how many records a first pass reads between looks at its
// context (a thousand workbook rows parse in about 30 ms).
const checkEvery = 1024

// spoolSheet reads every record of x into a spool at path and counts them;
// ctx's error once ctx ends.
func spoolSheet(ctx context.Context, x *xlsxReader, path string) (int64, error) {
	w, err := createSpool(path)
	if err != nil {
		return 0, err
	}
	var n int64
	for {
		if n%checkEvery == 0 && ctx.Err() != nil {
			_ = w.close()
			return 0, ctx.Err()
		}
		cells, origin, err := x.nextRecord()
		if err == io.EOF {
			return n, w.close()
		}
		if err == nil {
			err = w.add(origin, cells)
		}
		if err != nil {
			_ = w.close()
			return 0, err
		}
		n++
	}
}

// unreadable classifies a read error: if the file changed meanwhile it was
// still being written (errNotReady), otherwise it is unreadable.
func (c *Conn) unreadable(path string, cur position, err error) error {
	if info, serr := os.Stat(path); serr == nil && (info.Size() != cur.Size || info.ModTime().UnixNano() != cur.MTime) {
		return errNotReady
	}
	return &unreadableError{err}
}

func changed(path string, before os.FileInfo) bool {
	info, err := os.Stat(path)
	return err != nil || info.Size() != before.Size() || !info.ModTime().Equal(before.ModTime())
}

// moveTo moves dir/name into dir/sub/, creating sub, and returns its new
// path; an existing file of the same name there is kept and the new one gets
// a time suffix.
func moveTo(dir, sub, name string) (string, error) {
	dst := filepath.Join(dir, sub)
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", dst, err)
	}
	target := filepath.Join(dst, name)
	if _, err := os.Stat(target); err == nil {
		target = filepath.Join(dst, name+"."+time.Now().UTC().Format("20060102T150405.000000000Z"))
	}
	if err := os.Rename(filepath.Join(dir, name), target); err != nil {
		return "", fmt.Errorf("cannot move %s to %s/: %w", name, sub, err)
	}
	return target, nil
}

// moveFailed moves a file to failed/ and writes a note beside it, named
// after the moved file plus ".error" (failed/<name>.error unless a file of
// that name was already there). The note holds the cause and, for causes
// with note details (noteDetailer), what was found in the file: the folder
// holds the file itself, so the note may quote it; the log may not. It
// returns the note's path relative to dir, after telling the cause
// (noteSetter) where the note is.
func moveFailed(dir, name string, cause error) (string, error) {
	target, err := moveTo(dir, "failed", name)
	if err != nil {
		return "", err
	}
	notePath := target + ".error"
	rel := filepath.Join("failed", filepath.Base(notePath))
	if ns, ok := errors.AsType[noteSetter](cause); ok {
		ns.setNote(rel)
	}
	note := cause.Error() + "\n"
	if nd, ok := errors.AsType[noteDetailer](cause); ok {
		note += nd.noteDetail() + "\n"
	}
	note += fmt.Sprintf("failed at %s\n", time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(notePath, []byte(note), 0o640); err != nil {
		return "", fmt.Errorf("cannot write %s: %w", rel, err)
	}
	return rel, nil
}
