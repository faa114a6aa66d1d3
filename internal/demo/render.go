package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
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

// sourceTimeColumns names each source's source_time column (as
// deploy/demo/residenthub.yaml maps it).
var sourceTimeColumns = map[string]string{"hukou": "变更时间", "residence": "登记时间", "social_insurance": "更新时间",
	"payroll": "发放日期", "health": "更新时间", "asset": "更新时间", "hotline_export": "更新时间"}

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
