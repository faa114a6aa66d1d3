package demo

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// partFile is one extract file being written block after block: rows go
// to the file as each block is rendered (csv, JSON lines; an Excel sheet
// through excelize's stream writer), so only one block's rows are in
// memory. close returns the file's truth.
type partFile struct {
	x       *extract // the file's source, format, encoding, header and key
	f       *os.File
	enc     io.WriteCloser // GBK encoder, nil for UTF-8
	out     *bufio.Writer
	csv     *csv.Writer
	book    *excelize.File
	sheet   *excelize.StreamWriter
	cells   []any
	rows    int // data rows written so far
	count   DatasetCount
	latest  time.Time // latest source time of the valid rows
	invalid []InvalidRecord
}

// openPart creates the file of x under dir and writes its header.
func openPart(dir string, x *extract) (*partFile, error) {
	path := filepath.Join(dir, filepath.FromSlash(x.file))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("cannot create drop folder: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write extract: %w", err)
	}
	p := &partFile{x: x, f: f, count: DatasetCount{Source: x.source}}
	if err := p.start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot render %s: %w", x.file, err)
	}
	return p, nil
}

func (p *partFile) start() error {
	var out io.Writer = p.f
	if p.x.encoding == "gbk" {
		p.enc = transform.NewWriter(p.f, simplifiedchinese.GBK.NewEncoder())
		out = p.enc
	}
	p.out = bufio.NewWriterSize(out, 1<<16)
	switch p.x.format {
	case "csv":
		if p.x.encoding == "utf-8-bom" {
			p.out.WriteString("\uFEFF")
		}
		p.csv = csv.NewWriter(p.out)
		p.csv.UseCRLF = p.x.encoding == "gbk" // a Windows export
		return p.csv.Write(p.x.header)
	case "jsonl":
		return nil
	case "xlsx":
		p.book = excelize.NewFile()
		if err := p.book.SetSheetName("Sheet1", payrollSheet); err != nil {
			return err
		}
		sw, err := p.book.NewStreamWriter(payrollSheet)
		if err != nil {
			return err
		}
		p.sheet = sw
		head := make([]any, len(p.x.header))
		for i, h := range p.x.header {
			head[i] = h
		}
		p.cells = make([]any, len(p.x.header))
		return sw.SetRow("A1", head)
	}
	return fmt.Errorf("unknown format %q", p.x.format)
}

// add writes the rows of one block (rendered into bx) and counts them:
// records, exact duplicates, invalid rows (numbered by their line in the
// file) and distinct record keys of the valid ones.
func (p *partFile) add(bx *extract) error {
	keys := map[string]bool{}
	for i, r := range bx.rows {
		line := p.rows + i + 2 // the header is line/row 1
		if p.x.format == "jsonl" {
			line = p.rows + i + 1
		}
		switch {
		case r.invalid != nil:
			r.invalid.Line = line
			p.invalid = append(p.invalid, *r.invalid)
			p.count.Invalid++
		case r.dup:
			p.count.Duplicates++
		default:
			keys[bx.recordKey(r)] = true
			if t := bx.sourceTime(r); t.After(p.latest) {
				p.latest = t
			}
		}
		if err := p.write(r, line); err != nil {
			return fmt.Errorf("cannot render %s: %w", p.x.file, err)
		}
	}
	p.rows += len(bx.rows)
	p.count.Records += len(bx.rows)
	p.count.Current += len(keys)
	return nil
}

// write writes one data row at line (the sheet row for xlsx).
func (p *partFile) write(r *row, line int) error {
	switch p.x.format {
	case "csv":
		rec := make([]string, len(r.cells))
		for i, c := range r.cells {
			rec[i] = cellString(c)
		}
		return p.csv.Write(rec)
	case "jsonl":
		return writeJSONLine(p.out, p.x.header, r.cells)
	}
	for j, c := range r.cells {
		switch v := c.(type) {
		case int, float64:
			p.cells[j] = v
		default:
			p.cells[j] = cellString(c)
		}
	}
	return p.sheet.SetRow("A"+strconv.Itoa(line), p.cells)
}

// writeJSONLine writes one JSON object of the cells by header name:
// omitted cells are left out, jsonNumber cells unquoted.
func writeJSONLine(buf *bufio.Writer, header []string, cells []any) error {
	buf.WriteByte('{')
	first := true
	for i, c := range cells {
		if _, ok := c.(omitted); ok {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(header[i])
		buf.Write(k)
		buf.WriteByte(':')
		if n, ok := c.(jsonNumber); ok {
			buf.WriteString(string(n))
			continue
		}
		v, err := json.Marshal(cellString(c))
		if err != nil {
			return err
		}
		buf.Write(v)
	}
	_, err := buf.WriteString("}\n")
	return err
}

// close finishes the file and returns its truth.
func (p *partFile) close() (File, DatasetCount, []InvalidRecord, error) {
	err := p.finish()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, DatasetCount{}, nil, fmt.Errorf("cannot render %s: %w", p.x.file, err)
	}
	c := p.count
	c.Rows = c.Records - c.Duplicates - c.Invalid
	if !p.latest.IsZero() {
		c.LatestSourceTime = p.latest.UTC().Format(time.RFC3339)
	}
	f := File{Source: p.x.source, Dataset: p.x.dataset, Path: p.x.file, Format: p.x.format, Encoding: p.x.encoding, Records: p.rows}
	return f, c, p.invalid, nil
}

func (p *partFile) finish() error {
	if p.book != nil {
		defer p.book.Close()
		if err := p.sheet.Flush(); err != nil {
			return err
		}
		if err := p.book.Write(p.out); err != nil {
			return err
		}
	}
	if p.csv != nil {
		p.csv.Flush()
		if err := p.csv.Error(); err != nil {
			return err
		}
	}
	if err := p.out.Flush(); err != nil {
		return err
	}
	if p.enc != nil {
		return p.enc.Close()
	}
	return nil
}

// payrollSheet is the sheet name of the payroll workbook.
const payrollSheet = "工资发放明细"
