// Package places names the places that division codes (行政区划代码, GB/T
// 2260, extended to 9-digit township/street and 12-digit village/community
// codes by the National Bureau of Statistics) stand for, so that pages and
// certificates show 北京市朝阳区望京街道 rather than 110105026. Provinces,
// prefectures and streets come from the public tables embedded from
// divisions/ (NBS 2023 codes, see divisions/README.md); counties from
// normalize.DefaultDivisions (the 2023 list and the 1980–2019 timeline);
// communities, which no public table lists, from the district's own
// configuration (config places.names). Where a name is unknown the code is
// shown instead. Read-only after loading and safe for concurrent use.
package places

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/residenthub/residenthub/normalize"
)

// Names looks division codes up.
type Names struct {
	provinces map[string]string // 2 digits → 北京市
	cities    map[string]string // 4 digits → 石家庄市 (市辖区 left out)
	streets   map[string]string // 9 digits → 望京街道
	counties  *normalize.Divisions
	extra     map[string]string // 9 or 12 digits → configured name (花家地社区)
}

// Place is what a division code stands for: each level's name, "" where the
// code does not reach that level or the name is unknown.
type Place struct {
	Code      string `json:"code"`
	Province  string `json:"province,omitempty"`
	City      string `json:"city,omitempty"`
	County    string `json:"county,omitempty"`
	Street    string `json:"street,omitempty"`
	Community string `json:"community,omitempty"`
}

var (
	//go:embed divisions/provinces.csv
	provincesCSV []byte
	//go:embed divisions/cities.csv
	citiesCSV []byte
	//go:embed divisions/streets.csv
	streetsCSV []byte
)

var embedded = sync.OnceValue(func() *Names {
	n, err := load(bytes.NewReader(provincesCSV), bytes.NewReader(citiesCSV), bytes.NewReader(streetsCSV))
	if err != nil {
		panic("places: embedded division tables: " + err.Error()) // checked by the tests
	}
	return n
})

// Default returns the names of the embedded public tables, without
// community names. Loaded on first use (about 41,000 streets).
func Default() *Names { return embedded() }

// New returns the embedded names plus the district's own names of 9- and
// 12-digit codes (config places.names: community names, or a street the
// public table lacks); a code of another length or with non-digits is an
// error naming it.
func New(extra map[string]string) (*Names, error) {
	base := embedded()
	if len(extra) == 0 {
		return base, nil
	}
	n := *base
	n.extra = make(map[string]string, len(extra))
	for code, name := range extra {
		if (len(code) != 9 && len(code) != 12) || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("cannot use the name of division code %q: want 9 or 12 digits", code)
		}
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("cannot use the name of division code %s: it is empty", code)
		}
		n.extra[code] = strings.TrimSpace(name)
	}
	return &n, nil
}

// load reads provinces.csv (code,name), cities.csv (code,name,provinceCode)
// and streets.csv (code,name,areaCode,provinceCode,cityCode), each with a
// header row.
func load(provinces, cities, streets io.Reader) (*Names, error) {
	n := &Names{counties: normalize.DefaultDivisions()}
	var err error
	if n.provinces, err = readCSV(provinces, 2, "provinces"); err != nil {
		return nil, err
	}
	if n.cities, err = readCSV(cities, 4, "cities"); err != nil {
		return nil, err
	}
	for code, name := range n.cities {
		if name == "市辖区" || name == "县" || strings.Contains(name, "直辖") {
			delete(n.cities, code) // not a place name: 北京市市辖区朝阳区 is 北京市朝阳区
		}
	}
	if n.streets, err = readCSV(streets, 9, "streets"); err != nil {
		return nil, err
	}
	return n, nil
}

func readCSV(r io.Reader, width int, what string) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s table: %w", what, err)
	}
	out := make(map[string]string, len(rows))
	for i, row := range rows {
		if i == 0 {
			continue // header
		}
		if len(row) < 2 || len(row[0]) != width || strings.Trim(row[0], "0123456789") != "" || row[1] == "" {
			return nil, fmt.Errorf("cannot parse the %s table line %d: want a %d-digit code and a name", what, i+1, width)
		}
		out[row[0]] = row[1]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cannot load the %s table: no codes", what)
	}
	return out, nil
}

// Place looks a 6-, 9- or 12-digit code up (a 2- or 4-digit prefix too);
// levels whose names are unknown stay "".
func (n *Names) Place(code string) Place {
	p := Place{Code: code}
	if strings.Trim(code, "0123456789") != "" {
		return p
	}
	if len(code) >= 2 {
		p.Province = n.provinces[code[:2]]
	}
	if len(code) >= 4 {
		p.City = n.cities[code[:4]]
	}
	if len(code) >= 6 {
		p.County, _, _ = n.counties.County(code[:6])
	}
	if len(code) >= 9 {
		p.Street = n.extra[code[:9]]
		if p.Street == "" {
			p.Street = n.streets[code[:9]]
		}
	}
	if len(code) >= 12 {
		p.Community = n.extra[code[:12]]
	}
	return p
}

// Name is the place's full name for a clerk or a certificate:
// 北京市朝阳区望京街道花家地社区. When the most specific level the code
// reaches is unknown, the known levels are followed by the code:
// 北京市朝阳区建外街道（社区代码 110105001001）; a code known at no level is
// the code itself.
func (p Place) Name() string { return p.name(true) }

// Local is Name without the province and city (朝阳区望京街道花家地社区), for
// places the reader knows to be in their city.
func (p Place) Local() string { return p.name(false) }

func (p Place) name(full bool) string {
	var b strings.Builder
	if full {
		b.WriteString(p.Province)
		b.WriteString(p.City)
	}
	b.WriteString(p.County)
	b.WriteString(p.Street)
	b.WriteString(p.Community)
	known := b.String()
	if p.mostSpecificKnown() {
		return known
	}
	if known == "" {
		return p.Code
	}
	return known + "（" + levelName(len(p.Code)) + "代码 " + p.Code + "）"
}

// mostSpecificKnown reports whether the level the code reaches has a name.
func (p Place) mostSpecificKnown() bool {
	switch len(p.Code) {
	case 2:
		return p.Province != ""
	case 4:
		return p.City != "" || p.Province != ""
	case 6:
		return p.County != ""
	case 9:
		return p.Street != ""
	case 12:
		return p.Community != ""
	}
	return false
}

func levelName(digits int) string {
	switch digits {
	case 9:
		return "街道"
	case 12:
		return "社区"
	}
	return "区划"
}
