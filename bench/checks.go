package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/residenthub/residenthub/store"
)

// purpose is the X-Purpose the bench's reads are audited with.
const purpose = "residenthub bench"

// floorLookups is how many primary-key lookups the floor times.
const floorLookups = 2000

// checks runs the counter's requests against hub A with the district
// loaded: dibao (household) with C clients and with 1, the residence
// certificate and the profile with C, each of the three also offered at
// Options.Rate, then a burst, beside the floor of a ClickHouse primary-key
// lookup measured just before.
func (r *run) checks(ctx context.Context) error {
	o, s := r.o, r.sample
	if len(s.applicants) == 0 || len(s.residents) == 0 {
		return errors.New("checks: the district has no residents to ask about")
	}
	c := &Checks{Residents: len(s.residents)}
	r.res.Checks = c
	p50, p99, err := r.floorPK(ctx)
	if err != nil {
		return err
	}
	c.FloorLookups, c.FloorPKP50Ms, c.FloorPKP99Ms = floorLookups, p50, p99
	o.logf("floor: ClickHouse primary-key lookup p50 %.2f ms, p99 %.2f ms", p50, p99)

	type kind struct {
		name    string
		clients int
		rate    float64 // requests offered per second; 0: closed loop
		into    *Load
		req     func(i int) *http.Request
	}
	kinds := []kind{
		{"POST /v1/checks dibao", o.Clients, 0, &c.Dibao, r.dibaoRequest},
		{"POST /v1/checks dibao", 1, 0, &c.Dibao1Client, r.dibaoRequest},
		{"POST /v1/checks dibao as_of", o.Clients, 0, &c.DibaoAsOf, r.dibaoAsOfRequest},
		{"POST /v1/checks residence_certificate", o.Clients, 0, &c.ResidenceCertificate, r.certificateRequest},
		{"GET /v1/residents/{id}", o.Clients, 0, &c.Profile, r.profileRequest},
	}
	client := newHTTPClient(o.Clients + 4)
	for _, k := range kinds {
		if err := expectOK(client, k.req(0)); err != nil {
			return fmt.Errorf("checks: %s: %w", k.name, err)
		}
	}
	if o.Rate > 0 {
		// After the two closed dibao loops, so it meets the read cache as
		// they left it (same applicants; -read-cache -1 for none).
		kinds = slices.Insert(kinds, 2, kind{"POST /v1/checks dibao", o.Clients, o.Rate, &c.DibaoAtRate, r.dibaoRequest})
		kinds = append(kinds,
			kind{"POST /v1/checks residence_certificate", o.Clients, o.Rate, &c.CertificateAtRate, r.certificateRequest},
			kind{"GET /v1/residents/{id}", o.Clients, o.Rate, &c.ProfileAtRate, r.profileRequest})
	}
	meter := cpuMeter{hubPID: r.hub.cmd.Process.Pid, chPID: o.clickhousePID()}
	for _, k := range kinds {
		name := strings.NewReplacer("POST /v1/checks ", "", " as_of", "-as-of", "GET /v1/residents/{id}", "profile").Replace(k.name) + "-" + strconv.Itoa(k.clients)
		if k.rate > 0 {
			o.logf("checks: %s at %.0f/s, at most %d in flight, %s", k.name, k.rate, k.clients, o.Duration)
			name += "-rate"
		} else {
			o.logf("checks: %s, %d clients, %s", k.name, k.clients, o.Duration)
		}
		stopProfile := o.profileLoad(ctx, o.Profile, name, r.pprofAddr, o.Duration)
		before, hitsBefore := meter.sample(), r.cacheCounts(ctx)
		if k.rate > 0 {
			*k.into = fixedRate(ctx, client, k.name, k.clients, k.rate, o.Duration, k.req)
		} else {
			*k.into = closedLoop(ctx, client, k.name, k.clients, o.Duration, k.req)
		}
		k.into.CPU = share(before, meter.sample(), k.into.Requests)
		k.into.ReadCacheHitShare = hitShare(hitsBefore, r.cacheCounts(ctx))
		stopProfile()
		k.into.P50VsFloor, k.into.P99VsFloor = ratio(k.into.P50Ms, p50), ratio(k.into.P99Ms, p99)
		o.logf("checks: %.1f/s, p50 %.1f ms, p99 %.1f ms, %d errors; CPU ms per request: hub %.2f, ClickHouse %.2f, bench %.2f; %s",
			k.into.PerS, k.into.P50Ms, k.into.P99Ms, k.into.Errors, k.into.CPU.HubMs, k.into.CPU.ClickHouseMs, k.into.CPU.BenchMs, r.cacheCounters(ctx))
	}
	o.logf("checks: burst of %d dibao checks at once", o.Burst)
	c.Burst = burst(ctx, "POST /v1/checks dibao", o.Burst, r.dibaoRequest)
	o.logf("checks: burst answered %d, refused %d %v in %.1f s", c.Burst.Answered, c.Burst.Refused, c.Burst.Statuses, c.Burst.Seconds)
	return nil
}

// cacheCounters returns hub A's read-cache counters from its /metrics
// (residenthub_read_cache_*_total), for the log.
func (r *run) cacheCounters(ctx context.Context) string {
	b, err := r.metrics(ctx)
	if err != nil {
		return "read cache: " + err.Error()
	}
	var out []string
	for _, line := range strings.Split(b, "\n") {
		if rest, ok := strings.CutPrefix(line, "residenthub_read_cache_"); ok {
			out = append(out, strings.TrimSuffix(strings.Replace(rest, "_total ", " ", 1), "_total"))
		}
	}
	return "read cache: " + strings.Join(out, ", ")
}

// metrics returns hub A's /metrics text.
func (r *run) metrics(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", r.apiURL+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b), err
}

// cacheCounts returns hub A's read-cache hits and misses so far ({-1, -1}
// when /metrics has none).
func (r *run) cacheCounts(ctx context.Context) [2]float64 {
	out := [2]float64{-1, -1}
	b, err := r.metrics(ctx)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(b, "\n") {
		for i, name := range []string{"residenthub_read_cache_hits_total ", "residenthub_read_cache_misses_total "} {
			if rest, ok := strings.CutPrefix(line, name); ok {
				if v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64); err == nil {
					out[i] = v
				}
			}
		}
	}
	return out
}

// hitShare is the share of person reads between two cacheCounts answered
// from the read cache; -1 when unknown or there were none.
func hitShare(before, after [2]float64) float64 {
	if before[0] < 0 || before[1] < 0 || after[0] < 0 || after[1] < 0 {
		return -1
	}
	hits, misses := after[0]-before[0], after[1]-before[1]
	if hits+misses <= 0 {
		return -1
	}
	return hits / (hits + misses)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func (r *run) checkRequest(program string, p person) *http.Request {
	return r.checkRequestAsOf(program, p, "")
}

// checkRequestAsOf asks for a check as of a past day ("YYYY-MM-DD", China
// time; "" = now).
func (r *run) checkRequestAsOf(program string, p person, day string) *http.Request {
	fields := map[string]string{"program": program, "id_number": p.id, "name": p.name}
	if day != "" {
		fields["as_of"] = day
	}
	body, _ := json.Marshal(fields)
	req, _ := http.NewRequest("POST", r.apiURL+"/v1/checks", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return r.authorize(req, r.keys.counter)
}

func (r *run) dibaoRequest(i int) *http.Request {
	return r.checkRequest("dibao", r.sample.applicants[i%len(r.sample.applicants)])
}

// dibaoAsOfRequest asks for the dibao check as of yesterday in China time:
// every value as it stood then.
func (r *run) dibaoAsOfRequest(i int) *http.Request {
	day := time.Now().In(chinaTime).AddDate(0, 0, -1).Format(time.DateOnly)
	return r.checkRequestAsOf("dibao", r.sample.applicants[i%len(r.sample.applicants)], day)
}

// chinaTime is China Standard Time (UTC+8, no daylight saving), the zone of
// the API's as_of days.
var chinaTime = time.FixedZone("CST", 8*3600)

func (r *run) certificateRequest(i int) *http.Request {
	return r.checkRequest("residence_certificate", r.sample.residents[i%len(r.sample.residents)])
}

func (r *run) profileRequest(i int) *http.Request {
	p := r.sample.residents[i%len(r.sample.residents)]
	req, _ := http.NewRequest("GET", r.apiURL+"/v1/residents/"+p.id+"?name="+url.QueryEscape(p.name), nil)
	return r.authorize(req, r.keys.counter)
}

func (r *run) authorize(req *http.Request, key string) *http.Request {
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-Purpose", purpose)
	return req
}

func newHTTPClient(conns int) *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true}}
}

// expectOK sends one request and wants 200.
func expectOK(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %d: %s", resp.StatusCode, b)
	}
	return nil
}

// send does one request and returns its status ("200", or "error" when no
// HTTP answer came) and latency; the body is read to the end.
func send(c *http.Client, req *http.Request) (string, time.Duration) {
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return "error", time.Since(t0)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode), time.Since(t0)
}

// closedLoop runs clients goroutines for d, each sending its next request
// (mk(i), i counting across all clients) as soon as the last is answered.
func closedLoop(ctx context.Context, c *http.Client, name string, clients int, d time.Duration, mk func(int) *http.Request) Load {
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	statuses := map[string]int{}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			st := map[string]int{}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				status, l := send(c, mk(int(next.Add(1))))
				mine = append(mine, l)
				st[status]++
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range st {
				statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarize(Load{Request: name, Clients: clients, Seconds: time.Since(start).Seconds(), Statuses: statuses}, lat)
}

// summarize fills l's request count, latency percentiles, answers per
// second and errors from the latencies of its requests and l.Statuses.
func summarize(l Load, lat []time.Duration) Load {
	l.Requests = len(lat)
	l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99), percentile(lat, 100)
	l.PerS = float64(l.Statuses["200"]) / l.Seconds
	l.Errors = l.Requests - l.Statuses["200"]
	return l
}

// fixedRate offers rate requests a second for d (mk(i), i counting up),
// with at most clients in flight: request i is due at start + i/rate, and
// its latency counts from then, so time spent waiting for a free client
// (the hub falling behind) is in the figures instead of slowing the offer
// down. PerS is the answered 200s over the time until the last answer.
func fixedRate(ctx context.Context, c *http.Client, name string, clients int, rate float64, d time.Duration, mk func(int) *http.Request) Load {
	n := int(rate * d.Seconds())
	due := make(chan time.Time, n)
	lat := make([]time.Duration, n)
	sts := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range due {
				i := int(next.Add(1)) - 1
				sts[i], _ = send(c, mk(i))
				lat[i] = time.Since(at)
			}
		}()
	}
	start := time.Now()
	sent := 0
	for ; sent < n && ctx.Err() == nil; sent++ {
		at := start.Add(time.Duration(float64(sent) / rate * float64(time.Second)))
		time.Sleep(time.Until(at))
		due <- at
	}
	close(due)
	wg.Wait()
	statuses := map[string]int{}
	for _, s := range sts[:sent] {
		statuses[s]++
	}
	return summarize(Load{Request: name, Clients: clients, OfferedPerS: rate, Seconds: time.Since(start).Seconds(), Statuses: statuses}, lat[:sent])
}

// burst sends n requests at the same instant, each on its own connection,
// and counts the answers.
func burst(ctx context.Context, name string, n int, mk func(int) *http.Request) Burst {
	c := &http.Client{Timeout: 3 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}}
	defer c.CloseIdleConnections()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = mk(i).WithContext(ctx)
	}
	lat := make([]time.Duration, n)
	sts := make([]string, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			sts[i], lat[i] = send(c, reqs[i])
		}()
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	b := Burst{Request: name, Requests: n, Statuses: map[string]int{}, Seconds: time.Since(start).Seconds()}
	for _, s := range sts {
		b.Statuses[s]++
	}
	b.Answered = b.Statuses["200"]
	b.Refused = n - b.Answered
	b.P50Ms, b.P99Ms = percentile(lat, 50), percentile(lat, 99)
	return b
}

// percentile returns the p-th percentile (nearest rank) in milliseconds;
// 0 for no values.
func percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := int(p/100*float64(len(s))+0.999999) - 1
	k = min(max(k, 0), len(s)-1)
	return float64(s[k].Microseconds()) / 1000
}

// floorPK times one ClickHouse primary-key lookup on a narrow table keyed
// by id_number (every id_number of the loaded person table, merged into one
// part), one client, the ID passed as an external table, never in the
// query text. It returns p50 and p99 in milliseconds.
func (r *run) floorPK(ctx context.Context) (float64, float64, error) {
	db := store.QuoteIdent("bench_" + r.id + "_pk")
	r.dbs = append(r.dbs, "bench_"+r.id+"_pk")
	for _, sql := range []string{
		"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".pk (id_number String) ENGINE = MergeTree ORDER BY id_number",
		"INSERT INTO " + db + ".pk (id_number) SELECT DISTINCT id_number FROM " + store.QuoteIdent("bench_"+r.id) + ".person",
		"OPTIMIZE TABLE " + db + ".pk FINAL",
	} {
		if err := r.conn.Exec(ctx, sql); err != nil {
			return 0, 0, fmt.Errorf("floor: cannot prepare the lookup table: %w", err)
		}
	}
	q := "SELECT count() FROM " + db + ".pk WHERE id_number IN (SELECT id_number FROM ids)"
	lookup := func(id string) (time.Duration, error) {
		t, err := ext.NewTable("ids", ext.Column("id_number", "String"))
		if err != nil {
			return 0, err
		}
		if err := t.Append(id); err != nil {
			return 0, err
		}
		t0 := time.Now()
		var n uint64
		if err := r.conn.QueryRow(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), q).Scan(&n); err != nil {
			return 0, fmt.Errorf("floor: lookup: %w", err)
		}
		d := time.Since(t0)
		if n != 1 {
			return 0, fmt.Errorf("floor: a resident's id_number found %d times in the lookup table, want 1", n)
		}
		return d, nil
	}
	res := r.sample.residents
	var lat []time.Duration
	for i := range floorLookups + 100 {
		d, err := lookup(res[i%len(res)].id)
		if err != nil {
			return 0, 0, err
		}
		if i >= 100 { // the first 100 warm the connection and caches
			lat = append(lat, d)
		}
	}
	return percentile(lat, 50), percentile(lat, 99), nil
}
