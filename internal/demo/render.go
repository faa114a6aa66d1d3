package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// omit leaves a JSON key out of its line; jsonNumber is written unquoted.
type (
	omitted    struct{}
	jsonNumber string
)

var omit = omitted{}

// row is one data row of an extract, cells in header order: string,
// jsonNumber, omitted (JSON lines) or int/float64 (xlsx numeric cells).
type row struct {
	cells   []any
	invalid *InvalidRecord
	dup     bool
}

// extract is one department file being rendered.
type extract struct {
	source, dataset, format, encoding string
	file                              string // relative to Options.Dir
	header                            []string
	key                               []string // key columns (config key)
	rows                              []*row
}

func (x *extract) add(cells ...any) *row {
	if len(cells) != len(x.header) {
		panic(fmt.Sprintf("demo: %s row has %d cells, header %d", x.source, len(cells), len(x.header)))
	}
	r := &row{cells: cells}
	x.rows = append(x.rows, r)
	return r
}

// cellString is a cell as a connector reads it.
func cellString(c any) string {
	switch v := c.(type) {
	case string:
		return v
	case jsonNumber:
		return string(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// recordKey is the row's source record key: key column values joined by "|".
func (x *extract) recordKey(r *row) string {
	var parts []string
	for _, k := range x.key {
		for i, h := range x.header {
			if h == k {
				parts = append(parts, cellString(r.cells[i]))
			}
		}
	}
	return strings.Join(parts, "|")
}

// col returns the index of a header column.
func (x *extract) col(name string) int {
	for i, h := range x.header {
		if h == name {
			return i
		}
	}
	panic("demo: no column " + name + " in " + x.source)
}

// addInvalid inserts an invalid row at a random position and records why
// it must be rejected.
func (x *extract) addInvalid(r *rand.Rand, cells []any, field, reason, valueCol string) {
	rw := &row{cells: cells, invalid: &InvalidRecord{Source: x.source, Dataset: x.dataset, File: x.file, Field: field, Reason: reason,
		Value: cellString(cells[x.col(valueCol)])}}
	rw.invalid.RecordKey = x.recordKey(rw)
	x.insert(r, rw, 0)
}

// addDuplicates inserts exact copies of up to n random valid rows after
// their originals (each original copied at most once).
func (x *extract) addDuplicates(r *rand.Rand, n int) {
	copied := map[*row]bool{}
	for tries := 0; len(copied) < n && tries < 10*n; tries++ {
		var valid []int
		for i, rw := range x.rows {
			if rw.invalid == nil && !rw.dup && !copied[rw] {
				valid = append(valid, i)
			}
		}
		if len(valid) == 0 {
			return
		}
		j := valid[r.IntN(len(valid))]
		copied[x.rows[j]] = true
		x.insert(r, &row{cells: x.rows[j].cells, dup: true}, j+1)
	}
}

// insert puts rw at a random position at or after from.
func (x *extract) insert(r *rand.Rand, rw *row, from int) {
	at := from + r.IntN(len(x.rows)-from+1)
	x.rows = append(x.rows, nil)
	copy(x.rows[at+1:], x.rows[at:])
	x.rows[at] = rw
}

// finish numbers the invalid rows and returns the file's truth and counts.
func (x *extract) finish() (File, DatasetCount, []InvalidRecord) {
	c := DatasetCount{Source: x.source, Records: len(x.rows)}
	keys := map[string]bool{}
	var inv []InvalidRecord
	var latest time.Time
	for i, r := range x.rows {
		switch {
		case r.invalid != nil:
			r.invalid.Line = i + 2 // header is line/row 1
			if x.format == "jsonl" {
				r.invalid.Line = i + 1
			}
			inv = append(inv, *r.invalid)
			c.Invalid++
		case r.dup:
			c.Duplicates++
		default:
			keys[x.recordKey(r)] = true
			if t := x.sourceTime(r); t.After(latest) {
				latest = t
			}
		}
	}
	c.Rows = c.Records - c.Duplicates - c.Invalid
	c.Current = len(keys)
	if !latest.IsZero() {
		c.LatestSourceTime = latest.UTC().Format(time.RFC3339)
	}
	return File{Source: x.source, Dataset: x.dataset, Path: x.file, Format: x.format, Encoding: x.encoding, Records: len(x.rows)}, c, inv
}

// sourceTimeColumns names each source's source_time column (as
// deploy/demo/residenthub.yaml maps it).
var sourceTimeColumns = map[string]string{"hukou": "变更时间", "residence": "登记时间", "social_insurance": "更新时间",
	"payroll": "发放日期", "health": "更新时间", "asset": "更新时间"}

// sourceTime reads the row's source_time cell as written (timeText's
// layouts, or a date: midnight), in China time; zero when it has none.
func (x *extract) sourceTime(r *row) time.Time {
	col, ok := sourceTimeColumns[x.source]
	if !ok {
		return time.Time{}
	}
	v := cellString(r.cells[x.col(col)])
	for _, layout := range []string{"2006/01/02 15:04", time.RFC3339, time.DateTime, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, cst); err == nil {
			return t
		}
	}
	return time.Time{}
}

// writeTo writes the extract under dir in its format and encoding.
func (x *extract) writeTo(dir string) error {
	path := filepath.Join(dir, filepath.FromSlash(x.file))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create drop folder: %w", err)
	}
	var b []byte
	var err error
	switch x.format {
	case "csv":
		b, err = x.csv()
	case "jsonl":
		b, err = x.jsonl()
	case "xlsx":
		b, err = x.xlsx()
	default:
		err = fmt.Errorf("unknown format %q", x.format)
	}
	if err != nil {
		return fmt.Errorf("cannot render %s: %w", x.file, err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write extract: %w", err)
	}
	return nil
}

func (x *extract) csv() ([]byte, error) {
	var buf bytes.Buffer
	if x.encoding == "utf-8-bom" {
		buf.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&buf)
	w.UseCRLF = x.encoding == "gbk" // a Windows export
	_ = w.Write(x.header)
	for _, r := range x.rows {
		rec := make([]string, len(r.cells))
		for i, c := range r.cells {
			rec[i] = cellString(c)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	if x.encoding == "gbk" {
		return simplifiedchinese.GBK.NewEncoder().Bytes(buf.Bytes())
	}
	return buf.Bytes(), nil
}

func (x *extract) jsonl() ([]byte, error) {
	var buf bytes.Buffer
	for _, r := range x.rows {
		buf.WriteByte('{')
		first := true
		for i, c := range r.cells {
			if _, ok := c.(omitted); ok {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(x.header[i])
			buf.Write(k)
			buf.WriteByte(':')
			if n, ok := c.(jsonNumber); ok {
				buf.WriteString(string(n))
				continue
			}
			v, err := json.Marshal(cellString(c))
			if err != nil {
				return nil, err
			}
			buf.Write(v)
		}
		buf.WriteString("}\n")
	}
	return buf.Bytes(), nil
}

// payrollSheet is the sheet name of the payroll workbook.
const payrollSheet = "工资发放明细"

func (x *extract) xlsx() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", payrollSheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(payrollSheet)
	if err != nil {
		return nil, err
	}
	head := make([]any, len(x.header))
	for i, h := range x.header {
		head[i] = h
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	for i, r := range x.rows {
		cells := make([]any, len(r.cells))
		for j, c := range r.cells {
			switch v := c.(type) {
			case int, float64:
				cells[j] = v
			default:
				cells[j] = cellString(c)
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(i+2), cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Department renderings of canonical values.

// dateText writes a calendar date in one of the formats departments use.
func dateText(r *rand.Rand, t time.Time) string {
	switch r.IntN(10) {
	case 0, 1:
		return t.Format("20060102")
	case 2, 3:
		return fmt.Sprintf("%d/%d/%d", t.Year(), t.Month(), t.Day())
	case 4:
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format(time.DateOnly)
}

// timeText writes an instant (Asia/Shanghai wall clock) in a department format.
func timeText(r *rand.Rand, t time.Time) string {
	t = t.In(cst)
	switch r.IntN(10) {
	case 0, 1:
		return t.Format("2006/01/02 15:04")
	case 2:
		return t.Format(time.RFC3339)
	}
	return t.Format(time.DateTime)
}

// monthText writes an income month: 2026-05, 202605 or 2026年5月.
func monthText(r *rand.Rand, y int, m time.Month) string {
	switch r.IntN(3) {
	case 0:
		return fmt.Sprintf("%04d%02d", y, m)
	case 1:
		return fmt.Sprintf("%d年%d月", y, m)
	}
	return fmt.Sprintf("%04d-%02d", y, m)
}

// yuanText writes fen as a department amount: "3,245.50", "3245.5元",
// "¥8,500.00", "6200"; "万" forms when wan is set.
func yuanText(r *rand.Rand, fen int64, wan bool) string {
	y, f := fen/100, fen%100
	grouped := func(n int64) string {
		s := strconv.FormatInt(n, 10)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	short := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", y, f), "0"), ".")
	switch n := r.IntN(10); {
	case wan && n < 3:
		s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%06d", fen/1000000, fen%1000000), "0"), ".")
		return s + "万"
	case n < 4:
		return fmt.Sprintf("%s.%02d", grouped(y), f)
	case n < 6:
		return short + "元"
	case n < 8:
		return fmt.Sprintf("¥%s.%02d", grouped(y), f)
	}
	return short
}

// phoneText writes a canonical phone number as departments do.
func phoneText(r *rand.Rand, p string) string {
	if p == "" {
		return ""
	}
	if p[0] == '0' {
		switch r.IntN(3) {
		case 0:
			return p[:3] + "-" + p[3:]
		case 1:
			return "(" + p[:3] + ")" + p[3:]
		}
		return p
	}
	switch r.IntN(20) {
	case 0, 1:
		return p[:3] + "-" + p[3:7] + "-" + p[7:]
	case 2:
		return "+86 " + p
	case 3:
		return fullWidth(p)
	case 4:
		return p[:3] + " " + p[3:7] + " " + p[7:]
	}
	return p
}
