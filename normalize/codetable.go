package normalize

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// CodeTable is a national code table (code → name) with the names, short
// names and legacy aliases that departments send instead of codes. It is
// read-only after loading and safe for concurrent use.
type CodeTable struct {
	field  string            // canonical field name for errors
	codes  []string          // in file order
	names  map[string]string // code → name
	keys   map[string]string // lookup key (name, alias, short name) → code
	width  int               // length of every code when all are digits of one length, else 0
	legacy map[string]string // obsolete code → code, for codes some systems still send
}

// nameSuffixes are dropped from a table name to make the short name that
// departments write: 汉族 → 汉, 男性 → 男, 未知的性别 → 未知.
var nameSuffixes = []string{"的性别", "族", "性"}

// aliasSeparators split an alias cell: commas, semicolons, 、 and spaces.
const aliasSeparators = ",;、 \t"

// LoadCodeTable reads a code table in the TSV format of the files under
// codetables/: UTF-8, a header row, then one row per code with the code in the
// first column and its name in the second. Further columns are optional: a
// column whose header contains "alias" lists alternative names separated by
// commas, semicolons, 、 or spaces; a column whose header ends in "code"
// (letter_code in GB 3304) holds one more accepted spelling. Empty lines are
// skipped; a row without a code or name, or a repeated code, is an error.
// Errors from the table name the field "code" (relabel with WithField).
func LoadCodeTable(r io.Reader) (*CodeTable, error) {
	return loadCodeTable(r, FieldCode)
}

func loadCodeTable(r io.Reader, field string) (*CodeTable, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("cannot read code table: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	t := &CodeTable{field: field, names: map[string]string{}, keys: map[string]string{}}
	var header []string
	var aliases []string // alias keys, added after names so names win
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if header == nil {
			header = cols
			continue
		}
		if len(cols) < 2 {
			return nil, fmt.Errorf("cannot parse code table line %d: want code<TAB>name", i+1)
		}
		code, name := Text(cols[0]), Text(cols[1])
		if code == "" || name == "" {
			return nil, fmt.Errorf("cannot parse code table line %d: empty code or name", i+1)
		}
		if _, dup := t.names[code]; dup {
			return nil, fmt.Errorf("cannot parse code table line %d: code %q repeated", i+1, code)
		}
		t.codes = append(t.codes, code)
		t.names[code] = name
		t.keys[lookupKey(name)] = code
		for j := 2; j < len(cols) && j < len(header); j++ {
			h := strings.ToLower(header[j])
			switch {
			case strings.Contains(h, "alias"):
				for _, a := range strings.FieldsFunc(cols[j], func(r rune) bool { return strings.ContainsRune(aliasSeparators, r) }) {
					aliases = append(aliases, lookupKey(a), code)
				}
			case strings.HasSuffix(h, "code"):
				if a := lookupKey(cols[j]); a != "" {
					aliases = append(aliases, a, code)
				}
			}
		}
	}
	if header == nil || len(t.codes) == 0 {
		return nil, errors.New("cannot parse code table: no rows")
	}
	t.width = len(t.codes[0])
	for _, c := range t.codes {
		if len(c) != t.width || !isDigits(c) {
			t.width = 0
			break
		}
	}
	for i := 0; i < len(aliases); i += 2 {
		t.addKey(aliases[i], aliases[i+1])
	}
	short := map[string]string{}
	for _, c := range t.codes {
		for _, suf := range nameSuffixes {
			if s, ok := strings.CutSuffix(t.names[c], suf); ok && s != "" {
				if prev, seen := short[s]; seen && prev != c {
					short[s] = "" // two codes share the short name: accept neither
				} else {
					short[s] = c
				}
				break
			}
		}
	}
	for s, c := range short {
		if c != "" {
			t.addKey(lookupKey(s), c)
		}
	}
	return t, nil
}

// addKey adds a lookup key unless it is empty, a code, or already taken.
func (t *CodeTable) addKey(key, code string) {
	if key == "" {
		return
	}
	if _, isCode := t.names[key]; isCode {
		return
	}
	if _, taken := t.keys[key]; !taken {
		t.keys[key] = code
	}
}

// lookupKey is the spelling-insensitive form of a name or alias.
func lookupKey(s string) string {
	return strings.ToUpper(Text(s))
}

// Normalize maps a value a department sent for this table to the table's
// code. In order: the value (trimmed, width-folded) is looked up in
// deptMapping, the department's own value → code mapping, whose result must be
// a code of the table; a code of the table is kept ("1" is read as "01" when
// every code has two digits); a legacy code is replaced (Ethnicity: 57 → 97);
// a name, an alias from the table, or a name
// without its 族/性/的性别 suffix (男 → 1, 汉 → 01) gives its code. Anything else
// is an *Error with reason "unknown code or name". deptMapping may be nil.
func (t *CodeTable) Normalize(value string, deptMapping map[string]string) (code string, err error) {
	v := Text(value)
	if v == "" {
		return "", newError(t.field, v, "is empty")
	}
	m, ok := deptMapping[v]
	if !ok {
		m, ok = deptMapping[value]
	}
	if ok {
		if c, ok := t.code(Text(m)); ok {
			return c, nil
		}
		return "", newError(t.field, v, "department mapping gives "+truncate(m, 16)+", which is not a code of the table")
	}
	c, ok := t.code(v)
	if ok {
		return c, nil
	}
	if l := t.legacy[c]; l != "" {
		return l, nil
	}
	if c, ok := t.keys[lookupKey(v)]; ok {
		return c, nil
	}
	return "", newError(t.field, v, "unknown code or name")
}

// code returns v as a code of the table, padding or trimming leading zeros
// to the table's code width; when that is not a code, ok is false and c is
// the padded digits (for the legacy lookup) or "".
func (t *CodeTable) code(v string) (c string, ok bool) {
	if _, ok := t.names[v]; ok {
		return v, true
	}
	if t.width == 0 || !isDigits(v) {
		return "", false
	}
	if len(v) > t.width {
		trimmed := strings.TrimLeft(v[:len(v)-t.width], "0")
		if trimmed != "" {
			return "", false
		}
		v = v[len(v)-t.width:]
	} else {
		v = strings.Repeat("0", t.width-len(v)) + v
	}
	_, ok = t.names[v]
	return v, ok
}

// Name returns the name of a code of the table (GB 3304 "01" → "汉族"), or ""
// when code is not in the table. code must be exact; see Normalize.
func (t *CodeTable) Name(code string) string {
	return t.names[code]
}

// Codes returns the codes of the table in file order.
func (t *CodeTable) Codes() []string {
	return append([]string(nil), t.codes...)
}

//go:embed codetables/*.tsv
var codeTableFiles embed.FS

// embeddedCodeTable loads an embedded table once; the embedded files are
// checked by the tests, so a failure here is a build defect.
func embeddedCodeTable(file, field string, legacy map[string]string) func() *CodeTable {
	return sync.OnceValue(func() *CodeTable {
		f, err := codeTableFiles.Open("codetables/" + file)
		if err != nil {
			panic("normalize: embedded code table missing: " + err.Error())
		}
		defer f.Close()
		t, err := loadCodeTable(f, field)
		if err != nil {
			panic("normalize: embedded code table " + file + ": " + err.Error())
		}
		t.legacy = legacy
		return t
	})
}

var (
	sexTable       = embeddedCodeTable("gb2261_1_sex.tsv", FieldSex, nil)
	ethnicityTable = embeddedCodeTable("gb3304_ethnicity.tsv", FieldEthnicity,
		// Some systems number 其他 and 外国血统中国籍人士 57 and 58
		// (/work/shared/data/README.md); GB 3304 has no 57 or 58.
		map[string]string{"57": "97", "58": "98"})
	relationToHeadTable = embeddedCodeTable("gbt4761_family_relationship.tsv", FieldRelationToHead, nil)
)

// Sex returns the GB/T 2261.1-2003 sex code table: 0 unknown, 1 male (男性,
// also "男"), 2 female (女性, "女"), 9 not stated. Errors name the field "sex".
func Sex() *CodeTable { return sexTable() }

// Ethnicity returns the GB 3304-1991 ethnicity table: codes 01–56, 97 (其他)
// and 98 (外国血统中国籍人士), accepting full names (汉族), short names (汉),
// two-letter codes (HA), legacy spellings (崩龙族 → 46, 毛难族 → 36) and the
// legacy codes 57 → 97 and 58 → 98.
// Errors name the field "ethnicity".
func Ethnicity() *CodeTable { return ethnicityTable() }

// RelationToHead returns the GB/T 4761-2008 family relationship table
// (relation to the head of household: 02 户主, 10 配偶, 20 子, ...). Errors
// name the field "relation_to_head".
func RelationToHead() *CodeTable { return relationToHeadTable() }
