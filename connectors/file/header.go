package file

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/residenthub/residenthub/connectors"
)

// maxHeaderShown is how many header columns an error note quotes.
const maxHeaderShown = 30

// checkHeader compares a file's header row (nil for JSON lines: nothing is
// checked) with the source's configuration. A missing key column makes the
// whole file unreadable: every row would be rejected, and a header that lacks
// it is a wrong file, a file without header row or one read in the wrong
// encoding. The error (a *headerError) names the missing columns and counts
// the ones found; the header found goes to the .error note only, since in a
// file without header row it is a resident's record. Missing mapped columns
// (fields, source_time, op column) are only logged, once per file: those
// fields stay empty.
func checkHeader(run *connectors.Run, name, format, enc string, header []string) error {
	if header == nil {
		return nil
	}
	have := make(map[string]bool, len(header))
	for _, h := range header {
		have[h] = true
	}
	src := run.Source
	var missingKeys []string
	for _, k := range src.Key {
		if !have[k] {
			missingKeys = append(missingKeys, k)
		}
	}
	if len(missingKeys) > 0 {
		return &headerError{missing: missingKeys, found: header, format: format, enc: enc}
	}
	seen := map[string]bool{}
	var missing []string
	want := []string{src.SourceTime, src.Op.Column}
	for _, col := range src.Fields {
		want = append(want, col)
	}
	for _, col := range want {
		if col != "" && !have[col] && !seen[col] {
			seen[col] = true
			missing = append(missing, col)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		run.Logger.Warn("file header lacks mapped columns; their fields stay empty", "file", name,
			"missing", missing, "header", quoteList(header, maxHeaderShown))
	}
	return nil
}

// headerError is a header row without the source's key columns. Its
// message is meant for the log and the run's error: it names the missing
// columns (configuration) and counts the columns found, but never quotes
// them: when the first line is data rather than a header, they are an ID
// number, a name, an address. The header found is written to the .error note
// beside the failed file (noteDetail), which sits with the file itself.
type headerError struct {
	missing []string
	found   []string
	format  string // csv or xlsx
	enc     string // csv: the encoding the file was read in
	note    string // the note's path relative to the drop folder, once written
}

func (e *headerError) Error() string {
	s := ""
	if len(e.missing) > 1 {
		s = "s"
	}
	note := e.note
	if note == "" {
		note = "the .error note in failed/"
	}
	what := "is the first row data rather than a header, or is it another export?"
	if e.format == "csv" {
		what = fmt.Sprintf("is the first line data rather than a header, is it another export, or is settings.encoding wrong (read %s)?", encodingName(e.enc))
	}
	return fmt.Sprintf("header lacks key column%s %s (found %d columns; see %s — %s)",
		s, quoteList(e.missing, len(e.missing)), len(e.found), note, what)
}

func (e *headerError) noteDetail() string {
	return "header found: " + quoteList(e.found, maxHeaderShown)
}

func (e *headerError) setNote(path string) { e.note = path }

// detailError is an error whose message is safe for the log, with details
// that may quote the file's content for the .error note only.
type detailError struct{ msg, detail string }

func (e *detailError) Error() string      { return e.msg }
func (e *detailError) noteDetail() string { return e.detail }

// noteDetailer is implemented by errors with details for the .error note
// that must not reach the log (they may quote cell values).
type noteDetailer interface {
	error
	noteDetail() string
}

// noteSetter is implemented by errors that name the .error note once it is
// written.
type noteSetter interface {
	error
	setNote(path string)
}

// headerNameError checks header names (trimmed in place): valid UTF-8,
// none empty, none twice. The error gives column positions only (the names go to the note):
// in a file without header row the names are a resident's record.
func headerNameError(header []string) error {
	first := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if !utf8.ValidString(h) {
			return fmt.Errorf("header column %d is not valid UTF-8 (set encoding: gbk or auto)", i+1)
		}
		if h == "" {
			return fmt.Errorf("header column %d is empty", i+1)
		}
		if j, ok := first[h]; ok {
			return &detailError{
				msg:    fmt.Sprintf("header columns %d and %d have the same name (is the first line data rather than a header?)", j+1, i+1),
				detail: fmt.Sprintf("header columns %d and %d are both %s; header found: %s", j+1, i+1, strconv.Quote(h), quoteList(header, maxHeaderShown)),
			}
		}
		first[h] = i
	}
	return nil
}

func encodingName(enc string) string {
	switch enc {
	case "gbk", "gb18030":
		return "as " + strings.ToUpper(enc)
	}
	return "as UTF-8"
}

// quoteList quotes up to max names, comma separated, saying how many more.
func quoteList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, " ... (%d more)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}
