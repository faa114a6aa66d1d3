// Package profile reads the resident profile from ClickHouse: every dataset's
// current facts about a person or a household as of a date, with the evidence
// (source, record key, source and ingest time) of each fact and how fresh
// each dataset is. It is glue (I/O only): the records are facts.Records,
// derived from schema; the rules live in eligibility, which never imports
// profile (nor profile eligibility): the API adapts a household to the
// rules' input.
//
// Reads go to the read side (readside.go, migration 0040): a household is
// ONE query, a primary-key read of profile_rows for the members
// household_members lists under the applicant's household_ids (points.go),
// with the ID numbers passed as an external table (never in the query text,
// which ClickHouse shows to every user). Concurrent reads share queries
// (batch.go). The read side holds every version, so "as of" reads are as
// exact as current ones. With ReadOptions.CacheEntries, a read cache
// (cache.go) answers repeated reads of a household, or of its members,
// from memory until system.parts shows new rows for them. Dataset-wide freshness is one cached query over
// the history tables (freshness.go).
package profile

import (
	"context"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/store"
)

// maxIDs bounds the members read per household (a household is a handful
// of persons; a household_id shared by very many persons is bad data, read
// no further).
const maxIDs = 1000

// Defaults of ReadOptions.
const (
	DefaultQueries  = 2
	DefaultMaxBatch = 64
	DefaultTimeout  = 10 * time.Second
)

// ReadOptions tune the point reads of one Reader (one API process).
type ReadOptions struct {
	// Queries is how many point-read queries run at once (default
	// DefaultQueries); the connection pool must hold that many more than
	// its other users take.
	Queries int
	// MaxBatch is the most requests one query answers (default
	// DefaultMaxBatch).
	MaxBatch int
	// Timeout bounds one query (default DefaultTimeout).
	Timeout time.Duration
	// CacheEntries is how many households and residents the read cache
	// (cache.go) keeps; 0 (the default) turns the cache off, so every read
	// asks ClickHouse.
	CacheEntries int
	// CachePoll is how often the read cache asks ClickHouse for new rows
	// (default DefaultCachePoll): a pushed record shows in a cached read
	// about this long after the pipelines' insert returns.
	CachePoll time.Duration
}

// Reader reads profiles from the database named by config.ClickHouse.Database.
// It is safe for concurrent use.
type Reader struct {
	conn       driver.Conn
	db         string
	pointQuery pointQueries
	batch      batcher
	households householdMemory
	cache      *readCache
	wide       wideCache
	now        func() time.Time
}

// NewReader returns a Reader over conn (store.Open) for the profile database
// cfg.Database, with the default ReadOptions.
func NewReader(conn driver.Conn, cfg config.ClickHouse) *Reader {
	return NewReaderWith(conn, cfg, ReadOptions{})
}

// NewReaderWith is NewReader with options (zero fields take the defaults).
func NewReaderWith(conn driver.Conn, cfg config.ClickHouse, opt ReadOptions) *Reader {
	if opt.Queries <= 0 {
		opt.Queries = DefaultQueries
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = DefaultMaxBatch
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	db := store.QuoteIdent(cfg.Database)
	r := &Reader{conn: conn, db: db, now: time.Now, pointQuery: pointQuery(db), households: householdMemory{max: maxRemembered}}
	r.batch = batcher{slots: opt.Queries, max: opt.MaxBatch, timeout: opt.Timeout, read: r.readPoints}
	if opt.CachePoll <= 0 {
		opt.CachePoll = DefaultCachePoll
	}
	if opt.CacheEntries > 0 {
		r.cache = newReadCache(conn, cfg.Database, opt.CacheEntries, opt.CachePoll)
	}
	return r
}

// residents builds the Resident of each id from the rows with source_time
// <= asOf (Person may be nil). The rows are shared by the requests of a
// batch and are not changed.
func (p *pointRows) residents(ids []string, asOf time.Time) (map[string]*Resident, error) {
	out := make(map[string]*Resident, len(ids))
	defs := facts.Defs()
	// Each dataset's rows in one slice of its own (fill sorts them), sized
	// by counting first.
	count := make([]int, len(defs))
	for _, id := range ids {
		for _, row := range p.byID[id] {
			if !row.bk.sourceTime.After(asOf) {
				if i, ok := defIndex[row.ds]; ok {
					count[i]++
				}
			}
		}
	}
	byDataset := make([][]dsRow, len(defs))
	for i, n := range count {
		if n > 0 {
			byDataset[i] = make([]dsRow, 0, n)
		}
	}
	for _, id := range ids {
		out[id] = &Resident{Member: facts.Member{IDNumber: id}, AsOf: asOf, Freshness: make(map[string]Freshness, len(defs))}
		for _, row := range p.byID[id] {
			if !row.bk.sourceTime.After(asOf) {
				if i, ok := defIndex[row.ds]; ok {
					byDataset[i] = append(byDataset[i], row)
				}
			}
		}
	}
	for i, def := range defs {
		if err := fill(def, byDataset[i], out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// defIndex is each dataset's position in facts.Defs.
var defIndex = func() map[string]int {
	out := map[string]int{}
	for i, d := range facts.Defs() {
		out[d.Name] = i
	}
	return out
}()

// candidates lists the applicant and everyone filed (in any version, at any
// time) under one of the applicant's household_ids, sorted; who is a member
// as of a date is decided from their person rows.
func (p *pointRows) candidates(id string) []string {
	seen := map[string]bool{id: true}
	ids := []string{id}
	for _, row := range p.byID[id] {
		if row.ds != facts.DatasetPerson || householdField >= len(row.vals) {
			continue
		}
		for _, m := range p.byHousehold[row.vals[householdField]] {
			if !seen[m] {
				seen[m] = true
				ids = append(ids, m)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// Resident returns the person's profile as of the instant asOf: the current
// person record and all current facts of every dataset (the latest version
// with source_time <= asOf of each source record, unless that version is a
// delete). It returns ErrNotFound when no current person record exists.
// Costs one point query (possibly shared, see batcher) and the cached
// dataset-wide freshness.
func (r *Reader) Resident(ctx context.Context, idNumber string, asOf time.Time) (*Resident, error) {
	asOf = asOf.UTC()
	key := cacheKey{id: idNumber}
	pr, epoch, cacheable := r.cache.lookup(key)
	if pr == nil {
		var err error
		if pr, err = r.batch.do(ctx, idNumber, false, false); err != nil {
			return nil, err
		}
		if cacheable {
			ids := []string{idNumber}
			r.cache.put(key, pr.subset(ids, nil), ids, nil, epoch)
		}
	}
	byID, err := pr.residents([]string{idNumber}, asOf)
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
// applicant has no current person record. Costs one point query (possibly
// shared, see batcher) and the cached dataset-wide freshness.
func (r *Reader) Household(ctx context.Context, idNumber string, asOf time.Time) (*Household, error) {
	asOf = asOf.UTC()
	key := cacheKey{id: idNumber, household: true}
	pr, epoch, cacheable := r.cache.lookup(key)
	if pr == nil {
		var err error
		pr, err = r.batch.do(ctx, idNumber, true, false)
		if err == nil && !pr.complete(idNumber) {
			// The remembered household_ids did not hold: read it the long way.
			pr, err = r.batch.do(ctx, idNumber, true, true)
		}
		if err != nil {
			return nil, err
		}
		if cacheable {
			ids, hhs := pr.candidates(idNumber), pr.householdsOf(idNumber)
			r.cache.put(key, pr.subset(ids, hhs), ids, hhs, epoch)
		}
	}
	ids := pr.candidates(idNumber)
	byID, err := pr.residents(ids, asOf)
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
