package push

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	ct "github.com/residenthub/residenthub/connectors/connectorstest"
)

const sources = `
- name: payroll
  kind: push
  dataset: employment
  key: [sfzh, month]
  source_time: changed
  fields: {id_number: sfzh, period: month, gross_income_fen: income.fen, employer_name: employer}
- name: payroll_small
  kind: push
  dataset: employment
  key: [sfzh, month]
  fields: {id_number: sfzh, period: month, gross_income_fen: income}
  settings: {max_body_bytes: 100}
- name: hukou
  kind: file
  dataset: person
  key: [id]
  fields: {id_number: id, name: name, household_id: hh}
  settings: {dir: /nonexistent}
`

func TestPush(t *testing.T) {
	ctx := ct.Context(t, 60*time.Second)
	brokers := ct.Kafka(t)
	cfg := &config.Config{Sources: ct.Sources(t, sources)}
	kinds := map[string]connectors.Factory{"push": New, "file": func(*config.Source) (connectors.Puller, error) { return nil, nil }}
	h := ct.NewHarness(t, brokers, t.TempDir(), kinds, nil, cfg.Sources)
	callers := map[string]*access.Caller{
		"payroll-dept": {Name: "payroll-dept", Role: access.RoleDepartment, Sources: []string{"payroll", "payroll_small"}},
		"other-dept":   {Name: "other-dept", Role: access.RoleDepartment, Sources: []string{"hukou"}},
		"admin":        {Name: "admin", Role: access.RoleAdmin},
	}
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler { // stands in for the API's auth middleware
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if c, ok := callers[req.Header.Get("X-Test-Caller")]; ok {
				req = req.WithContext(access.WithCaller(req.Context(), c))
			}
			next.ServeHTTP(w, req)
		})
	})
	r.Method(http.MethodPost, "/v1/sources/{source}/records", NewHandler(cfg, h.Publisher, h.Scheduler, nil))
	srv := httptest.NewServer(r)
	defer srv.Close()

	post := func(caller, source, body string) (int, Response) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/sources/"+source+"/records", strings.NewReader(body))
		req.Header.Set("X-Test-Caller", caller)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out Response
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return resp.StatusCode, out
	}

	ndjson := `{"sfzh":"110105199001011234","month":"2026-10","income":{"fen":850000},"employer":"甲公司","changed":"2026-11-01 10:00:00"}
{"sfzh":"110105199001011234","month":"2026-11",
{"sfzh":"","month":"2026-11","income":{"fen":1}}

{"sfzh":"110105199001015678","month":"2026-10","income":{"fen":1.2e6}}
`
	code, resp := post("payroll-dept", "payroll", ndjson)
	if code != http.StatusMultiStatus || resp.Accepted != 2 || len(resp.Rejected) != 2 ||
		resp.Rejected[0].Line != 2 || !strings.Contains(resp.Rejected[0].Reason, "not a JSON object") ||
		resp.Rejected[1].Line != 3 || !strings.Contains(resp.Rejected[1].Reason, `key column "sfzh" is empty`) {
		t.Fatalf("ndjson: %d %+v", code, resp)
	}
	code, resp = post("admin", "payroll", `[{"sfzh":"3","month":"2026-09","income":{"fen":"1"}}, 5]`)
	if code != http.StatusMultiStatus || resp.Accepted != 1 || len(resp.Rejected) != 1 || resp.Rejected[0].Line != 2 {
		t.Fatalf("array: %d %+v", code, resp)
	}
	envs := ct.Envelopes(t, ctx, brokers, "payroll")
	if len(envs) != 3 {
		t.Fatalf("%d envelopes", len(envs))
	}
	byKey := map[string]map[string]string{}
	for _, e := range envs {
		byKey[e.RecordKey] = e.Fields
		if e.RecordKey == "110105199001011234|2026-10" && e.SourceTime != time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC) {
			t.Fatalf("source time %s", e.SourceTime)
		}
	}
	if f := byKey["110105199001015678|2026-10"]; f["gross_income_fen"] != "1200000" || f["id_number"] != "110105199001015678" {
		t.Fatalf("fields %v", f)
	}
	if f := byKey["110105199001011234|2026-10"]; f["employer_name"] != "甲公司" || f["period"] != "2026-10" {
		t.Fatalf("fields %v", f)
	}
	dead := ct.DeadLetters(t, ctx, brokers, "payroll")
	if len(dead) != 3 || string(dead[0].Original) == "" {
		t.Fatalf("dead letters %+v", dead)
	}

	f := func(caller, source, body string, want int) {
		t.Helper()
		if code, resp := post(caller, source, body); code != want {
			t.Fatalf("%s → %s: %d %+v, want %d", caller, source, code, resp, want)
		}
	}
	f("", "payroll", `[]`, http.StatusUnauthorized)
	f("other-dept", "payroll", `[]`, http.StatusForbidden)
	f("payroll-dept", "nope", `[]`, http.StatusNotFound)
	f("other-dept", "hukou", `[]`, http.StatusNotFound) // not a push source
	f("payroll-dept", "payroll", ``, http.StatusBadRequest)
	f("payroll-dept", "payroll", `[{"a":1},`, http.StatusBadRequest)
	f("payroll-dept", "payroll_small", `[`+strings.Repeat(`{"sfzh":"1","month":"2026-01","income":1},`, 10)+`{}]`, http.StatusRequestEntityTooLarge)
	f("payroll-dept", "payroll", `[{"sfzh":"9","month":"2026-01"}]`, http.StatusOK)

	st := h.Scheduler.Status()[0]
	if st.Source != "payroll" || st.RowsPulled != 4 || st.RowsRejected != 3 || st.Runs != 3 || st.LastRun == nil || st.NextRun != nil {
		t.Fatalf("status %+v", st)
	}
	if err := h.Scheduler.RunNow(ctx, "payroll"); err != connectors.ErrNotPullable {
		t.Fatalf("RunNow on a push source: %v", err)
	}
}

func TestSampleConfig(t *testing.T) {
	b, err := os.ReadFile("sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := ct.Sources(t, string(b))[0]
	if _, err := New(&src); err != nil {
		t.Fatal(err)
	}
}

// FuzzParse checks Parse never panics and numbers records from 1.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`[{"a":1},2]`))
	f.Add([]byte("{\"a\":1}\n\n{bad\n"))
	f.Add([]byte(`  `))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Parse(body)
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.Line < 1 || (r.Err == nil) == (r.Object == nil) {
				t.Fatalf("record %+v", r)
			}
		}
	})
}
