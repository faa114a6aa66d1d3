package httpconn

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
	"github.com/residenthub/residenthub/connectors/runtime"
)

// api is a fake department API: 35 records, 10 per page, bearer auth,
// changed_since filtering, and scripted failures per request number.
type api struct {
	mu       sync.Mutex
	requests []string
	fail     map[int]func(w http.ResponseWriter) // by request number (1-based)
	records  []map[string]any
	maxSize  int  // caps the page size asked for (0: no cap)
	clamp    bool // a page past the end answers the last page
}

func newAPI(n int) *api {
	a := &api{fail: map[int]func(http.ResponseWriter){}}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		a.records = append(a.records, map[string]any{
			"sfzh": fmt.Sprintf("S%04d", i), "xm": fmt.Sprintf("名%d", i), "hh": map[string]any{"no": i % 4},
			"changed": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
		})
	}
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.URL.RawQuery)
	n := len(a.requests)
	fail := a.fail[n]
	a.mu.Unlock()
	if fail != nil {
		fail(w)
		return
	}
	if r.Header.Get("Authorization") != "Bearer s3cret" {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	var items []map[string]any
	since := r.URL.Query().Get("changed_since")
	for _, rec := range a.records {
		if since == "" || rec["changed"].(string) > since {
			items = append(items, rec)
		}
	}
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	if a.maxSize > 0 && size > a.maxSize {
		size = a.maxSize
	}
	start := 0
	if p := r.URL.Query().Get("page"); p != "" {
		page, _ := strconv.Atoi(p)
		if last := max(1, (len(items)+size-1)/size); a.clamp && page > last {
			page = last
		}
		start = (page - 1) * size
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		start, _ = strconv.Atoi(c)
	}
	end := min(start+size, len(items))
	start = min(start, end)
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	w.Header().Set("Content-Type", "application/json")
	pages := (len(items) + size - 1) / size
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": items[start:end]},
		"meta": map[string]any{"next": next, "total": len(items), "pages": pages, "last": end >= len(items)}})
}

func (a *api) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.requests)
}

func sources(t *testing.T, url, extra string) []config.Source {
	return ct.Sources(t, sourcesYAML(url, extra))
}

func sourcesYAML(url, extra string) string {
	return fmt.Sprintf(`
- name: civil
  kind: http
  dataset: person
  schedule: "@every 1m"
  key: [sfzh]
  source_time: changed
  fields: {id_number: sfzh, name: xm, household_id: hh.no}
  settings:
    url: %s/v1/people?fixed=1
    auth: {type: bearer, token_env: RH_TEST_TOKEN}
    items: data.items
    page_size_param: size
    page_size: 10
    since_param: changed_since
    backoff: 5ms
    max_backoff: 2s
    timeout: 5s
%s`, url, extra)
}

var kinds = map[string]connectors.Factory{"http": New}

func TestPagePaginationRetriesAndSince(t *testing.T) {
	t.Setenv("RH_TEST_TOKEN", "s3cret")
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	a := newAPI(35)
	a.fail[1] = func(w http.ResponseWriter) { // rate limited: wait 1 s
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}
	a.fail[3] = func(w http.ResponseWriter) { http.Error(w, "oops", http.StatusBadGateway) }
	srv := httptest.NewServer(a)
	defer srv.Close()
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, sources(t, srv.URL, "    pagination: page\n"))
	start := time.Now()
	if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < time.Second {
		t.Fatal("Retry-After: 1 was not honoured")
	}
	envs := ct.Envelopes(t, ctx, brokers, "civil")
	counts := ct.CountKeys(envs)
	if len(envs) != 35 || len(counts) != 35 {
		t.Fatalf("%d envelopes, %d keys", len(envs), len(counts))
	}
	for _, e := range envs {
		if e.RecordKey == "S0007" && (e.Fields["household_id"] != "3" || e.Fields["name"] != "名7") {
			t.Fatalf("envelope %+v", e)
		}
	}
	// 429, page 1, 502, page 2, page 3, page 4 (5 items), page 5 (empty: done).
	if a.count() != 7 || !strings.Contains(a.requests[1], "page=1") || !strings.Contains(a.requests[1], "fixed=1") {
		t.Fatalf("requests %q", a.requests)
	}
	if st := h.Scheduler.Status()[0]; !strings.Contains(st.Cursor, `"since":"2026-11-01T00:35:00Z"`) {
		t.Fatalf("cursor %s", st.Cursor)
	}
	// Next run asks only for changes since the newest record seen.
	a.records = append(a.records, map[string]any{"sfzh": "S0036", "xm": "新", "hh": map[string]any{"no": 1}, "changed": "2026-11-02T00:00:00Z"})
	if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
		t.Fatal(err)
	}
	if last := a.requests[len(a.requests)-1]; !strings.Contains(last, "changed_since=2026-11-01T00%3A35%3A00Z") {
		t.Fatalf("since not sent: %q", last)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "civil")); n != 36 {
		t.Fatalf("%d envelopes after the second run", n)
	}
}

func TestFailFastOn4xxAndBackOffOnLongRetryAfter(t *testing.T) {
	t.Setenv("RH_TEST_TOKEN", "wrong")
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	a := newAPI(5)
	srv := httptest.NewServer(a)
	defer srv.Close()
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, sources(t, srv.URL, ""))
	err := h.Scheduler.RunNow(ctx, "civil")
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || a.count() != 1 {
		t.Fatalf("want one request failing with 401, got %v after %d requests", err, a.count())
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("secret in error message")
	}
	// A Retry-After longer than max_backoff postpones the source.
	a.fail[2] = func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	err = h.Scheduler.RunNow(ctx, "civil")
	var bo *connectors.BackOffError
	if !errorsAs(err, &bo) || bo.Wait < 50*time.Minute || a.count() != 2 {
		t.Fatalf("want back-off of about an hour, got %v", err)
	}
}

func errorsAs(err error, target **connectors.BackOffError) bool {
	for err != nil {
		if b, ok := err.(*connectors.BackOffError); ok {
			*target = b
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestCursorPaginationCrash: the checkpoint fails after the first page; the
// restarted run resumes at the checkpointed cursor token with the same since
// value: no loss, at most one page repeated.
func TestCursorPaginationCrash(t *testing.T) {
	t.Setenv("RH_TEST_TOKEN", "s3cret")
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	a := newAPI(35)
	a.records = append(a.records, map[string]any{"sfzh": "S0099"}) // no change time: must not break since
	srv := httptest.NewServer(a)
	defer srv.Close()
	dataDir := t.TempDir()
	fc, err := runtime.NewFileCheckpoints(dataDir + "/checkpoints")
	if err != nil {
		t.Fatal(err)
	}
	srcs := sources(t, srv.URL, "    pagination: cursor\n    next_cursor: meta.next\n")
	crash := ct.NewHarness(t, brokers, dataDir, kinds, &ct.FailingCheckpoints{Checkpoints: fc, Allow: 1}, srcs)
	if err := crash.Scheduler.RunNow(ctx, "civil"); err == nil {
		t.Fatal("want the injected crash")
	}
	h := ct.NewHarness(t, brokers, dataDir, kinds, nil, srcs)
	if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
		t.Fatal(err)
	}
	counts := ct.CountKeys(ct.Envelopes(t, ctx, brokers, "civil"))
	repeats := 0
	for i := 1; i <= 35; i++ {
		n := counts[fmt.Sprintf("S%04d", i)]
		if n == 0 {
			t.Fatalf("S%04d lost", i)
		}
		repeats += n - 1
	}
	if repeats > 10 || counts["S0099"] != 1 {
		t.Fatalf("%d repeats, %v", repeats, counts)
	}
}

func TestNonObjectItemsGoToDLQ(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"sfzh":"A","xm":"x","hh":{"no":1}}, 42, {"xm":"no key"}]`))
	}))
	defer srv.Close()
	srcs := ct.Sources(t, fmt.Sprintf(`
- name: civil
  kind: http
  dataset: person
  key: [sfzh]
  fields: {id_number: sfzh, name: xm, household_id: hh.no}
  settings: {url: %q}
`, srv.URL))
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, srcs)
	if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
		t.Fatal(err)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "civil")); n != 1 {
		t.Fatalf("%d envelopes", n)
	}
	dead := ct.DeadLetters(t, ctx, brokers, "civil")
	if len(dead) != 2 || string(dead[0].Original) != "42" && string(dead[1].Original) != "42" {
		t.Fatalf("dead letters %+v", dead)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f := func(h string, want time.Duration) {
		t.Helper()
		if got := retryAfter(h, now); got != want {
			t.Fatalf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
	f("", 0)
	f("7", 7*time.Second)
	f("-1", 0)
	f("Sun, 01 Nov 2026 00:02:00 GMT", 2*time.Minute)
	f("Sun, 01 Nov 2026 00:00:00 GMT", 0)
	f("soon", 0)
}

func TestSampleConfig(t *testing.T) {
	b, err := os.ReadFile("sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range ct.Sources(t, string(b)) {
		if _, err := New(&src); err != nil {
			t.Fatalf("%s: %v", src.Name, err)
		}
	}
}

// TestBodyLimit: a response of exactly the limit is read; one byte more
// fails at once (no retry, nothing published) with an error naming the
// limit, instead of being cut and misread as broken JSON.
func TestBodyLimit(t *testing.T) {
	t.Setenv("RH_TEST_TOKEN", "s3cret")
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	body := `{"data":{"items":[{"sfzh":"S1","xm":"甲"}]}}`
	var mu sync.Mutex
	requests, pad := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		w.Write([]byte(body + strings.Repeat(" ", pad)))
	}))
	defer srv.Close()
	const limit = 100
	limited := map[string]connectors.Factory{"http": func(src *config.Source) (connectors.Puller, error) {
		p, err := New(src)
		if err == nil {
			p.(*Conn).maxBody = limit
		}
		return p, err
	}}
	h := ct.NewHarness(t, brokers, t.TempDir(), limited, nil, sources(t, srv.URL, ""))
	pad = limit - len(body)
	if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
		t.Fatalf("body of exactly the limit: %v", err)
	}
	pad++
	err := h.Scheduler.RunNow(ctx, "civil")
	if err == nil || !strings.Contains(err.Error(), "larger than the limit of 100 bytes") || requests != 2 {
		t.Fatalf("want one request refused for its size, got %v after %d requests", err, requests)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "civil")); n != 1 {
		t.Fatalf("%d envelopes, want 1", n)
	}
}

// TestPagePaginationCappedPageSize: an API that caps the page size below
// page_size (20 of the 50 asked) returns short pages that are not the end:
// the run goes on to the first empty page, or stops when a configured
// total, page-count or last-page field says so; the since value still moves
// only at the end of a run.
func TestPagePaginationCappedPageSize(t *testing.T) {
	t.Setenv("RH_TEST_TOKEN", "s3cret")
	for _, tc := range []struct {
		name, extra string
		requests    int // for 60 records, 20 a page
	}{
		{"empty page", "", 4},
		{"total_field", "    total_field: meta.total\n", 3},
		{"total_pages_field", "    total_pages_field: meta.pages\n", 3},
		{"last_page_field", "    last_page_field: meta.last\n", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ct.Context(t, 60*time.Second)
			brokers := ct.Kafka(t)
			a := newAPI(60)
			a.maxSize = 20
			srv := httptest.NewServer(a)
			defer srv.Close()
			extra := "    pagination: page\n" + tc.extra
			yml := strings.Replace(sourcesYAML(srv.URL, extra), "page_size: 10", "page_size: 50", 1)
			h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, ct.Sources(t, yml))
			if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
				t.Fatal(err)
			}
			counts := ct.CountKeys(ct.Envelopes(t, ctx, brokers, "civil"))
			if len(counts) != 60 {
				t.Fatalf("published %d of 60 records", len(counts))
			}
			for k, n := range counts {
				if n != 1 {
					t.Fatalf("%s published %d times", k, n)
				}
			}
			if a.count() != tc.requests {
				t.Fatalf("%d requests, want %d: %q", a.count(), tc.requests, a.requests)
			}
			if st := h.Scheduler.Status()[0]; !strings.Contains(st.Cursor, `"since":"2026-11-01T01:00:00Z"`) || strings.Contains(st.Cursor, "page") {
				t.Fatalf("cursor %s", st.Cursor)
			}
			// The next run asks for changes since the newest record, from page 1.
			a.records = append(a.records, map[string]any{"sfzh": "S0061", "xm": "新", "hh": map[string]any{"no": 1}, "changed": "2026-11-02T00:00:00Z"})
			before := a.count()
			if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
				t.Fatal(err)
			}
			if first := a.requests[before]; !strings.Contains(first, "changed_since=2026-11-01T01%3A00%3A00Z") || !strings.Contains(first, "page=1&") {
				t.Fatalf("second run starts with %q", first)
			}
			if n := len(ct.Envelopes(t, ctx, brokers, "civil")); n != 61 {
				t.Fatalf("%d envelopes after the second run", n)
			}
		})
	}
}

// TestPageRepeated: an API that answers a page past the end with the last
// page again (it clamps the page number) ends the run there without
// publishing that page twice; one that ignores page_param gives its first
// page once.
func TestPageRepeated(t *testing.T) {
	t.Setenv("RH_TEST_TOKEN", "s3cret")
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	a := newAPI(45)
	a.maxSize, a.clamp = 20, true
	srv := httptest.NewServer(a)
	defer srv.Close()
	yml := strings.Replace(sourcesYAML(srv.URL, "    pagination: page\n"), "page_size: 10", "page_size: 50", 1)
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, ct.Sources(t, yml))
	if err := h.Scheduler.RunNow(ctx, "civil"); err != nil {
		t.Fatal(err)
	}
	counts := ct.CountKeys(ct.Envelopes(t, ctx, brokers, "civil"))
	if len(counts) != 45 || a.count() != 4 {
		t.Fatalf("%d keys after %d requests", len(counts), a.count())
	}
	for k, n := range counts {
		if n != 1 {
			t.Fatalf("%s published %d times", k, n)
		}
	}

	requests := 0
	ignoring := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		fmt.Fprintf(w, `{"data":{"items":[{"sfzh":"A","xm":"x","hh":"1"},{"sfzh":"B","xm":"y","hh":"1"}]},"meta":{"served":%d}}`, requests)
	}))
	defer ignoring.Close()
	srcs := ct.Sources(t, fmt.Sprintf(`
- name: civil2
  kind: http
  dataset: person
  key: [sfzh]
  fields: {id_number: sfzh, name: xm, household_id: hh}
  settings: {url: %q, items: data.items, pagination: page, page_param: p}
`, ignoring.URL))
	h = ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, srcs)
	if err := h.Scheduler.RunNow(ctx, "civil2"); err != nil || requests != 2 {
		t.Fatalf("run: %v after %d requests", err, requests)
	}
	if n := len(ct.Envelopes(t, ctx, brokers, "civil2")); n != 2 {
		t.Fatalf("%d envelopes", n)
	}
}

func TestLastPageFieldsNeedPagePagination(t *testing.T) {
	src := sources(t, "http://127.0.0.1:1", "    pagination: cursor\n    next_cursor: meta.next\n    total_field: meta.total\n")[0]
	if _, err := New(&src); err == nil || !strings.Contains(err.Error(), "pagination: page only") {
		t.Fatalf("err %v", err)
	}
}
