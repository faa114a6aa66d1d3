package file

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/residenthub/residenthub/connectors"
)

// A spool keeps the records of a workbook as the first pass read them, so
// that publishing does not parse the sheet's XML a second time (parsing is
// most of an xlsx file's cost). It is a dotfile beside the workbook
// (.<name>.spool, which the drop folder's listing ignores), removed once the
// file is processed; a crash leaves it to be overwritten by the next run,
// or removed by it if the workbook is gone (removeOrphanSpools).
//
// Format: per record, uvarint-length-prefixed origin, uvarint cell count,
// then each cell uvarint-length-prefixed; cells are in header order.

func spoolPath(dir, name string) string {
	return dir + string(os.PathSeparator) + "." + name + spoolSuffix
}

const spoolSuffix = ".spool"

// workbookOfSpool is the workbook name of a spool's file name
// (spoolPath), or "" if name is not a spool's.
func workbookOfSpool(name string) string {
	if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, spoolSuffix) || len(name) <= len("."+spoolSuffix) {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(name, "."), spoolSuffix)
}

// removeOrphanSpools removes the spools among the entries of dir (as
// listed by Conn.list) whose workbook is gone (a crash left them, and the
// department took the file away since); it returns the names of the spools
// removed. A spool whose workbook is there is left to the run that reads
// the workbook (it overwrites the spool). A run removes a spool before it
// moves its workbook away, so this never takes the spool of another source
// sharing the folder.
func removeOrphanSpools(dir string, entries []os.DirEntry) []string {
	var removed []string
	for _, e := range entries {
		spool := e.Name()
		workbook := workbookOfSpool(spool)
		if !e.Type().IsRegular() || workbook == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, workbook)); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if os.Remove(filepath.Join(dir, spool)) == nil {
			removed = append(removed, spool)
		}
	}
	return removed
}

type spoolWriter struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func createSpool(path string) (*spoolWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create spool: %w", err)
	}
	return &spoolWriter{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

func (s *spoolWriter) add(origin string, cells []string) error {
	b := binary.AppendUvarint(s.buf[:0], uint64(len(origin)))
	b = append(b, origin...)
	b = binary.AppendUvarint(b, uint64(len(cells)))
	for _, c := range cells {
		b = binary.AppendUvarint(b, uint64(len(c)))
		b = append(b, c...)
	}
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

// close flushes the spool; it is kept on disk for openSpool.
func (s *spoolWriter) close() error {
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// spoolReader reads a spool back as the records of header.
type spoolReader struct {
	f      *os.File
	r      *bufio.Reader
	header []string
}

func openSpool(path string, header []string) (*spoolReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open spool: %w", err)
	}
	return &spoolReader{f: f, r: bufio.NewReaderSize(f, 256<<10), header: header}, nil
}

func (s *spoolReader) str() (string, error) {
	n, err := binary.ReadUvarint(s.r)
	if err != nil {
		return "", err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		return "", err
	}
	return string(b), nil
}

func (s *spoolReader) Next() (connectors.Row, error) {
	origin, err := s.str()
	if err != nil {
		return connectors.Row{}, err // io.EOF at the end
	}
	n, err := binary.ReadUvarint(s.r)
	if err != nil || n > uint64(len(s.header)) {
		return connectors.Row{}, errors.New("spool is damaged")
	}
	vals := make(map[string]any, len(s.header))
	for i := range s.header {
		v := ""
		if i < int(n) {
			if v, err = s.str(); err != nil {
				return connectors.Row{}, errors.New("spool is damaged")
			}
		}
		vals[s.header[i]] = v
	}
	return connectors.Row{Values: vals, Origin: origin}, nil
}

func (s *spoolReader) Skip() error {
	_, err := s.Next()
	return err
}

func (s *spoolReader) Header() []string { return s.header }

func (s *spoolReader) Close() error { return s.f.Close() }
