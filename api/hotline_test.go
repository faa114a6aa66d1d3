package api

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/hotline"
	"github.com/residenthub/residenthub/hotline/hotlinedb"
	"github.com/residenthub/residenthub/profile"
	"github.com/residenthub/residenthub/store/storetest"
)

// TestHotlineTopProblems loads a year of tickets of 花家地社区 into a real
// ClickHouse and asks the API over real HTTP: the ranking in the issue's
// shape (repeated calls counted once, an address-only ticket placed, an
// unmapped category reported), the district answer, no caller in any
// answer, the public summary with small counts withheld as JSON, CSV and
// HTML, roles, and 400s that say what is wrong in Chinese and English.
func TestHotlineTopProblems(t *testing.T) {
	conn, ch := storetest.New(t)
	reader := loadHotline(t, conn, ch)
	programs, err := eligibility.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := audit.NewWriter([]string{"127.0.0.1:1"})
	t.Cleanup(func() { _ = w.Close() })
	s, err := New(Deps{Keys: testKeys(), Profiles: profile.NewReader(nil, config.ClickHouse{Database: "x"}), Programs: programs,
		Audit: w, Places: testPlaces(t), Hotline: reader, HotlineSuppressBelow: 5,
		Now:    func() time.Time { return time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC) },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(path, key, lang string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "1390000") || strings.Contains(string(b), "1380000") || strings.Contains(string(b), "望京花园") {
			t.Errorf("GET %s: the answer holds a caller or an address: %s", path, b)
		}
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}

	code, _, body := get("/v1/hotline/top-problems?year=2026&community="+hjd, keyCaseworker, "")
	if code != 200 {
		t.Fatalf("top-problems: %d %s", code, body)
	}
	var rk hotline.Ranking
	if err := json.Unmarshal([]byte(body), &rk); err != nil {
		t.Fatal(err)
	}
	if rk.Year != 2026 || rk.Community.Code != hjd || rk.Community.Name != "花家地社区" || rk.Cases != 22 || rk.Calls != 24 {
		t.Errorf("ranking head %+v", rk)
	}
	if len(rk.Problems) != 3 {
		t.Fatalf("problems %+v", rk.Problems)
	}
	p := rk.Problems[0]
	if p.Rank != 1 || p.Kind != "停车管理" || p.Cases != 12 || p.Calls != 14 || p.PreviousYearCases != 4 || *p.ChangeVsPreviousYear != 2 ||
		p.ResolvedShare != 1 || *p.MedianDaysToClose != 3 || p.Committee != "公共事业发展委员会" || p.Share != 0.5455 {
		t.Errorf("parking %+v", p)
	}
	if h := rk.Problems[1]; h.Kind != "供暖" || h.Cases != 7 || h.Resolved != 6 || h.ChangeVsPreviousYear != nil {
		t.Errorf("heating %+v (the address-only ticket must be placed)", h)
	}
	if rk.Unmapped.Cases != 1 || len(rk.Unmapped.Categories) != 1 || rk.Unmapped.Categories[0].Category != "宠物饲养" {
		t.Errorf("unmapped %+v", rk.Unmapped)
	}
	if !strings.Contains(body, `"change_vs_previous_year":2`) || !strings.Contains(body, `"median_days_to_close":3`) {
		t.Errorf("shape: %s", body)
	}
	if rk.ComputedAt == nil || rk.ComputedAt.Location() != time.UTC || rk.TicketsUntil == nil || !rk.TicketsUntil.Equal(time.Date(2026, 12, 10, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("freshness: computed_at %v, tickets_until %v (want the latest ticket, 2026-12-10 09:00 China time)", rk.ComputedAt, rk.TicketsUntil)
	}

	if code, _, body := get("/v1/hotline/top-problems?year=2026&community="+hjd, keyGovernance, ""); code != 200 || !strings.Contains(body, `"kind":"停车管理"`) {
		t.Errorf("governance: %d %s", code, body)
	}
	if code, _, body = get("/v1/hotline/top-problems?year=2026", keyAdmin, ""); code != 200 || !strings.Contains(body, `"name":"全区"`) || !strings.Contains(body, `"cases":22`) {
		t.Errorf("district: %d %s", code, body)
	}

	code, ctype, body := get("/v1/hotline/summary?year=2026&community="+hjd, keyCaseworker, "")
	var sum hotline.Summary
	if err := json.Unmarshal([]byte(body), &sum); code != 200 || err != nil || !strings.HasPrefix(ctype, "application/json") {
		t.Fatalf("summary: %d %s %v", code, body, err)
	}
	if sum.Problems[2].Kind != "垃圾分类" || sum.Problems[2].Cases != nil || !sum.Problems[2].Suppressed || !sum.Problems[1].Suppressed || *sum.Problems[0].Cases != 12 {
		t.Errorf("summary suppression: %s", body)
	}
	if sum.ComputedAt == nil || !strings.Contains(body, `"computed_at":"`) {
		t.Errorf("summary without computed_at: %s", body)
	}
	code, ctype, body = get("/v1/hotline/summary?year=2026&format=csv&community="+hjd, keyCaseworker, "")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if code != 200 || ctype != "text/csv; charset=utf-8" || err != nil || len(recs) != 4 || recs[1][4] != "停车管理" || recs[3][6] != "<5" {
		t.Errorf("csv: %d %s %v\n%s", code, ctype, err, body)
	}
	code, ctype, body = get("/v1/hotline/summary?year=2026&format=html&community="+hjd, keyCaseworker, "")
	if code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "花家地社区 2026 年 12345 热线问题公示") || !strings.Contains(body, "&lt;5") {
		t.Errorf("html: %d %s\n%s", code, ctype, body)
	}

	for _, c := range []struct{ path, key, lang, code, want string }{
		{"/v1/hotline/top-problems?year=26", keyCaseworker, "", "invalid_year", "年度“26”无效"},
		{"/v1/hotline/top-problems?year=2031", keyCaseworker, "en", "invalid_year", `year "2031" is not valid`},
		{"/v1/hotline/top-problems?community=11010502600", keyCaseworker, "", "invalid_community", "12 位社区"},
		{"/v1/hotline/top-problems?community=abc", keyCaseworker, "en", "invalid_community", "12-digit division code"},
		{"/v1/hotline/summary?format=xlsx", keyCaseworker, "", "invalid_format", "json、csv 或 html"},
		{"/v1/hotline/top-problems", keyCounter, "", "forbidden", "counter"},
		{"/v1/residents/" + idZhang, keyGovernance, "", "forbidden", "governance"},
	} {
		code, _, body := get(c.path, c.key, c.lang)
		var e errorBody
		_ = json.Unmarshal([]byte(body), &e)
		if code/100 != 4 || e.Error != c.code || !strings.Contains(e.Detail, c.want) {
			t.Errorf("GET %s: %d %s, want %s with %q", c.path, code, body, c.code, c.want)
		}
	}
}

// hjd is 花家地社区 (testPlaces).
const hjd = "110105026001"

// loadHotline stores the tickets of TestHotlineTopProblems (2026 and 2025,
// 花家地社区) and returns a reader with the default taxonomy and committees
// and 望京花园 → 花家地社区 as an address mapping.
func loadHotline(t *testing.T, conn driver.Conn, ch config.ClickHouse) *hotlinedb.Snapshots {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 9, 0, 0, 0, loc).UTC() }
	var rows []storetest.Row
	n := 0
	ticket := func(tm time.Time, category, caller string, extra map[string]any) {
		n++
		r := storetest.Row{"ticket_id": fmt.Sprint("T", n), "time": tm, "category": category, "community_code": hjd,
			"caller": caller, "status": "closed", "closed_time": tm.Add(72 * time.Hour), "source": "hotline",
			"record_key": fmt.Sprint("T", n), "source_time": tm, "ingest_time": tm}
		for k, v := range extra {
			r[k] = v
		}
		rows = append(rows, r)
	}
	// Parking: 12 cases by 12 callers, one of them calling 3 times in a week.
	for i := range 12 {
		ticket(at(3, 1+i), "停车难", fmt.Sprint("1390000", 1000+i), nil)
	}
	ticket(at(3, 3), "停车难", "13900001000", nil)
	ticket(at(3, 5), "停车难", "13900001000", nil)
	// Heating: 7 cases in winter, one only by address, one still open.
	for i := range 6 {
		ticket(at(12, 1+i), "供暖/暖气不热", fmt.Sprint("1380000", 1000+i), nil)
	}
	ticket(at(12, 10), "暖气", "13800009999", map[string]any{"community_code": "", "address": "望京花园3号楼2单元", "status": "open", "closed_time": time.Unix(0, 0)})
	// Garbage: 2 cases (withheld in the summary); an unmapped category.
	ticket(at(5, 1), "垃圾分类", "13700001000", nil)
	ticket(at(5, 2), "垃圾分类", "13700001001", nil)
	ticket(at(6, 1), "宠物饲养", "13600001000", nil)
	// Last year: 4 parking cases.
	for i := range 4 {
		ticket(at(3, 1+i).AddDate(-1, 0, 0), "停车", fmt.Sprint("1350000", 1000+i), nil)
	}
	storetest.Insert(t, conn, ch, "hotline_ticket", rows...)

	cfg := hotline.DefaultConfig()
	cfg.Places = map[string]string{"望京花园": hjd}
	settings, err := cfg.Settings()
	if err != nil {
		t.Fatal(err)
	}
	res, err := settings.Resolver(map[string]string{hjd: "花家地社区"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := hotlinedb.NewReader(conn, ch.Database, settings, res)
	if err != nil {
		t.Fatal(err)
	}
	// The endpoints answer from precomputed counts, as in the hub.
	snaps, err := hotlinedb.NewSnapshots(reader, hotline.Fingerprint(settings, res), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return snaps
}
