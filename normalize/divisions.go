package normalize

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Divisions knows the county-level administrative division codes (行政区划代码,
// GB/T 2260): the current ones, and the ones that existed at some time since
// 1980 — identity numbers and old records keep codes long abolished. It is
// read-only after loading and safe for concurrent use.
type Divisions struct {
	current map[string]string // code → name, current list
	history map[string]string // code → latest name, GB/T 2260 timeline
}

// LoadDivisions reads the current division list and the historical timeline.
//
// areasCSV is the CSV of divisions/areas.csv (National Bureau of Statistics
// 2023 county-level codes): a header, then code,name,cityCode,provinceCode
// with a 6-digit code. timelineTSV is the TSV of
// divisions/gb2260_timeline_1980_2019.tsv (Ministry of Civil Affairs
// revisions of GB/T 2260): a header, then code, name, first revision, last
// revision, number of revisions; province- and prefecture-level codes
// (110000, 110100) are in it too. Either reader may be nil.
func LoadDivisions(areasCSV io.Reader, timelineTSV io.Reader) (*Divisions, error) {
	d := &Divisions{current: map[string]string{}, history: map[string]string{}}
	if areasCSV != nil {
		r := csv.NewReader(areasCSV)
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("cannot read divisions list: %w", err)
		}
		for i, row := range rows {
			if i == 0 {
				continue // header
			}
			if len(row) < 2 || len(row[0]) != 6 || !isDigits(row[0]) {
				return nil, fmt.Errorf("cannot parse divisions list line %d: want a 6-digit code and a name", i+1)
			}
			d.current[row[0]] = row[1]
		}
	}
	if timelineTSV != nil {
		data, err := io.ReadAll(timelineTSV)
		if err != nil {
			return nil, fmt.Errorf("cannot read division timeline: %w", err)
		}
		last := map[string]int{} // code → last revision of the name kept
		for i, line := range strings.Split(string(bytes.TrimPrefix(data, []byte("\uFEFF"))), "\n") {
			line = strings.TrimRight(line, "\r")
			if i == 0 || line == "" {
				continue
			}
			cols := strings.Split(line, "\t")
			if len(cols) < 4 || len(cols[0]) != 6 || !isDigits(cols[0]) {
				return nil, fmt.Errorf("cannot parse division timeline line %d: want code, name, first and last revision", i+1)
			}
			rev, err := strconv.Atoi(cols[3])
			if err != nil {
				return nil, fmt.Errorf("cannot parse division timeline line %d: last revision %q is not a number", i+1, cols[3])
			}
			if prev, seen := last[cols[0]]; !seen || rev > prev {
				last[cols[0]] = rev
				d.history[cols[0]] = cols[1]
			}
		}
	}
	if len(d.current) == 0 && len(d.history) == 0 {
		return nil, errors.New("cannot load divisions: no codes")
	}
	return d, nil
}

// County looks up a 6-digit division code: name is its current name, or its
// latest name in the 1980–2019 timeline; current says it is in the current
// list; known says it is in either. Province- and prefecture-level codes of
// the timeline are known too.
func (d *Divisions) County(code6 string) (name string, current bool, known bool) {
	if n, ok := d.current[code6]; ok {
		return n, true, true
	}
	if n, ok := d.history[code6]; ok {
		return n, false, true
	}
	return "", false, false
}

// Division normalizes a division code value: a 6-digit county code, a 9-digit
// township/street code or a 12-digit village/community code (National Bureau
// of Statistics statistical codes extend GB/T 2260 this way). The value is
// trimmed and width-folded and its digits kept as they are. Rejected: other
// lengths, non-digits, and a first 6 digits that are in neither the current
// list nor the timeline (see County). Streets and communities themselves are
// not checked.
func (d *Divisions) Division(s string) (string, error) {
	v := Text(s)
	fail := func(reason string) (string, error) { return "", newError(FieldDivisionCode, v, reason) }
	switch {
	case v == "":
		return fail("is empty")
	case !isDigits(v):
		return fail("is not all digits")
	case len(v) != 6 && len(v) != 9 && len(v) != 12:
		return fail("has " + strconv.Itoa(len(v)) + " digits, want 6, 9 or 12")
	}
	if _, _, known := d.County(v[:6]); !known {
		return fail("county code " + v[:6] + " is not a known division")
	}
	return v, nil
}

var (
	//go:embed divisions/areas.csv
	areasCSV []byte
	//go:embed divisions/gb2260_timeline_1980_2019.tsv
	timelineTSV []byte
)

var defaultDivisions = sync.OnceValue(func() *Divisions {
	d, err := LoadDivisions(bytes.NewReader(areasCSV), bytes.NewReader(timelineTSV))
	if err != nil {
		panic("normalize: embedded divisions: " + err.Error()) // checked by tests
	}
	return d
})

// DefaultDivisions returns the divisions embedded in the binary: the National
// Bureau of Statistics 2023 county-level list and the GB/T 2260 timeline
// 1980–2019 (see divisions/README.md). Loaded on first use.
func DefaultDivisions() *Divisions { return defaultDivisions() }
