package profile

import (
	"context"
	"fmt"
	"sort"
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
	cols []string
	// dest returns scan destinations for id_number and cols.
	dest func(*T) []any
	// evidence returns the record's Evidence to fill in.
	evidence func(*T) *Evidence
}

// read runs one primary-key lookup (WHERE id_number IN (...) AND source_time
// <= asOf) and returns each id's current records, plus per-id freshness.
// Current: for each (source, record_key) the version with the latest
// source_time (replays of the same version collapse to the latest
// ingest_time, as ReplacingMergeTree(ingest_time) does on merge), dropped
// when that version is a delete. Deduplicating here instead of FINAL keeps
// the read a plain key-range read on every ClickHouse version.
func read[T any](ctx context.Context, r *Reader, t table[T], ids []string, asOf time.Time) (map[string][]T, map[string]Freshness, error) {
	q := fmt.Sprintf("SELECT id_number, %s, source, record_key, deleted, source_time, ingest_time FROM %s.%s WHERE id_number IN (%s) AND source_time <= %s",
		strings.Join(t.cols, ", "), r.db, t.name, store.InList(ids), sqlTime(asOf))
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", t.name, err)
	}
	defer rows.Close()
	var all []versioned[T]
	for rows.Next() {
		var v versioned[T]
		dest := t.dest(&v.rec)
		dest = append(dest, &v.bk.source, &v.bk.recordKey, &v.bk.deleted, &v.bk.sourceTime, &v.bk.ingestTime)
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, fmt.Errorf("cannot read %s: %w", t.name, err)
		}
		v.id = *(dest[0].(*string))
		all = append(all, v)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("cannot read %s: %w", t.name, err)
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
	cols: []string{"name", "sex", "birth_date", "ethnicity", "household_id", "relation_to_head", "hukou_division", "hukou_address", "status", "phone"},
	dest: func(p *Person) []any {
		return []any{&p.IDNumber, &p.Name, &p.Sex, &p.BirthDate, &p.Ethnicity, &p.HouseholdID, &p.RelationToHead, &p.HukouDivision, &p.HukouAddress, &p.Status, &p.Phone}
	},
	evidence: func(p *Person) *Evidence { return &p.Evidence },
}

var residenceTable = table[Residence]{
	name: DatasetResidence,
	cols: []string{"address", "community_code", "since", "evidence_kind"},
	dest: func(p *Residence) []any {
		return []any{&p.IDNumber, &p.Address, &p.CommunityCode, &p.Since, &p.EvidenceKind}
	},
	evidence: func(p *Residence) *Evidence { return &p.Evidence },
}

var socialInsuranceTable = table[SocialInsurance]{
	name: DatasetSocialInsurance,
	cols: []string{"insurance_type", "status", "employer_credit_code", "contribution_base_fen", "monthly_pension_fen", "period_start", "period_end"},
	dest: func(p *SocialInsurance) []any {
		return []any{&p.IDNumber, &p.InsuranceType, &p.Status, &p.EmployerCreditCode, &p.ContributionBaseFen, &p.MonthlyPensionFen, &p.PeriodStart, &p.PeriodEnd}
	},
	evidence: func(p *SocialInsurance) *Evidence { return &p.Evidence },
}

var employmentTable = table[Employment]{
	name: DatasetEmployment,
	cols: []string{"employer_credit_code", "employer_name", "period", "gross_income_fen", "income_kind"},
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
	cols: []string{"health_code_colour", "health_code_time", "disability_category", "disability_grade", "major_illness"},
	dest: func(p *healthRow) []any {
		return []any{&p.IDNumber, &p.HealthCodeColour, &p.HealthCodeTime, &p.DisabilityCategory, &p.DisabilityGrade, &p.illness}
	},
	evidence: func(p *healthRow) *Evidence { return &p.Evidence },
}

var assetTable = table[Asset]{
	name: DatasetAsset,
	cols: []string{"asset_kind", "value_fen", "registered_at"},
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

func (r *Reader) readPersons(ctx context.Context, ids []string, asOf time.Time, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := read(ctx, r, personTable, ids, asOf)
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

func (r *Reader) readResidences(ctx context.Context, ids []string, asOf time.Time, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := read(ctx, r, residenceTable, ids, asOf)
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

func (r *Reader) readSocialInsurance(ctx context.Context, ids []string, asOf time.Time, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := read(ctx, r, socialInsuranceTable, ids, asOf)
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

func (r *Reader) readEmployment(ctx context.Context, ids []string, asOf time.Time, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := read(ctx, r, employmentTable, ids, asOf)
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

func (r *Reader) readHealth(ctx context.Context, ids []string, asOf time.Time, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := read(ctx, r, healthTable, ids, asOf)
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

func (r *Reader) readAssets(ctx context.Context, ids []string, asOf time.Time, into map[string]*Resident) (map[string]Freshness, error) {
	recs, fresh, err := read(ctx, r, assetTable, ids, asOf)
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
