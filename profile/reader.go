// Package profile reads the resident profile from ClickHouse: every dataset's
// current facts about a person or a household as of a date, with the evidence
// (source, record key, source and ingest time) of each fact and how fresh
// each dataset is. It is glue (I/O only): the records are facts.Records,
// derived from schema; the rules live in eligibility, which never imports
// profile (nor profile eligibility): the API adapts a household to the
// rules' input.
//
// Reads are primary-key lookups only: the dataset tables are ordered by
// (id_number, source, record_key, source_time) and person_by_household by
// household_id. A household check is two queries (round trips): one lookup
// on person_by_household for the members (the applicant's household_ids
// from a key lookup on person as a subquery), then ONE UNION ALL query of one
// lookup per dataset; plus a dataset-wide freshness query that is cached for
// CacheTTL. A resident is one UNION ALL query.
package profile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/store"
)

// CacheTTL is how long dataset-wide freshness (a scan of each table) is reused.
const CacheTTL = 30 * time.Second

// maxIDs bounds one IN (...) list (a household is a handful of persons; a
// household_id shared by very many persons is bad data, read no further).
const maxIDs = 1000

// Reader reads profiles from the database named by config.ClickHouse.Database.
// It is safe for concurrent use.
type Reader struct {
	conn driver.Conn
	db   string

	mu    sync.Mutex
	cache map[int64]wideEntry // key: as-of truncated to the minute, Unix seconds
	now   func() time.Time
}

type wideEntry struct {
	at     time.Time
	status map[string]wideStatus
}

type wideStatus struct {
	rows       int64
	sourceTime time.Time
	ingestTime time.Time
}

// NewReader returns a Reader over conn (store.Open) for the profile database
// cfg.Database.
func NewReader(conn driver.Conn, cfg config.ClickHouse) *Reader {
	return &Reader{conn: conn, db: store.QuoteIdent(cfg.Database), cache: map[int64]wideEntry{}, now: time.Now}
}

// Resident returns the person's profile as of the instant asOf: the current
// person record and all current facts of every dataset (the latest version
// with source_time <= asOf of each source record, unless that version is a
// delete). It returns ErrNotFound when no current person record exists.
// Costs one query (a UNION ALL of one primary-key lookup per dataset) and
// the cached dataset-wide freshness.
func (r *Reader) Resident(ctx context.Context, idNumber string, asOf time.Time) (*Resident, error) {
	asOf = asOf.UTC()
	byID, err := r.readAll(ctx, []string{idNumber}, asOf)
	if err != nil {
		return nil, err
	}
	res := byID[idNumber]
	if res == nil || res.Person == nil {
		return nil, ErrNotFound
	}
	wide, err := r.datasetStatus(ctx, asOf)
	if err != nil {
		return nil, err
	}
	res.Freshness = freshness([]*Resident{res}, wide)
	return res, nil
}

// Household returns the applicant's household as of asOf: everyone whose
// current person record carries the applicant's current household_id (any
// status), each with all current facts. It returns ErrNotFound when the
// applicant has no current person record. Costs two queries: one lookup on
// person_by_household (keyed by household_id, with the applicant's
// household_ids from a key lookup on person as a subquery), then readAll
// (one primary-key lookup per dataset with WHERE id_number IN (...), all in
// one UNION ALL query).
func (r *Reader) Household(ctx context.Context, idNumber string, asOf time.Time) (*Household, error) {
	asOf = asOf.UTC()
	ids, err := r.householdCandidates(ctx, idNumber, asOf)
	if err != nil {
		return nil, err
	}
	byID, err := r.readAll(ctx, ids, asOf)
	if err != nil {
		return nil, err
	}
	app := byID[idNumber]
	if app == nil || app.Person == nil {
		return nil, ErrNotFound
	}
	h := &Household{HouseholdID: app.Person.Str("household_id"), AsOf: asOf, Applicant: app}
	for _, id := range ids {
		m := byID[id]
		if m != nil && m.Person != nil && m.Person.Str("household_id") == h.HouseholdID {
			h.Members = append(h.Members, m)
		}
	}
	wide, err := r.datasetStatus(ctx, asOf)
	if err != nil {
		return nil, err
	}
	for _, m := range h.Members {
		m.Freshness = freshness([]*Resident{m}, wide)
	}
	h.Freshness = freshness(h.Members, wide)
	return h, nil
}

// householdCandidates lists the applicant and every id_number that was ever
// (source_time <= asOf) filed under one of the applicant's household_ids,
// sorted. Who is a member now is decided from their current person rows.
func (r *Reader) householdCandidates(ctx context.Context, idNumber string, asOf time.Time) ([]string, error) {
	q := fmt.Sprintf(`SELECT DISTINCT id_number FROM %s.person_by_household
WHERE household_id IN (SELECT household_id FROM %s.person WHERE id_number = ? AND source_time <= %s)
  AND source_time <= %s
LIMIT %d`, r.db, r.db, sqlTime(asOf), sqlTime(asOf), maxIDs)
	rows, err := r.conn.Query(ctx, q, idNumber)
	if err != nil {
		return nil, fmt.Errorf("cannot read household members: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{idNumber: true}
	ids := []string{idNumber}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cannot read household members: %w", err)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read household members: %w", err)
	}
	sort.Strings(ids)
	return ids, nil
}

// readAll reads every dataset for ids in ONE query, a UNION ALL of one
// primary-key lookup per dataset (the field columns as strings, see column),
// and returns a Resident per id (Person may be nil).
//
// One query with the members' ids inlined, rather than the household
// subquery in every branch: ClickHouse 18.16 would run that subquery (two
// key lookups) once per branch, which costs more than the extra round trip.
func (r *Reader) readAll(ctx context.Context, ids []string, asOf time.Time) (map[string]*Resident, error) {
	idCond := "id_number IN (" + store.InList(ids) + ")"
	branches := make([]string, len(facts.Defs()))
	for i, def := range facts.Defs() {
		branches[i] = branch(r.db, def, idCond, asOf)
	}
	q := strings.Join(branches, "\nUNION ALL\n")
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("cannot read profile datasets: %w", err)
	}
	defer rows.Close()
	byDataset := make(map[string][]dsRow, len(Datasets))
	for rows.Next() {
		var x dsRow
		if err := rows.Scan(&x.ds, &x.id, &x.vals, &x.bk.source, &x.bk.recordKey, &x.bk.deleted, &x.bk.sourceTime, &x.bk.ingestTime); err != nil {
			return nil, fmt.Errorf("cannot read profile datasets: %w", err)
		}
		byDataset[x.ds] = append(byDataset[x.ds], x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read profile datasets: %w", err)
	}
	out := make(map[string]*Resident, len(ids))
	for _, id := range ids {
		out[id] = &Resident{Member: facts.Member{IDNumber: id}, AsOf: asOf, Freshness: map[string]Freshness{}}
	}
	for _, def := range facts.Defs() {
		fr, err := fill(def, byDataset[def.Name], out)
		if err != nil {
			return nil, err
		}
		for id, f := range fr {
			if res := out[id]; res != nil {
				res.Freshness[def.Name] = f
			}
		}
	}
	return out, nil
}

// branch is a dataset's SELECT in the one-query read: ds (the table name),
// id_number, the other field columns as vals Array(String) (fieldExpr, in
// schema order), then the bookkeeping columns, for the rows matching idCond
// (on key columns) with source_time <= asOf. PREWHERE (same filter as
// WHERE) reads the key columns first, so the other columns are read only
// for granules holding matching rows.
func branch(db string, def *facts.Def, idCond string, asOf time.Time) string {
	fields := valueFields(def)
	exprs := make([]string, len(fields))
	for i, f := range fields {
		exprs[i] = fieldExpr(f)
	}
	return fmt.Sprintf("SELECT %s AS ds, id_number, [%s] AS vals, source, record_key, deleted, source_time, ingest_time FROM %s.%s PREWHERE %s AND source_time <= %s",
		store.QuoteString(def.Name), strings.Join(exprs, ", "), db, def.Name, idCond, sqlTime(asOf))
}

// freshness combines the per-person freshness of residents with the
// dataset-wide status.
func freshness(rs []*Resident, wide map[string]wideStatus) map[string]Freshness {
	out := make(map[string]Freshness, len(Datasets))
	for _, ds := range Datasets {
		f := Freshness{Dataset: ds}
		for _, r := range rs {
			p := r.Freshness[ds]
			f.Records += p.Records
			f.LatestSourceTime = later(f.LatestSourceTime, p.LatestSourceTime)
			f.LatestIngestTime = later(f.LatestIngestTime, p.LatestIngestTime)
		}
		w := wide[ds]
		f.DatasetRows, f.DatasetSourceTime, f.DatasetIngestTime = w.rows, w.sourceTime, w.ingestTime
		out[ds] = f
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// sqlTime renders an instant as a ClickHouse DateTime literal (Unix seconds,
// so no time-zone ambiguity; safe to inline: it is a number).
func sqlTime(t time.Time) string {
	sec := t.Unix()
	if sec < 0 {
		sec = 0
	}
	if sec > 4294967295 {
		sec = 4294967295
	}
	return fmt.Sprintf("toDateTime(%d)", sec)
}

// datasetStatus returns, per dataset, the number of rows with source_time <=
// asOf and the latest source_time / ingest_time <= asOf over the whole table.
// One query (a scan of the time columns of each table), cached for CacheTTL
// per as-of minute and taken up to the END of that minute, so a check made
// right after a load sees it (at most CacheTTL late, never a minute late).
func (r *Reader) datasetStatus(ctx context.Context, asOf time.Time) (map[string]wideStatus, error) {
	key := asOf.Truncate(time.Minute).Add(time.Minute - time.Second)
	now := r.now()
	r.mu.Lock()
	if e, ok := r.cache[key.Unix()]; ok && now.Sub(e.at) < CacheTTL {
		r.mu.Unlock()
		return e.status, nil
	}
	r.mu.Unlock()

	t := sqlTime(key)
	var parts []string
	for _, ds := range Datasets {
		parts = append(parts, fmt.Sprintf(
			"SELECT '%s' AS dataset, countIf(source_time <= %s) AS n, maxIf(source_time, source_time <= %s) AS st, maxIf(ingest_time, ingest_time <= %s) AS it FROM %s.%s",
			ds, t, t, t, r.db, ds))
	}
	rows, err := r.conn.Query(ctx, strings.Join(parts, "\nUNION ALL\n"))
	if err != nil {
		return nil, fmt.Errorf("cannot read dataset freshness: %w", err)
	}
	defer rows.Close()
	status := map[string]wideStatus{}
	for rows.Next() {
		var (
			ds     string
			n      uint64
			st, it time.Time
		)
		if err := rows.Scan(&ds, &n, &st, &it); err != nil {
			return nil, fmt.Errorf("cannot read dataset freshness: %w", err)
		}
		w := wideStatus{rows: int64(n)}
		if st.Unix() > 0 {
			w.sourceTime = st.UTC()
		}
		if it.Unix() > 0 {
			w.ingestTime = it.UTC()
		}
		status[ds] = w
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read dataset freshness: %w", err)
	}
	r.mu.Lock()
	for k, e := range r.cache {
		if now.Sub(e.at) >= CacheTTL {
			delete(r.cache, k)
		}
	}
	r.cache[key.Unix()] = wideEntry{at: now, status: status}
	r.mu.Unlock()
	return status, nil
}
