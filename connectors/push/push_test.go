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
	"github.com/residenthub/residenthub/httperr"
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

	send := func(caller, source, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/sources/"+source+"/records", strings.NewReader(body))
		req.Header.Set("X-Test-Caller", caller)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// post expects a published answer (200/207): accepted and rejected,
	// rejected never null, no error fields.
	post := func(caller, source, body string) (int, Response) {
		t.Helper()
		code, b := send(caller, source, body)
		var fields map[string]json.RawMessage
		var out Response
		if err := json.Unmarshal(b, &fields); err != nil || json.Unmarshal(b, &out) != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if len(fields) != 2 || string(fields["rejected"]) == "null" || fields["accepted"] == nil {
			t.Fatalf("%d %s: want exactly accepted and rejected (an array)", code, b)
		}
		return code, out
	}

	ndjson := `{"sfzh":"110105199001011234","month":"2026-10","income":{"fen":850000},"employer":"甲公司","changed":"2026-11-01 10:00:00"}
{"sfzh":"110105199001011234","month":"2026-11",
{"sfzh":"","month":"2026-11","income":{"fen":1}}

{"sfzh":"110105199001015678","month":"2026-10","income":{"fen":1.2e6}}
`
	code, resp := post("payroll-dept", "payroll", ndjson)
	if code != http.StatusMultiStatus || resp.Accepted != 2 || len(resp.Rejected) != 2 ||
		resp.Rejected[0].Line != 2 || resp.Rejected[0].Reason != "line 2 is not valid JSON: it ends before the JSON is complete" ||
		resp.Rejected[1].Line != 3 || resp.Rejected[1].Reason != `key column "sfzh" is empty` {
		t.Fatalf("ndjson: %d %+v", code, resp)
	}
	code, resp = post("admin", "payroll", `[{"sfzh":"3","month":"2026-09","income":{"fen":"1"}}, 5]`)
	if code != http.StatusMultiStatus || resp.Accepted != 1 || len(resp.Rejected) != 1 || resp.Rejected[0].Line != 2 ||
		resp.Rejected[0].Reason != "element 2 is a JSON number, not an object" {
		t.Fatalf("array: %d %+v", code, resp)
	}
	// A leading UTF-8 byte-order mark (Windows tools) is ignored, in NDJSON
	// and in arrays.
	code, resp = post("payroll-dept", "payroll", "\xef\xbb\xbf"+`{"sfzh":"BOM1","month":"2026-10"}`+"\n")
	if code != http.StatusOK || resp.Accepted != 1 || len(resp.Rejected) != 0 {
		t.Fatalf("bom ndjson: %d %+v", code, resp)
	}
	code, resp = post("payroll-dept", "payroll", "\xef\xbb\xbf"+` [{"sfzh":"BOM2","month":"2026-10"}]`)
	if code != http.StatusOK || resp.Accepted != 1 {
		t.Fatalf("bom array: %d %+v", code, resp)
	}
	// Invalid UTF-8 (encoding/json would make it U+FFFD) rejects the line
	// naming the column, in the key too: two different bad keys never
	// merge into one record.
	code, resp = post("payroll-dept", "payroll", "{\"sfzh\":\"BAD\xff\",\"month\":\"2026-10\"}\n{\"sfzh\":\"BAD\xfe\",\"month\":\"2026-10\"}\n")
	if code != http.StatusUnprocessableEntity || resp.Accepted != 0 || len(resp.Rejected) != 2 ||
		!strings.HasPrefix(resp.Rejected[0].Reason, `column "sfzh" contains U+FFFD`) {
		t.Fatalf("invalid UTF-8: %d %+v", code, resp)
	}
	// Reasons in the department's terms, not Go's.
	code, resp = post("payroll-dept", "payroll", `{"sfzh":{"a":1},"month":"2026-10"}`+"\n[1,2]\n"+`{"sfzh":["x"],"month":"2026-10"}`)
	if code != http.StatusUnprocessableEntity || resp.Accepted != 0 || len(resp.Rejected) != 3 ||
		resp.Rejected[0].Reason != `key column "sfzh" is a JSON object; it must be a string or a number` ||
		resp.Rejected[1].Reason != "line 2 is a JSON array, not an object" ||
		resp.Rejected[2].Reason != `key column "sfzh" is a JSON array; it must be a string or a number` {
		t.Fatalf("reasons: %d %+v", code, resp)
	}
	envs := ct.Envelopes(t, ctx, brokers, "payroll")
	if len(envs) != 5 {
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
	if len(dead) != 8 || string(dead[0].Original) == "" {
		t.Fatalf("dead letters %+v", dead)
	}
	for _, m := range ct.ReadTopic(t, ctx, brokers, "dlq.payroll") {
		if len(m.Key) == 0 {
			t.Fatalf("dead letter without key: %s", m.Value)
		}
	}

	// Errors: the API's {"error", "detail"} shape and nothing else.
	f := func(caller, source, body string, want int, wantCode string) {
		t.Helper()
		code, b := send(caller, source, body)
		var e map[string]any
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if code != want || e["error"] != wantCode || e["detail"] == "" || len(e) != 2 {
			t.Fatalf("%s → %s: %d %s, want %d %s", caller, source, code, b, want, wantCode)
		}
	}
	f("", "payroll", `[]`, http.StatusUnauthorized, "unauthenticated")
	f("other-dept", "payroll", `[]`, http.StatusForbidden, "forbidden_source")
	f("payroll-dept", "nope", `[]`, http.StatusNotFound, "unknown_source")
	f("other-dept", "hukou", `[]`, http.StatusNotFound, "unknown_source") // not a push source
	f("payroll-dept", "payroll", ``, http.StatusBadRequest, "empty_body")
	f("payroll-dept", "payroll", "\xef\xbb\xbf \n", http.StatusBadRequest, "empty_body")
	f("payroll-dept", "payroll", `[{"a":1},`, http.StatusBadRequest, "malformed_body")
	f("payroll-dept", "payroll_small", `[`+strings.Repeat(`{"sfzh":"1","month":"2026-01","income":1},`, 10)+`{}]`, http.StatusRequestEntityTooLarge, "body_too_large")
	// The detail is Chinese unless the sender prefers English.
	for lang, want := range map[string]string{"": "没有推送数据源“nope”", "en-US,en;q=0.9": `there is no push source "nope"`} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/sources/nope/records", strings.NewReader(`[]`))
		req.Header.Set("X-Test-Caller", "payroll-dept")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e httperr.Body
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || !strings.HasPrefix(e.Detail, want) || !strings.Contains(e.Detail, "payroll_small") {
			t.Errorf("Accept-Language %q: detail %q (%v), want it to start with %q and name the key's sources", lang, e.Detail, err, want)
		}
	}
	if code, resp := post("payroll-dept", "payroll", `[{"sfzh":"9","month":"2026-01"}]`); code != http.StatusOK || resp.Accepted != 1 || resp.Rejected == nil {
		t.Fatalf("%d %+v", code, resp)
	}

	st := h.Scheduler.Status()[0]
	if st.Source != "payroll" || st.RowsPulled != 6 || st.RowsRejected != 8 || st.Runs != 7 || st.LastRun == nil || st.NextRun != nil {
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

func TestParse(t *testing.T) {
	f := func(body string, wantLines []int, wantErr string) {
		t.Helper()
		recs, err := Parse([]byte(body))
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) || strings.Contains(err.Error(), "Go value") {
				t.Fatalf("%q: err %v, want %q", body, err, wantErr)
			}
			return
		}
		if err != nil || len(recs) != len(wantLines) {
			t.Fatalf("%q: %+v %v", body, recs, err)
		}
		for i, r := range recs {
			if r.Line != wantLines[i] || r.Err != nil {
				t.Fatalf("%q: record %d = %+v", body, i, r)
			}
		}
	}
	f("\xef\xbb\xbf{\"ticket_id\":\"BOM9\"}\n", []int{1}, "")
	f("\xef\xbb\xbf[{\"a\":1},{\"b\":2}]", []int{1, 2}, "")
	f("{\"a\":1}\r\n\r\n{\"b\":2}\r\n", []int{1, 3}, "")
	f("", nil, "the body is empty")
	f("\xef\xbb\xbf", nil, "the body is empty")
	f(`[{"a":1},`, nil, "not a well-formed JSON array: it ends before the JSON is complete")
	f(`[{"a":1}] x`, nil, "not a well-formed JSON array: invalid character 'x' after top-level value (at byte 11)")
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
