package profile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/residenthub/residenthub/store"
)

// bookkeeping are the columns every dataset row carries after its fields.
type bookkeeping struct {
	source, recordKey      string
	deleted                uint8
	sourceTime, ingestTime time.Time
}

// versioned is one row: the record (with its id_number) and its bookkeeping.
type versioned[T any] struct {
	id  string
	rec T
	bk  bookkeeping
}

// table describes how to read one dataset table into records of type T.
type table[T any] struct {
	name string
	// cols are the field columns after id_number, in dest order.
	cols []column
	// dest returns destinations for id_number and cols (column.set fills them).
	dest func(*T) []any
	// evidence returns the record's Evidence to fill in.
	evidence func(*T) *Evidence
}

// colKind says how a column travels in the one-query read (readAll): every
// dataset's field columns come back as one Array(String) (UNION ALL branches
// must agree on types) and are converted back to the record's Go types.
type colKind int

const (
	colString   colKind = iota // String, as is
	colInt                     // Int*/UInt*: toString, decimal
	colDateTime                // DateTime: toString(toUnixTimestamp(col)), Unix seconds (no time-zone ambiguity)
	colMonth                   // Date (employment.period): toString, "0000-00-00"/"1970-01-01" = unknown
	colISODate                 // String holding "2006-01-02" or "" (see Date)
)

// column is one field column of a dataset table.
type column struct {
	name string
	kind colKind
}

// expr is the column's String expression in the one-query read.
func (c column) expr() string {
	switch c.kind {
	case colInt, colMonth:
		return "toString(" + c.name + ")"
	case colDateTime:
		return "toString(toUnixTimestamp(" + c.name + "))"
	default:
		return c.name
	}
}

// set converts s (as rendered by expr) into dst, a destination of the
// table's dest: *string, *int64, *int32, *uint8, *time.Time (UTC) or *Date.
func (c column) set(dst any, s string) error {
	var err error
	switch d := dst.(type) {
	case *string:
		*d = s
	case *int64:
		*d, err = strconv.ParseInt(s, 10, 64)
	case *int32:
		var n int64
		n, err = strconv.ParseInt(s, 10, 32)
		*d = int32(n)
	case *uint8:
		var n uint64
		n, err = strconv.ParseUint(s, 10, 8)
		*d = uint8(n)
	case *time.Time:
		var n int64
		n, err = strconv.ParseInt(s, 10, 64)
		*d = time.Unix(n, 0).UTC()
	case *Date:
		if c.kind == colMonth && (s == "0000-00-00" || s == "1970-01-01") {
			*d = Date{} // ClickHouse's zero Date: unknown
			return nil
		}
		err = d.Scan(s)
	default:
		err = fmt.Errorf("unsupported destination %T", dst)
	}
	if err != nil {
		return fmt.Errorf("cannot read column %s value %q: %w", c.name, s, err)
	}
	return nil
}

// branch is the table's SELECT in the one-query read: ds (the table name),
// id_number, the field columns as vals Array(String), then the bookkeeping
// columns, for the rows matching idCond (on key columns) with source_time <=
// asOf. PREWHERE (same filter as WHERE) reads the key columns first, so the
// other columns are read only for granules holding matching rows.
func (t table[T]) branch(db, idCond string, asOf time.Time) string {
	exprs := make([]string, len(t.cols))
	for i, c := range t.cols {
		exprs[i] = c.expr()
	}
	return fmt.Sprintf("SELECT %s AS ds, id_number, [%s] AS vals, source, record_key, deleted, source_time, ingest_time FROM %s.%s PREWHERE %s AND source_time <= %s",
		store.QuoteString(t.name), strings.Join(exprs, ", "), db, t.name, idCond, sqlTime(asOf))
}

// dsRow is one row of the one-query read.
type dsRow struct {
	ds, id string
	vals   []string
	bk     bookkeeping
}

// current converts rows (all of table t) into each id's current records,
// plus per-id freshness. Current: for each (source, record_key) the version
// with the latest source_time (replays of the same version collapse to the
// latest ingest_time, as ReplacingMergeTree(ingest_time) does on merge),
// dropped when that version is a delete. Deduplicating here instead of FINAL
// keeps the read a plain key-range read on every ClickHouse version.
func current[T any](t table[T], rows []dsRow) (map[string][]T, map[string]Freshness, error) {
	all := make([]versioned[T], 0, len(rows))
	for _, r := range rows {
		var v versioned[T]
		dest := t.dest(&v.rec)
		if len(r.vals) != len(t.cols) || len(dest) != len(t.cols)+1 {
			return nil, nil, fmt.Errorf("cannot read %s: %d values for %d columns", t.name, len(r.vals), len(t.cols))
		}
		*(dest[0].(*string)) = r.id
		for i, c := range t.cols {
			if err := c.set(dest[i+1], r.vals[i]); err != nil {
				return nil, nil, fmt.Errorf("cannot read %s: %w", t.name, err)
			}
		}
		v.id, v.bk = r.id, r.bk
		all = append(all, v)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := &all[i], &all[j]
		if a.id != b.id {
			return a.id < b.id
		}
		if a.bk.source != b.bk.source {
			return a.bk.source < b.bk.source
		}
		if a.bk.recordKey != b.bk.recordKey {
			return a.bk.recordKey < b.bk.recordKey
		}
		if !a.bk.sourceTime.Equal(b.bk.sourceTime) {
			return a.bk.sourceTime.Before(b.bk.sourceTime)
		}
		return a.bk.ingestTime.Before(b.bk.ingestTime)
	})
	out := map[string][]T{}
	fresh := map[string]Freshness{}
	for i := range all {
		v := &all[i]
		f := fresh[v.id]
		f.Dataset = t.name
		f.LatestSourceTime = later(f.LatestSourceTime, v.bk.sourceTime.UTC())
		f.LatestIngestTime = later(f.LatestIngestTime, v.bk.ingestTime.UTC())
		last := i == len(all)-1 || all[i+1].id != v.id || all[i+1].bk.source != v.bk.source || all[i+1].bk.recordKey != v.bk.recordKey
		if last && v.bk.deleted == 0 {
			*t.evidence(&v.rec) = Evidence{
				Dataset: t.name, Source: v.bk.source, RecordKey: v.bk.recordKey,
				SourceTime: v.bk.sourceTime.UTC(), IngestTime: v.bk.ingestTime.UTC(),
			}
			out[v.id] = append(out[v.id], v.rec)
			f.Records++
		}
		fresh[v.id] = f
	}
	return out, fresh, nil
}

var personTable = table[Person]{
	name: DatasetPerson,
	cols: []column{{"name", colString}, {"sex", colString}, {"birth_date", colISODate}, {"ethnicity", colString}, {"household_id", colString},
		{"relation_to_head", colString}, {"hukou_division", colString}, {"hukou_address", colString}, {"status", colString}, {"phone", colString}},
	dest: func(p *Person) []any {
		return []any{&p.IDNumber, &p.Name, &p.Sex, &p.BirthDate, &p.Ethnicity, &p.HouseholdID, &p.RelationToHead, &p.HukouDivision, &p.HukouAddress, &p.Status, &p.Phone}
	},
	evidence: func(p *Person) *Evidence { return &p.Evidence },
}

var residenceTable = table[Residence]{
	name: DatasetResidence,
	cols: []column{{"address", colString}, {"community_code", colString}, {"since", colISODate}, {"evidence_kind", colString}},
	dest: func(p *Residence) []any {
		return []any{&p.IDNumber, &p.Address, &p.CommunityCode, &p.Since, &p.EvidenceKind}
	},
	evidence: func(p *Residence) *Evidence { return &p.Evidence },
}

var socialInsuranceTable = table[SocialInsurance]{
	name: DatasetSocialInsurance,
	cols: []column{{"insurance_type", colString}, {"status", colString}, {"employer_credit_code", colString}, {"contribution_base_fen", colInt},
		{"monthly_pension_fen", colInt}, {"period_start", colISODate}, {"period_end", colISODate}},
	dest: func(p *SocialInsurance) []any {
		return []any{&p.IDNumber, &p.InsuranceType, &p.Status, &p.EmployerCreditCode, &p.ContributionBaseFen, &p.MonthlyPensionFen, &p.PeriodStart, &p.PeriodEnd}
	},
	evidence: func(p *SocialInsurance) *Evidence { return &p.Evidence },
}

var employmentTable = table[Employment]{
	name: DatasetEmployment,
	cols: []column{{"employer_credit_code", colString}, {"employer_name", colString}, {"period", colMonth}, {"gross_income_fen", colInt}, {"income_kind", colString}},
	dest: func(p *Employment) []any {
		return []any{&p.IDNumber, &p.EmployerCreditCode, &p.EmployerName, &p.Period, &p.GrossIncomeFen, &p.IncomeKind}
	},
	evidence: func(p *Employment) *Evidence { return &p.Evidence },
}

// healthRow scans major_illness (UInt8) before turning it into a bool.
type healthRow struct {
	Health
	illness uint8
}

var healthTable = table[healthRow]{
	name: DatasetHealth,
	cols: []column{{"health_code_colour", colString}, {"health_code_time", colDateTime}, {"disability_category", colString}, {"disability_grade", colInt}, {"major_illness", colInt}},
	dest: func(p *healthRow) []any {
		return []any{&p.IDNumber, &p.HealthCodeColour, &p.HealthCodeTime, &p.DisabilityCategory, &p.DisabilityGrade, &p.illness}
	},
	evidence: func(p *healthRow) *Evidence { return &p.Evidence },
}

var assetTable = table[Asset]{
	name: DatasetAsset,
	cols: []column{{"asset_kind", colString}, {"value_fen", colInt}, {"registered_at", colISODate}},
	dest: func(p *Asset) []any {
		return []any{&p.IDNumber, &p.AssetKind, &p.ValueFen, &p.RegisteredAt}
	},
	evidence: func(p *Asset) *Evidence { return &p.Evidence },
}

// utcTime returns an instant in UTC, zero for the epoch ("unknown").
func utcTime(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

func fillPersons(rows []dsRow, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := current(personTable, rows)
	if err != nil {
		return nil, err
	}
	for id, ps := range recs {
		// Several sources may hold a current person row: the latest source_time wins.
		best := ps[0]
		for _, p := range ps[1:] {
			if p.Evidence.SourceTime.After(best.Evidence.SourceTime) {
				best = p
			}
		}
		if res := into[id]; res != nil {
			res.Person = &best
			res.IdentityConflicts = identityConflicts(ps)
		}
	}
	return fresh, nil
}

func fillResidences(rows []dsRow, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := current(residenceTable, rows)
	if err != nil {
		return nil, err
	}
	for id, rs := range recs {
		if res := into[id]; res != nil {
			res.Residences = rs
		}
	}
	return fresh, nil
}

func fillSocialInsurance(rows []dsRow, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := current(socialInsuranceTable, rows)
	if err != nil {
		return nil, err
	}
	for id, rs := range recs {
		if res := into[id]; res != nil {
			res.SocialInsurance = rs
		}
	}
	return fresh, nil
}

func fillEmployment(rows []dsRow, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := current(employmentTable, rows)
	if err != nil {
		return nil, err
	}
	for id, rs := range recs {
		if res := into[id]; res != nil {
			res.Employment = rs
		}
	}
	return fresh, nil
}

func fillHealth(rows []dsRow, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := current(healthTable, rows)
	if err != nil {
		return nil, err
	}
	for id, rs := range recs {
		hs := make([]Health, len(rs))
		for i, h := range rs {
			hs[i] = h.Health
			hs[i].MajorIllness = h.illness != 0
			hs[i].HealthCodeTime = utcTime(h.HealthCodeTime)
		}
		if res := into[id]; res != nil {
			res.Health = hs
		}
	}
	return fresh, nil
}

func fillAssets(rows []dsRow, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := current(assetTable, rows)
	if err != nil {
		return nil, err
	}
	for id, rs := range recs {
		if res := into[id]; res != nil {
			res.Assets = rs
		}
	}
	return fresh, nil
}
