package profile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/residenthub/residenthub/store"
)

// The read cache's poller (cache.go): what changed in profile_rows since
// the last poll, from system.parts.

// partInfo is one active part of profile_rows.
type partInfo struct {
	partition          string
	minBlock, maxBlock int64
	dataVersion        int64
	rows               uint64
}

// run polls until the cache has not been read for cacheIdle, then empties
// it and stops.
func (c *readCache) run() {
	t := time.NewTicker(c.poll)
	defer t.Stop()
	for {
		start := c.now()
		ctx, cancel := context.WithTimeout(context.Background(), c.maxStale)
		all, ids, hhs, err := c.pollOnce(ctx)
		cancel()
		c.mu.Lock()
		c.stats.Polls++
		if err == nil {
			c.invalidate(all, ids, hhs)
			c.freshAt = start
			if all {
				c.stats.Clears++
			}
			c.stats.Dropped += uint64(len(ids) + len(hhs))
		} else {
			c.stats.PollErrors++
			c.stats.LastPollError = err.Error()
		}
		if c.off || c.now().Sub(c.lastUsed) > cacheIdle {
			c.running, c.freshAt = false, time.Time{}
			c.invalidate(true, nil, nil)
			c.parts, c.maxBlock = nil, nil
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		<-t.C
	}
}

// pollOnce compares the active parts of profile_rows with the last poll's
// and returns what to drop (all: everything). The first poll only takes
// the parts as they are and empties the cache (nothing was cached before
// it: the cache serves only after a good poll). A failed poll changes
// nothing, so the next good one compares with the last good one and
// misses no change in between.
func (c *readCache) pollOnce(ctx context.Context) (all bool, ids, hhs map[string]bool, err error) {
	if c.parts == nil {
		var engine string
		if err := c.conn.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = 'profile_rows'", c.database).Scan(&engine); err != nil {
			return false, nil, nil, fmt.Errorf("cannot read the engine of profile_rows: %w", err)
		}
		if engine != "ReplacingMergeTree" && engine != "MergeTree" {
			c.mu.Lock()
			c.off = true
			c.mu.Unlock()
			return false, nil, nil, fmt.Errorf("profile_rows is a %s, not a local MergeTree: no read cache", engine)
		}
	}
	parts, err := c.activeParts(ctx)
	if err != nil {
		return false, nil, nil, err
	}
	if c.parts == nil {
		c.parts, c.maxBlock = parts, maxBlocks(parts)
		return true, nil, nil, nil
	}
	fresh, all := diffParts(c.parts, parts, c.maxBlock)
	if !all && len(fresh) > 0 {
		if ids, hhs, all, err = c.freshPersons(ctx, fresh, parts); err != nil {
			return false, nil, nil, err
		}
	}
	c.parts, c.maxBlock = parts, maxBlocks(parts)
	return all, ids, hhs, nil
}

// diffParts compares the active parts now with those of the last poll
// (old, whose highest block per partition is maxBlock): fresh lists the new
// parts made of new blocks only, whose rows must be read; all says the
// cache must be emptied (see the top of this file).
func diffParts(old, now map[string]partInfo, maxBlock map[string]int64) (fresh []string, all bool) {
	var freshRows uint64
	for name, p := range now {
		if o, seen := old[name]; seen {
			if o != p { // same name, other rows: the table was made again
				all = true
			}
			continue
		}
		switch {
		case p.dataVersion != p.minBlock: // a mutation rewrote rows
			all = true
		case p.minBlock > maxBlock[p.partition]: // only new blocks
			fresh = append(fresh, name)
			freshRows += p.rows
		case p.maxBlock <= maxBlock[p.partition]: // a merge of seen blocks
		default:
			all = true
		}
	}
	for name, o := range old {
		if _, still := now[name]; !still && !covered(now, o) {
			all = true // rows dropped (DROP PARTITION, ...)
		}
	}
	if freshRows > cacheMaxFreshRows {
		all = true
	}
	sort.Strings(fresh)
	return fresh, all
}

func (c *readCache) activeParts(ctx context.Context) (map[string]partInfo, error) {
	rows, err := c.conn.Query(ctx, `SELECT name, partition_id, min_block_number, max_block_number, data_version, rows
FROM system.parts WHERE database = ? AND table = 'profile_rows' AND active`, c.database)
	if err != nil {
		return nil, fmt.Errorf("cannot read the parts of profile_rows: %w", err)
	}
	defer rows.Close()
	out := map[string]partInfo{}
	for rows.Next() {
		var (
			name string
			p    partInfo
			dv   uint64
		)
		if err := rows.Scan(&name, &p.partition, &p.minBlock, &p.maxBlock, &dv, &p.rows); err != nil {
			return nil, fmt.Errorf("cannot read the parts of profile_rows: %w", err)
		}
		p.dataVersion = int64(dv)
		out[name] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the parts of profile_rows: %w", err)
	}
	return out, nil
}

// freshPersons reads the id_numbers and household_ids of the rows of the
// new parts names. When a part no longer holds the rows system.parts
// listed (merged meanwhile), it returns all = true.
func (c *readCache) freshPersons(ctx context.Context, names []string, parts map[string]partInfo) (ids, hhs map[string]bool, all bool, err error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = store.QuoteString(n)
	}
	q := "SELECT _part, id_number, household_id FROM " + store.QuoteIdent(c.database) + ".profile_rows WHERE _part IN (" + strings.Join(quoted, ", ") + ")"
	rows, err := c.conn.Query(ctx, q)
	if err != nil {
		return nil, nil, false, fmt.Errorf("cannot read the new rows of profile_rows: %w", err)
	}
	defer rows.Close()
	ids, hhs = map[string]bool{}, map[string]bool{}
	got := map[string]uint64{}
	for rows.Next() {
		var part, id, hh string
		if err := rows.Scan(&part, &id, &hh); err != nil {
			return nil, nil, false, fmt.Errorf("cannot read the new rows of profile_rows: %w", err)
		}
		got[part]++
		ids[id] = true
		if hh != "" {
			hhs[hh] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, fmt.Errorf("cannot read the new rows of profile_rows: %w", err)
	}
	for _, n := range names {
		if got[n] != parts[n].rows {
			return nil, nil, true, nil
		}
	}
	return ids, hhs, false, nil
}

func maxBlocks(parts map[string]partInfo) map[string]int64 {
	out := map[string]int64{}
	for _, p := range parts {
		if b, ok := out[p.partition]; !ok || p.maxBlock > b {
			out[p.partition] = p.maxBlock
		}
	}
	return out
}

// covered reports whether a part of parts holds every block of old.
func covered(parts map[string]partInfo, old partInfo) bool {
	for _, p := range parts {
		if p.partition == old.partition && p.minBlock <= old.minBlock && p.maxBlock >= old.maxBlock {
			return true
		}
	}
	return false
}
