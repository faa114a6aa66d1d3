package file

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/residenthub/residenthub/connectors"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// maxRecordBytes bounds one JSON record: a line of JSON lines or an item of
// a JSON array. A file with a larger one is unreadable (it moves to failed/).
const maxRecordBytes = 16 << 20

// recordReader streams a file's records. Next returns io.EOF after the last.
// Skip reads and checks the next record as Next does, without building its
// row (the counting pass). Header returns the column names of the header row
// (CSV, xlsx), nil for formats without a header (JSON).
type recordReader interface {
	Next() (connectors.Row, error)
	Skip() error
	Header() []string
	Close() error
}

// formatOf resolves format "auto" by the file's extension.
func formatOf(setting, name string) (string, error) {
	if setting != "auto" {
		return setting, nil
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".csv"), strings.HasSuffix(lower, ".txt"):
		return "csv", nil
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		return "jsonl", nil
	case strings.HasSuffix(lower, ".json"):
		return "json", nil
	case strings.HasSuffix(lower, ".xlsx"):
		return "xlsx", nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension (set format: csv, json, jsonl or xlsx)", name)
}

// encodingOf resolves encoding "auto": UTF-8 if the whole file is valid
// UTF-8, GB18030 (a superset of GBK) otherwise.
func encodingOf(setting, path string) (string, error) {
	if setting != "auto" {
		return setting, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	ok, err := validUTF8(f)
	if err != nil {
		return "", err
	}
	if ok {
		return "utf-8", nil
	}
	return "gb18030", nil
}

// validUTF8 reports whether r is valid UTF-8, streaming.
func validUTF8(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	var carry []byte
	for {
		n, err := r.Read(buf)
		chunk := append(carry, buf[:n]...)
		// Keep an incomplete rune at the end for the next chunk.
		cut := len(chunk)
		for i := 1; i <= utf8.UTFMax && i <= len(chunk); i++ {
			if utf8.RuneStart(chunk[len(chunk)-i]) {
				if !utf8.FullRune(chunk[len(chunk)-i:]) {
					cut = len(chunk) - i
				}
				break
			}
		}
		if !utf8.Valid(chunk[:cut]) {
			return false, nil
		}
		carry = append([]byte(nil), chunk[cut:]...)
		if err == io.EOF {
			return len(carry) == 0, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// textReader opens path as UTF-8 text: decoded from GB18030 when asked for
// gbk or gb18030,
// with a leading byte-order mark removed.
func textReader(path, enc string) (io.Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = f
	switch enc {
	case "gbk", "gb18030":
		// GBK is read as GB18030, its superset: a "GBK" export from a
		// current system carries GB18030-only characters (・ in minority
		// names, rare surname characters) that a GBK decoder would turn
		// into U+FFFD. Bytes neither can decode still become U+FFFD, which
		// rejects the record (runtime.MapRow), never stored.
		r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	return br, f, nil
}

func openRecords(path, name, format, enc, sheet string, delimiter rune) (recordReader, error) {
	switch format {
	case "csv":
		return openCSV(path, name, enc, delimiter)
	case "jsonl":
		text, c, err := textReader(path, enc)
		if err != nil {
			return nil, err
		}
		return newJSONL(text, c, name), nil
	case "json":
		return openJSON(path, name, enc)
	case "xlsx":
		return openXLSX(path, name, sheet)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

type csvReader struct {
	name   string
	r      *csv.Reader
	c      io.Closer
	header []string
}

func openCSV(path, name, enc string, delimiter rune) (*csvReader, error) {
	text, c, err := textReader(path, enc)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(text)
	r.Comma = delimiter
	header, err := r.Read()
	if err != nil {
		c.Close()
		if err == io.EOF {
			return nil, errors.New("no header row")
		}
		return nil, fmt.Errorf("cannot read header row: %w", err)
	}
	if err := headerNameError(header); err != nil {
		c.Close()
		return nil, err
	}
	// Records are copied into each row's map, so one slice serves them all
	// (the header, read before, keeps its own).
	r.ReuseRecord = true
	return &csvReader{name: name, r: r, c: c, header: header}, nil
}

func (c *csvReader) Next() (connectors.Row, error) {
	rec, line, err := c.read()
	if err != nil {
		return connectors.Row{}, err
	}
	vals := make(map[string]any, len(rec))
	for i, v := range rec {
		vals[c.header[i]] = v
	}
	return connectors.Row{Values: vals, Origin: c.name + ":" + strconv.Itoa(line)}, nil
}

func (c *csvReader) Skip() error {
	_, _, err := c.read()
	return err
}

// read reads the next record, checked to be valid UTF-8, and its line.
func (c *csvReader) read() ([]string, int, error) {
	rec, err := c.r.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ := c.r.FieldPos(0)
	for _, v := range rec {
		if !utf8.ValidString(v) {
			return nil, 0, fmt.Errorf("line %d: invalid UTF-8 (set encoding: gbk or auto)", line)
		}
	}
	return rec, line, nil
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Close() error { return c.c.Close() }

type jsonlReader struct {
	name string
	r    *bufio.Reader
	c    io.Closer
	line int
}

func newJSONL(text io.Reader, c io.Closer, name string) *jsonlReader {
	return &jsonlReader{name: name, r: bufio.NewReaderSize(text, 64<<10), c: c}
}

// Skip checks the next line as Next would, without building the object
// when the line is a valid JSON object (json.Valid is a scan, no decoding).
func (j *jsonlReader) Skip() error {
	_, err := j.nextLine(true)
	return err
}

func (j *jsonlReader) Next() (connectors.Row, error) {
	obj, err := j.object()
	if err != nil {
		return connectors.Row{}, err
	}
	return connectors.Row{Values: connectors.Flatten(obj), Origin: j.name + ":" + strconv.Itoa(j.line)}, nil
}

// object reads the next non-blank line as a JSON object.
func (j *jsonlReader) object() (map[string]any, error) { return j.nextLine(false) }

// line_ reads the next non-blank line as a JSON object; with check it only
// checks it (and returns nil) when it is one.
func (j *jsonlReader) nextLine(check bool) (map[string]any, error) {
	for {
		b, err := j.readLine()
		if len(b) == 0 && err != nil {
			return nil, err // io.EOF at the end
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		j.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("line %d: invalid UTF-8", j.line)
		}
		if check && b[0] == '{' && json.Valid(b) {
			return nil, nil // what DecodeObject accepts: one object, nothing after it
		}
		obj, err := connectors.DecodeObject(b)
		if err != nil {
			return nil, fmt.Errorf("line %d %w", j.line, err)
		}
		return obj, nil
	}
}

// readLine reads up to and including the next newline, refusing a line
// longer than maxRecordBytes without reading all of it.
func (j *jsonlReader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := j.r.ReadSlice('\n')
		if len(line)+len(chunk) > maxRecordBytes {
			return nil, fmt.Errorf("line %d is longer than %d MiB, the limit for one JSON record", j.line+1, maxRecordBytes>>20)
		}
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

func (j *jsonlReader) Header() []string { return nil }

func (j *jsonlReader) Close() error { return j.c.Close() }

// openJSON opens a .json file: a top-level JSON array of objects, streamed
// item by item; a file whose first non-blank character is not "[" is read as
// JSON lines (one object per line), as .json files were before.
func openJSON(path, name, enc string) (recordReader, error) {
	text, c, err := textReader(path, enc)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(text, 64<<10)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF { // empty or blank file: no records
				return newJSONL(br, c, name), nil
			}
			c.Close()
			return nil, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.Discard(1)
			continue
		case '[':
			return newJSONArray(br, c, name)
		}
		return newJSONL(br, c, name), nil
	}
}

// errItemTooLarge is returned by budgetReader when a JSON array item goes
// past maxRecordBytes (plus the decoder's read-ahead).
var errItemTooLarge = fmt.Errorf("is larger than %d MiB, the limit for one JSON record", maxRecordBytes>>20)

// budgetReader hands the JSON decoder at most 64 KiB per Read and at most
// maxRecordBytes + 64 KiB between two resets (one array item), so an
// oversized item fails without being held in memory whole.
type budgetReader struct {
	r    io.Reader
	left int
}

func (b *budgetReader) reset() { b.left = maxRecordBytes + 64<<10 }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errItemTooLarge
	}
	p = p[:min(len(p), 64<<10, b.left)]
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// jsonArrayReader streams the items of a top-level JSON array; each must be
// an object. Origins are "<file>[<index>]", the index counted from 0.
type jsonArrayReader struct {
	name string
	lim  *budgetReader
	dec  *json.Decoder
	c    io.Closer
	item int
	done bool
}

func newJSONArray(text io.Reader, c io.Closer, name string) (*jsonArrayReader, error) {
	lim := &budgetReader{r: text}
	lim.reset()
	dec := json.NewDecoder(lim)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the "[" openJSON found
		c.Close()
		return nil, fmt.Errorf("cannot read the JSON array: %s", connectors.JSONErrorText(err))
	}
	return &jsonArrayReader{name: name, lim: lim, dec: dec, c: c}, nil
}

func (j *jsonArrayReader) Skip() error {
	_, err := j.Next()
	return err
}

func (j *jsonArrayReader) Next() (connectors.Row, error) {
	if j.done {
		return connectors.Row{}, io.EOF
	}
	j.lim.reset()
	if !j.dec.More() {
		if tok, err := j.dec.Token(); err != nil || tok != json.Delim(']') {
			return connectors.Row{}, j.badEnd(tok, err)
		}
		if _, err := j.dec.Token(); err != io.EOF {
			return connectors.Row{}, errors.New("has more data after the JSON array's closing \"]\"")
		}
		j.done = true
		return connectors.Row{}, io.EOF
	}
	idx := j.item
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		switch {
		case errors.Is(err, errItemTooLarge):
			return connectors.Row{}, fmt.Errorf("item %d %w", idx, err)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return connectors.Row{}, j.badEnd(nil, err)
		}
		return connectors.Row{}, fmt.Errorf("item %d is not valid JSON: %s", idx, connectors.JSONErrorText(err))
	}
	j.item++
	if len(raw) > maxRecordBytes {
		return connectors.Row{}, fmt.Errorf("item %d %w", idx, errItemTooLarge)
	}
	if !utf8.Valid(raw) {
		return connectors.Row{}, fmt.Errorf("item %d: invalid UTF-8", idx)
	}
	obj, err := connectors.DecodeObject(raw)
	if err != nil {
		return connectors.Row{}, fmt.Errorf("item %d %w", idx, err)
	}
	return connectors.Row{Values: connectors.Flatten(obj), Origin: fmt.Sprintf("%s[%d]", j.name, idx)}, nil
}

// badEnd describes what was found where the array should continue or end.
func (j *jsonArrayReader) badEnd(tok json.Token, err error) error {
	where := `its opening "["`
	if j.item > 0 {
		where = fmt.Sprintf("item %d", j.item-1)
	}
	what := "found a value" // not quoted: it may be a resident's data
	if d, ok := tok.(json.Delim); ok {
		what = fmt.Sprintf("found %q", string(d))
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		what = `the file ends before the closing "]"`
	case err != nil:
		what = connectors.JSONErrorText(err)
	}
	return fmt.Errorf("the JSON array does not continue or end properly after %s: %s", where, what)
}

func (j *jsonArrayReader) Header() []string { return nil }

func (j *jsonArrayReader) Close() error { return j.c.Close() }

type xlsxReader struct {
	name, sheet string
	f           *excelize.File
	rows        *excelize.Rows
	header      []string
	row         int
}

func openXLSX(path, name, sheet string) (*xlsxReader, error) {
	f, err := excelize.OpenFile(path, excelize.Options{ShortDatePattern: "yyyy-mm-dd", LongTimePattern: "hh:mm:ss"})
	if err != nil {
		return nil, fmt.Errorf("cannot open workbook: %w", err)
	}
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			f.Close()
			return nil, errors.New("workbook has no sheet")
		}
		sheet = list[0]
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read sheet %q: %w", sheet, err)
	}
	x := &xlsxReader{name: name, sheet: sheet, f: f, rows: rows}
	for {
		cells, err := x.nextCells()
		if err != nil {
			x.Close()
			if err == io.EOF {
				return nil, errors.New("no header row")
			}
			return nil, err
		}
		if cells == nil {
			continue
		}
		if err := headerNameError(cells); err != nil {
			x.Close()
			return nil, err
		}
		x.header = cells
		return x, nil
	}
}

// nextCells returns the next row's cells, nil for an empty row.
func (x *xlsxReader) nextCells() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	x.row++
	cells, err := x.rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("row %d: %w", x.row, err)
	}
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return cells, nil
		}
	}
	return nil, nil
}

func (x *xlsxReader) Next() (connectors.Row, error) {
	cells, origin, err := x.nextRecord()
	if err != nil {
		return connectors.Row{}, err
	}
	vals := make(map[string]any, len(x.header))
	for i, h := range x.header {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		vals[h] = v
	}
	return connectors.Row{Values: vals, Origin: origin}, nil
}

func (x *xlsxReader) Skip() error {
	_, _, err := x.nextRecord()
	return err
}

// nextRecord returns the next non-empty row's cells (at most one per header
// column) and its origin.
func (x *xlsxReader) nextRecord() ([]string, string, error) {
	for {
		cells, err := x.nextCells()
		if err != nil {
			return nil, "", err
		}
		if cells == nil {
			continue
		}
		if len(cells) > len(x.header) {
			return nil, "", fmt.Errorf("row %d has %d cells, the header %d", x.row, len(cells), len(x.header))
		}
		return cells, x.name + ":" + x.sheet + "!" + strconv.Itoa(x.row), nil
	}
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Close() error {
	x.rows.Close()
	return x.f.Close()
}
