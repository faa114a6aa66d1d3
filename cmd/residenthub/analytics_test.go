package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/internal/demo"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"
)

// analyticsAsOf is the day the demo district is generated for and the
// example queries are run as of.
var analyticsAsOf = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

// civilKey may push to the test's second person source, civil_affairs.
const civilKey = "test-civil-affairs-key"

// TestAnalyticsExamplesOnDemoDistrict loads a demo district through the
// whole hub (file connectors, embedded Kafka over TCP, pipelines, ClickHouse),
// has a second department (civil_affairs, pushing over the API) send some of
// the residents under other names, then runs every example query of
// docs/analytics/ — as an analyst pastes it, with only its parameter lines
// set to the generated day — and the helper view community_published, and
// compares each answer with what the generator's truth says it must be.
func TestAnalyticsExamplesOnDemoDistrict(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	started := time.Now().UTC().Truncate(time.Second)

	root := t.TempDir()
	truth, err := demo.Generate(demo.Options{Dir: filepath.Join(root, "var", "demo"), Seed: 11, Households: 300, AsOf: analyticsAsOf})
	if err != nil {
		t.Fatal(err)
	}
	cfg := demoHubConfig(t, root)
	addCivilAffairs(t, cfg)

	hub, err := startHub(ctx, cfg, map[string]bool{"connectors": true, "pipelines": true, "api": true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hub.Shutdown(context.Background()) }()
	if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	pushed := pushCivilAffairs(ctx, t, "http://"+hub.api.addr, truth)
	if err := waitLoaded(ctx, hub.kafka.brokers, cfg, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}

	conn, err := store.OpenIn(ctx, cfg.ClickHouse, cfg.ClickHouse.AnalyticsDatabase)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The API publishes the programs' parameters once migrated (the dibao
	// query reads its standard from them).
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM program_parameter WHERE program = 'dibao'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the hub did not publish the dibao program's parameters")
		case <-time.After(100 * time.Millisecond):
		}
	}
	exp := newExpectations(truth)
	asOf := "toDate('" + truth.AsOf + "')"
	files, err := filepath.Glob(filepath.Join("..", "..", "docs", "analytics", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example queries in docs/analytics (%v)", err)
	}
	checked := map[string]bool{}
	check := func(name string, params map[string]string, want [][]string, compare func(t *testing.T, got, want [][]string)) {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "docs", "analytics", name))
			if err != nil {
				t.Fatal(err)
			}
			got := storetest.Cells(t, conn, setParams(t, string(b), params))
			if compare == nil {
				compare = equalRows
			}
			compare(t, got, want)
		})
		checked[name] = true
	}
	// The standard comes from the parameters the hub published (view
	// program_parameter); the truth computed the expected rows with its own.
	check("dibao_line_per_community.sql", map[string]string{"as_of": asOf}, exp.dibaoLine(), func(t *testing.T, got, want [][]string) {
		below, near := 0, 0
		for _, r := range want {
			b, _ := strconv.Atoi(r[2])
			n, _ := strconv.Atoi(r[5])
			below, near = below+b, near+n
		}
		if below == 0 || near == 0 {
			t.Errorf("the demo district has %d households below the line and %d near-poor: the check would prove little", below, near)
		}
		equalRows(t, got, want)
	})
	check("elderly_80_plus_per_community.sql", map[string]string{"as_of": asOf}, exp.elderly(), nil)
	check("elderly_80_plus_per_street_published.sql", map[string]string{"as_of": asOf}, exp.elderlyPerStreet(), nil)
	check("source_freshness_and_rejections.sql", nil, exp.freshness(cfg, pushed), func(t *testing.T, got, want [][]string) {
		// latest_ingest_time is when this test loaded the source; the
		// rejection rate is compared as a number.
		now := time.Now().UTC().Add(time.Second)
		for _, r := range got {
			if at, err := time.Parse(time.DateTime, r[3]); err != nil || at.Before(started) || at.After(now) {
				t.Errorf("%s: latest_ingest_time %s is not during this test (%s..%s)", r[0], r[3], started, now)
			}
			rate, _ := strconv.ParseFloat(r[6], 64)
			rej, _ := strconv.ParseFloat(r[5], 64)
			msgs, _ := strconv.ParseFloat(r[4], 64)
			if math.Abs(rate-rej/msgs) > 0.00005 {
				t.Errorf("%s: rejection_rate %s, %s of %s rejected", r[0], r[6], r[5], r[4])
			}
			r[3], r[6] = "-", "-"
		}
		equalRows(t, got, want)
	})
	check("identity_conflicts_per_source_pair.sql", nil, exp.conflicts(pushed), func(t *testing.T, got, want [][]string) {
		today := time.Now().In(schema.ChinaTime).Format(time.DateOnly)
		yesterday := time.Now().In(schema.ChinaTime).AddDate(0, 0, -1).Format(time.DateOnly) // a run across midnight
		for _, r := range got {
			for _, d := range r[4:6] {
				if d != today && d != yesterday {
					t.Errorf("conflict %v detected on %s, not during this test", r[:3], d)
				}
			}
			r[4], r[5] = "-", "-"
		}
		equalRows(t, got, want)
	})
	hotlineYear := map[string]string{"year": strconv.Itoa(truth.Hotline.Year)}
	check("hotline_cases_per_community_and_category.sql", hotlineYear, nil, func(t *testing.T, got, _ [][]string) {
		checkHotlinePerCommunity(t, got, truth.Hotline)
	})
	check("hotline_cases_per_month.sql", hotlineYear, nil, func(t *testing.T, got, _ [][]string) {
		checkHotlinePerMonth(t, got, truth.Hotline)
	})
	check("hotline_days_to_close_per_category.sql", hotlineYear, nil, func(t *testing.T, got, _ [][]string) {
		checkHotlineDaysToClose(t, got, truth.Hotline)
	})
	for _, f := range files {
		if !checked[filepath.Base(f)] {
			t.Errorf("example query %s is not checked by this test", filepath.Base(f))
		}
	}

	t.Run("community_published", func(t *testing.T) {
		// The view counts 80+ by the current year: read it between two reads
		// of the year so a run across New Year's midnight is noticed.
		year := func() int {
			var y uint16
			if err := conn.QueryRow(ctx, "SELECT toYear(toDate(now(), 'Asia/Shanghai'))").Scan(&y); err != nil {
				t.Fatal(err)
			}
			return int(y)
		}
		before := year()
		got := storetest.Cells(t, conn, "SELECT * FROM community_published")
		if after := year(); after != before {
			t.Skipf("the year changed while reading (%d → %d)", before, after)
		}
		equalRows(t, got, exp.published(before))
	})
}

// pushedPerson is a person record civil_affairs sent.
type pushedPerson struct {
	resident demo.Resident
	name     string // as civil_affairs has it
	at       time.Time
}

// addCivilAffairs adds the push source civil_affairs (person records) and
// its department key civilKey to cfg.
func addCivilAffairs(t *testing.T, cfg *config.Config) {
	t.Helper()
	cfg.Sources = append(cfg.Sources, config.Source{Name: "civil_affairs", Kind: "push", Dataset: "person", Key: []string{"身份证号"}, SourceTime: "变更时间",
		Fields: map[string]string{"id_number": "身份证号", "name": "姓名", "sex": "性别", "birth_date": "出生日期", "ethnicity": "民族",
			"household_id": "户号", "relation_to_head": "与户主关系", "hukou_division": "户籍区划", "status": "人员状态"}})
	cfg.APIKeys = append(cfg.APIKeys, config.APIKey{Name: "civil-affairs", Role: "department", KeySHA256: config.HashKey(civilKey), Sources: []string{"civil_affairs"}})
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// pushCivilAffairs sends civil_affairs' records of five residents: three
// under another name than the hukou's (identity conflicts), two under the
// same; every other value as the truth has it.
func pushCivilAffairs(ctx context.Context, t *testing.T, base string, truth *demo.Truth) []pushedPerson {
	t.Helper()
	at := time.Date(2026, 6, 14, 9, 30, 0, 0, schema.ChinaTime)
	var out []pushedPerson
	var body []map[string]string
	for _, r := range truth.Residents {
		if len(out) == 5 {
			break
		}
		if r.Status != "normal" || r.IDWritten != "18" {
			continue
		}
		name := r.Name
		if len(out) < 3 {
			name = otherName(r.Name)
		}
		out = append(out, pushedPerson{resident: r, name: name, at: at})
		body = append(body, map[string]string{"身份证号": r.IDNumber, "姓名": name, "性别": r.Sex, "出生日期": r.BirthDate, "民族": r.Ethnicity,
			"户号": r.HouseholdID, "与户主关系": r.RelationToHead, "户籍区划": r.HukouDivision, "人员状态": r.Status, "变更时间": at.Format(time.DateTime)})
	}
	var got struct {
		Accepted int `json:"accepted"`
	}
	if status := call(ctx, t, http.MethodPost, base+"/v1/sources/civil_affairs/records", civilKey, body, &got); status != http.StatusOK || got.Accepted != len(body) {
		t.Fatalf("civil_affairs push: status %d, %d of %d accepted", status, got.Accepted, len(body))
	}
	return out
}

// otherName gives a name another surname.
func otherName(name string) string {
	r := []rune(name)
	if r[0] == '王' {
		r[0] = '李'
	} else {
		r[0] = '王'
	}
	return string(r)
}

var paramLine = regexp.MustCompile(`(?m)^(\s*(?:WITH\s+)?)(.+?) AS (\w+)(,?\s*-- parameter.*)$`)

// setParams puts values into a query's parameter lines ("<expr> AS <name>
// -- parameter: ..."), as the dictionary tells analysts to; every value must
// find its line.
func setParams(t *testing.T, sql string, params map[string]string) string {
	t.Helper()
	found := map[string]int{}
	sql = paramLine.ReplaceAllStringFunc(sql, func(line string) string {
		m := paramLine.FindStringSubmatch(line)
		v, ok := params[m[3]]
		if !ok {
			return line
		}
		found[m[3]]++
		return m[1] + v + " AS " + m[3] + m[4]
	})
	for name := range params {
		if found[name] != 1 {
			t.Fatalf("parameter %s is on %d lines of the query, want 1", name, found[name])
		}
	}
	return sql
}

func equalRows(t *testing.T, got, want [][]string) {
	t.Helper()
	storetest.SortCells(want)
	g, w := fmt.Sprint(got), fmt.Sprint(want)
	if g != w {
		t.Errorf("rows:\n%v\ntruth says:\n%v", strings.ReplaceAll(g, "] [", "]\n["), strings.ReplaceAll(w, "] [", "]\n["))
	}
	if len(want) == 0 {
		t.Error("the truth expects no rows: the check would prove nothing")
	}
}
