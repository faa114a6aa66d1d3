package profile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// CacheTTL is how long dataset-wide freshness (a scan of each table) is
// reused as it is; until twice as long it is still served while one
// background query refreshes it, so no check waits for that scan.
const CacheTTL = 30 * time.Second

// wideCache holds the dataset-wide freshness per as-of minute.
type wideCache struct {
	mu     sync.Mutex
	byKey  map[int64]wideEntry // key: end of the as-of minute, Unix seconds
	latest int64               // key of the newest entry
	flight singleflight.Group
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
	return "toDateTime(" + strconv.FormatInt(sec, 10) + ")"
}

// datasetStatus returns, per dataset, the number of rows with source_time <=
// asOf and the latest source_time / ingest_time <= asOf over the whole
// history table. One query (a scan of the time columns of each table) per
// as-of minute, taken up to the END of that minute, so a check made right
// after a load sees it; reused for CacheTTL, then refreshed in the
// background while the older value is served for up to another CacheTTL. A
// check of the current minute with no value of its own yet takes the
// newest one that young (a minute ago's, at most CacheTTL old).
func (r *Reader) datasetStatus(ctx context.Context, asOf time.Time) (map[string]wideStatus, error) {
	key := asOf.Truncate(time.Minute).Add(time.Minute - time.Second).Unix()
	now := r.now()
	c := &r.wide
	c.mu.Lock()
	e, ok := c.byKey[key]
	if !ok && key > c.latest && now.Sub(c.byKey[c.latest].at) < CacheTTL && asOf.After(now.Add(-time.Minute)) {
		e, ok = c.byKey[c.latest], true
	}
	c.mu.Unlock()
	switch age := now.Sub(e.at); {
	case ok && age < CacheTTL:
		return e.status, nil
	case ok && age < 2*CacheTTL:
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, _ = r.loadStatus(ctx, key)
		}()
		return e.status, nil
	}
	return r.loadStatus(ctx, key)
}

// loadStatus queries the status for key (one query at a time per key) and
// caches it.
func (r *Reader) loadStatus(ctx context.Context, key int64) (map[string]wideStatus, error) {
	v, err, _ := r.wide.flight.Do(strconv.FormatInt(key, 10), func() (any, error) {
		status, err := r.queryStatus(ctx, time.Unix(key, 0))
		if err != nil {
			return nil, err
		}
		now := r.now()
		c := &r.wide
		c.mu.Lock()
		defer c.mu.Unlock()
		for k, e := range c.byKey {
			if now.Sub(e.at) >= 2*CacheTTL {
				delete(c.byKey, k)
			}
		}
		if c.byKey == nil {
			c.byKey = map[int64]wideEntry{}
		}
		c.byKey[key] = wideEntry{at: now, status: status}
		if key > c.latest {
			c.latest = key
		}
		return status, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[string]wideStatus), nil
}

func (r *Reader) queryStatus(ctx context.Context, bound time.Time) (map[string]wideStatus, error) {
	t := sqlTime(bound)
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
	return status, nil
}
