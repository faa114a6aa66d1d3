package profile

import (
	"sort"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The read cache: an API process keeps the rows it read for a household
// (or a resident) and answers the next read of it from memory, for as long
// as ClickHouse holds nothing newer for any of its persons. It never
// serves rows older than what the process last saw in ClickHouse:
//
//   - A poller asks system.parts for the active parts of profile_rows every
//     poll interval. A part it has not seen, made of blocks newer than any
//     it has seen, holds new rows: their id_numbers and household_ids are
//     read (WHERE _part IN, a read of those parts only), and every entry
//     holding one of those persons, or a household one of those person rows
//     is filed under, is dropped. Anything else it cannot account for (a
//     part made of blocks both seen and unseen, a mutation, a part gone that
//     no other covers, a part of a known name with other rows (the table
//     made again), new parts of over cacheMaxFreshRows rows, new parts
//     merged before their rows were read) drops every entry.
//   - A merge of parts already seen changes no answer (the reader collapses
//     versions itself), so it drops nothing.
//   - Entries are served only while the last successful poll started less
//     than the staleness bound ago: a push shows in a check at most about
//     one poll interval after the pipelines' insert returns, and a poller
//     that cannot reach ClickHouse turns the cache off instead of serving
//     old rows. Several API replicas each poll, so they agree within that
//     bound, as replicas of ClickHouse do.
//   - A read that started before a poll dropped one of its persons is not
//     kept (epochs), so a read racing an insert never outlives it.
//
// The rows hold every version, so "as of" reads from the cache are as
// exact as from ClickHouse. The poller runs while the process reads; after
// cacheIdle without a read it stops and the cache is emptied. The cache
// works on a profile_rows that is a local, non-replicated MergeTree of the
// server the reads go to (system.parts and block numbers of that server);
// on any other engine it stays off.

// DefaultCachePoll is ReadOptions.CachePoll's default.
const DefaultCachePoll = 100 * time.Millisecond

const (
	// cacheMaxStale bounds the age of the last successful poll for the
	// cache to serve (at least ten poll intervals).
	cacheMaxStale = time.Second
	// cacheIdle stops the poller after this long without a read.
	cacheIdle = time.Minute
	// cacheMaxFreshRows: new parts with more rows than this (a bulk load)
	// empty the cache instead of being read.
	cacheMaxFreshRows = 20_000
	// cacheLog is how many recent invalidations a read that started
	// before them can be checked against.
	cacheLog = 256
)

type cacheKey struct {
	id        string
	household bool
}

type cacheEntry struct {
	rows     *pointRows
	ids, hhs []string
}

// CacheStats count what a Reader's read cache did since it was made.
type CacheStats struct {
	Hits, Misses uint64 // reads answered from memory; reads that asked ClickHouse and were kept
	Polls        uint64
	PollErrors   uint64
	// Clears counts polls that emptied the cache; Dropped the persons and
	// households whose entries polls dropped.
	Clears, Dropped uint64
	LastPollError   string
}

// CacheStats returns the read cache's counters (zero without a cache).
func (r *Reader) CacheStats() CacheStats {
	if r.cache == nil {
		return CacheStats{}
	}
	r.cache.mu.Lock()
	defer r.cache.mu.Unlock()
	return r.cache.stats
}

// invalidation is what one poll dropped.
type invalidation struct {
	epoch    uint64
	all      bool
	ids, hhs map[string]bool
}

// readCache is the cache of one Reader; zero max turns it off.
type readCache struct {
	conn     driver.Conn
	database string // unquoted
	max      int
	poll     time.Duration
	maxStale time.Duration
	now      func() time.Time

	mu       sync.Mutex
	entries  map[cacheKey]*cacheEntry
	byID     map[string]map[cacheKey]struct{}
	byHH     map[string]map[cacheKey]struct{}
	epoch    uint64
	log      []invalidation
	freshAt  time.Time // start of the last successful poll; zero: not serving
	running  bool
	off      bool // profile_rows is not a local MergeTree
	lastUsed time.Time
	stats    CacheStats

	// The poller's own state.
	parts    map[string]partInfo
	maxBlock map[string]int64
}

func newReadCache(conn driver.Conn, database string, entries int, poll time.Duration) *readCache {
	return &readCache{conn: conn, database: database, max: entries, poll: poll,
		maxStale: max(cacheMaxStale, 10*poll), now: time.Now}
}

// lookup returns the rows cached under k, or nil; then epoch and cacheable
// say whether (and from which epoch) a read made now may be put.
func (c *readCache) lookup(k cacheKey) (rows *pointRows, epoch uint64, cacheable bool) {
	if c == nil || c.max <= 0 {
		return nil, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return nil, 0, false
	}
	now := c.now()
	c.lastUsed = now
	if !c.running {
		c.running = true
		go c.run()
	}
	if !c.serving(now) {
		return nil, 0, false
	}
	if rows := c.find(k); rows != nil {
		c.stats.Hits++
		return rows, c.epoch, true
	}
	c.stats.Misses++
	return nil, c.epoch, true
}

// find returns rows that answer k (c.mu held): its own entry, or the
// household entry of someone else that holds k's person — every row of
// each of its persons — and, for a household read, every household_id k's
// person rows carry (so every member too).
func (c *readCache) find(k cacheKey) *pointRows {
	if e := c.entries[k]; e != nil {
		return e.rows
	}
	for ok := range c.byID[k.id] {
		e := c.entries[ok]
		if e == nil || !ok.household {
			continue
		}
		if !k.household {
			return e.rows
		}
		if hhs := e.rows.householdsOf(k.id); len(hhs) > 0 && containsAll(e.hhs, hhs) {
			return e.rows
		}
	}
	return nil
}

// containsAll reports whether the sorted set holds every element of want.
func containsAll(set, want []string) bool {
	for _, w := range want {
		if i := sort.SearchStrings(set, w); i == len(set) || set[i] != w {
			return false
		}
	}
	return true
}

// serving reports whether the last poll is recent enough (c.mu held).
func (c *readCache) serving(now time.Time) bool {
	return !c.freshAt.IsZero() && now.Sub(c.freshAt) <= c.maxStale
}

// put keeps the rows a read that started at epoch got for k, covering the
// persons ids and the household_ids hhs, unless a poll since dropped any of
// them.
func (c *readCache) put(k cacheKey, rows *pointRows, ids, hhs []string, epoch uint64) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.serving(c.now()) || !c.unchangedSince(epoch, ids, hhs) {
		return
	}
	if old := c.entries[k]; old != nil {
		c.remove(k, old)
	}
	if len(c.entries) >= c.max {
		n := max(len(c.entries)/8, 1)
		for ok, e := range c.entries {
			if n == 0 {
				break
			}
			c.remove(ok, e)
			n--
		}
	}
	if c.entries == nil {
		c.entries, c.byID, c.byHH = map[cacheKey]*cacheEntry{}, map[string]map[cacheKey]struct{}{}, map[string]map[cacheKey]struct{}{}
	}
	c.entries[k] = &cacheEntry{rows: rows, ids: ids, hhs: hhs}
	index(c.byID, ids, k)
	index(c.byHH, hhs, k)
}

// unchangedSince reports whether no invalidation after epoch touched ids or
// hhs (c.mu held).
func (c *readCache) unchangedSince(epoch uint64, ids, hhs []string) bool {
	if epoch == c.epoch {
		return true
	}
	if len(c.log) == 0 || c.log[0].epoch > epoch+1 {
		return false // the log no longer reaches back to the read's start
	}
	for _, inv := range c.log {
		if inv.epoch <= epoch {
			continue
		}
		if inv.all {
			return false
		}
		for _, id := range ids {
			if inv.ids[id] {
				return false
			}
		}
		for _, h := range hhs {
			if inv.hhs[h] {
				return false
			}
		}
	}
	return true
}

func index(m map[string]map[cacheKey]struct{}, keys []string, k cacheKey) {
	for _, s := range keys {
		set := m[s]
		if set == nil {
			set = map[cacheKey]struct{}{}
			m[s] = set
		}
		set[k] = struct{}{}
	}
}

func unindex(m map[string]map[cacheKey]struct{}, keys []string, k cacheKey) {
	for _, s := range keys {
		if set := m[s]; set != nil {
			delete(set, k)
			if len(set) == 0 {
				delete(m, s)
			}
		}
	}
}

// remove drops one entry (c.mu held).
func (c *readCache) remove(k cacheKey, e *cacheEntry) {
	delete(c.entries, k)
	unindex(c.byID, e.ids, k)
	unindex(c.byHH, e.hhs, k)
}

// invalidate drops every entry (all) or those of the persons ids and the
// households hhs, as a new epoch (c.mu held).
func (c *readCache) invalidate(all bool, ids, hhs map[string]bool) {
	if !all && len(ids) == 0 && len(hhs) == 0 {
		return
	}
	c.epoch++
	if all {
		c.entries, c.byID, c.byHH = nil, map[string]map[cacheKey]struct{}{}, map[string]map[cacheKey]struct{}{}
	} else {
		drop := func(m map[string]map[cacheKey]struct{}, keys map[string]bool) {
			for s := range keys {
				for k := range m[s] {
					if e := c.entries[k]; e != nil {
						c.remove(k, e)
					}
				}
			}
		}
		drop(c.byID, ids)
		drop(c.byHH, hhs)
	}
	c.log = append(c.log, invalidation{epoch: c.epoch, all: all, ids: ids, hhs: hhs})
	if len(c.log) > cacheLog {
		c.log = append([]invalidation(nil), c.log[len(c.log)-cacheLog:]...)
	}
}

// subset returns the rows of the persons ids and the members filed under
// the households hhs: what a cached household (or resident) needs.
func (p *pointRows) subset(ids, hhs []string) *pointRows {
	out := &pointRows{byID: make(map[string][]dsRow, len(ids)), byHousehold: make(map[string][]string, len(hhs))}
	for _, id := range ids {
		if rows, ok := p.byID[id]; ok {
			out.byID[id] = rows
		}
	}
	for _, h := range hhs {
		if m, ok := p.byHousehold[h]; ok {
			out.byHousehold[h] = m
		}
	}
	return out
}
