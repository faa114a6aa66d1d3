package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/api/audit"
	"github.com/residenthub/residenthub/bus"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/eligibility"
	"github.com/residenthub/residenthub/profile"
	"github.com/residenthub/residenthub/schema"
	"github.com/residenthub/residenthub/store"
	"github.com/residenthub/residenthub/store/storetest"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/go-chi/chi/v5"
)

// API keys of the test callers.
const (
	keyCounter    = "counter-secret"
	keyCaseworker = "caseworker-secret"
	keyDepartment = "hukou-dept-secret"
	keyAdmin      = "admin-secret"
	keyGovernance = "governance-secret"
)

func testKeys() *access.Keys {
	return access.NewKeys([]config.APIKey{
		{Name: "hall-1", Role: access.RoleCounter, KeySHA256: config.HashKey(keyCounter)},
		{Name: "desk-2", Role: access.RoleCaseworker, KeySHA256: config.HashKey(keyCaseworker)},
		{Name: "hukou-it", Role: access.RoleDepartment, KeySHA256: config.HashKey(keyDepartment), Sources: []string{"hukou"}},
		{Name: "community-office", Role: access.RoleGovernance, KeySHA256: config.HashKey(keyGovernance)},
		{Name: "ops", Role: access.RoleAdmin, KeySHA256: config.HashKey(keyAdmin)},
	})
}

// pushHandler stands in for the push connector's handler (package api must
// not import connectors; connectors/push tests the handler itself: push
// sources, which sources a key may push to, bodies, Kafka). It answers like
// the real one, 200 {"accepted": n, "rejected": []} for a JSON array of n
// records, but only when the API mounted it as promised — the caller in the
// context and the {source} URL parameter set — and 500
// stand_in_not_mounted otherwise. API tests assert only what the API layer
// is responsible for: authentication, roles and the mount.
var pushHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := access.FromContext(r.Context())
	if source := chi.URLParam(r, "source"); !ok || c == nil || source == "" {
		writeJSON(w, http.StatusInternalServerError, errorBody{Error: "stand_in_not_mounted",
			Detail: fmt.Sprintf("the push handler got caller %v and source %q", c, source)})
		return
	}
	var records []json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&records); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "malformed_body", Detail: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accepted": len(records), "rejected": []any{}})
})

// testEnv is a server over a real ClickHouse (fresh database with a small
// profile) and an embedded Kafka broker over TCP.
type testEnv struct {
	t      *testing.T
	url    string
	conn   driver.Conn
	ch     config.ClickHouse
	broker *bus.Embedded
	writer *audit.Writer
	srv    *Server
	sink   bool   // audit sink started
	lang   string // Accept-Language of the requests; "" sends none (Chinese details)
}

// newTestEnv builds the test server; opts may change its Deps first.
func newTestEnv(t *testing.T, opts ...func(*Deps)) *testEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, ch := storetest.New(t)
	loadProfile(t, conn, ch, time.Now())
	broker, err := bus.StartEmbedded("127.0.0.1:0", t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	if err := bus.EnsureTopics(ctx, broker.Brokers(), 2, schema.AuditTopic); err != nil {
		t.Fatal(err)
	}
	w := audit.NewWriter(broker.Brokers())
	t.Cleanup(func() { _ = w.Close() })
	programs, err := eligibility.Default()
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	deps := Deps{
		Keys:     testKeys(),
		Profiles: profile.NewReader(conn, ch),
		Programs: programs,
		Audit:    w,
		Ready: func(ctx context.Context) error {
			if err := bus.Ping(ctx, broker.Brokers()); err != nil {
				return err
			}
			pending, err := store.Pending(ctx, conn, ch)
			if err == nil && len(pending) > 0 {
				t.Errorf("pending migrations %v", pending)
			}
			return err
		},
		SourceStatus: func(context.Context) any { return map[string]any{"sources": []map[string]string{{"name": "hukou"}}} },
		Push:         pushHandler,
		Metrics:      reg,
		Registerer:   reg,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		AuditTimeout: 3 * time.Second,
		SourceNames:  testSourceNames,
		Places:       testPlaces(t),
		// The tests of other things give many wrong names on purpose.
		NameMismatches: config.NameMismatches{PerKey: 1000, PerPerson: 1000, Window: time.Minute},
	}
	for _, o := range opts {
		o(&deps)
	}
	srv, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testEnv{t: t, url: hs.URL, conn: conn, ch: ch, broker: broker, writer: w, srv: srv}
}

// answer is a response: status, content type, body and the body as JSON.
type answer struct {
	status int
	ctype  string
	body   string
	json   map[string]any
	header http.Header
}

// req sends a request with an optional key, purpose, JSON body and Accept.
func (e *testEnv) req(method, path, key, purpose string, body any, accept string) answer {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if purpose != "" {
		r.Header.Set(PurposeHeader, purpose)
	}
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	if e.lang != "" {
		r.Header.Set("Accept-Language", e.lang)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b), header: resp.Header}
	if strings.HasPrefix(a.ctype, "application/json") {
		if err := json.Unmarshal(b, &a.json); err != nil {
			e.t.Fatalf("%s %s: invalid JSON %q: %v", method, path, b, err)
		}
	}
	return a
}

// expect checks status and, for errors, the error code.
func (a answer) expect(t *testing.T, status int, code string) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %s", a.status, status, a.body)
	}
	if code != "" {
		if a.json["error"] != code || a.json["detail"] == "" || a.json["detail"] == nil {
			t.Fatalf("error %v (detail %v), want %s with a detail", a.json["error"], a.json["detail"], code)
		}
	}
	return a
}

// get walks a JSON path of object keys and array indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

const purposeText = "dibao application at the counter"

func TestAPI(t *testing.T) {
	e := newTestEnv(t)
	check := func(program, id, name string) map[string]any {
		return map[string]any{"program": program, "id_number": id, "name": name}
	}

	t.Run("authentication and roles", func(t *testing.T) {
		e.req("GET", "/v1/residents/"+idZhang, "", purposeText, nil, "").expect(t, 401, "unauthenticated")
		e.req("GET", "/v1/residents/"+idZhang, "wrong", purposeText, nil, "").expect(t, 401, "unauthenticated")
		e.req("POST", "/v1/checks", "", purposeText, check("dibao", idZhang, "张三"), "").expect(t, 401, "unauthenticated")
		e.req("GET", "/v1/residents/"+idZhang, keyDepartment, purposeText, nil, "").expect(t, 403, "forbidden")
		e.req("POST", "/v1/checks", keyDepartment, purposeText, check("dibao", idZhang, "张三"), "").expect(t, 403, "forbidden")
		e.req("GET", "/v1/sources", keyCounter, "", nil, "").expect(t, 403, "forbidden")
		e.req("GET", "/v1/programs", keyDepartment, "", nil, "").expect(t, 403, "forbidden")
		a := e.req("GET", "/v1/sources", keyCaseworker, "", nil, "").expect(t, 200, "")
		if get(a.json, "sources", 0, "name") != "hukou" {
			t.Fatalf("sources: %s", a.body)
		}
		e.req("GET", "/v1/sources", keyAdmin, "", nil, "").expect(t, 200, "")
		// X-API-Key works as well as Bearer.
		r, _ := http.NewRequest("GET", e.url+"/v1/programs", nil)
		r.Header.Set("X-API-Key", keyCounter)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("X-API-Key: status %d", resp.StatusCode)
		}
	})

	t.Run("push is mounted behind authentication", func(t *testing.T) {
		// The API authenticates, checks the role (department, admin) and
		// hands the request to Deps.Push with the caller and {source}; the
		// rest is connectors/push's (see pushHandler).
		path := "/v1/sources/hukou/records"
		e.req("POST", path, "", "", `[{}]`, "").expect(t, 401, "unauthenticated")
		e.req("POST", path, "wrong", "", `[{}]`, "").expect(t, 401, "unauthenticated")
		e.req("POST", path, keyCounter, "", `[{}]`, "").expect(t, 403, "forbidden")
		e.req("POST", path, keyCaseworker, "", `[{}]`, "").expect(t, 403, "forbidden")
		for _, key := range []string{keyDepartment, keyAdmin} {
			a := e.req("POST", path, key, "", `[{"工单编号":"T-1"},{"工单编号":"T-2"}]`, "").expect(t, 200, "")
			if a.json["accepted"] != 2.0 || a.json["rejected"] == nil || len(a.json["rejected"].([]any)) != 0 {
				t.Fatalf("push answer: %s", a.body)
			}
		}
		e.req("GET", path, keyDepartment, "", nil, "").expect(t, 405, "method_not_allowed")
	})

	t.Run("bad requests", func(t *testing.T) {
		// Details in Chinese by default: what is wrong and what to do.
		a := e.req("GET", "/v1/residents/110105198001010017", keyCounter, purposeText, nil, "").expect(t, 400, "invalid_id_number")
		if d := a.json["detail"].(string); d != "身份证号 110105********0017 无效：校验位不符，请逐位核对号码（末位 X 为大写）" {
			t.Fatalf("Chinese detail %q", d)
		}
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, `{"program":"dibao","id_number":1,"name":"张三"}`, "").expect(t, 400, "malformed_body")
		if d := a.json["detail"].(string); d != "字段“id_number”须为字符串，而不是 JSON number" || strings.Contains(a.body, `\u`) {
			t.Fatalf("Chinese detail %q (%s)", d, a.body)
		}
		// English details for a caller who asks for them.
		e.lang = "en-US,en;q=0.9"
		defer func() { e.lang = "" }()
		e.req("GET", "/v1/residents/"+idZhang, keyCounter, "", nil, "").expect(t, 400, "missing_purpose")
		e.req("POST", "/v1/checks", keyCounter, "", check("dibao", idZhang, "张三"), "").expect(t, 400, "missing_purpose")
		e.req("POST", "/v1/checks", keyCounter, "line1%0Aline2", check("dibao", idZhang, "张三"), "").expect(t, 400, "invalid_purpose")
		e.req("POST", "/v1/checks", keyCounter, "%00nul", check("dibao", idZhang, "张三"), "").expect(t, 400, "invalid_purpose")
		a = e.req("GET", "/v1/residents/110105198001010017", keyCounter, purposeText, nil, "").expect(t, 400, "invalid_id_number")
		if d := a.json["detail"].(string); !strings.Contains(d, "check digit") || strings.Contains(d, "19800101") {
			t.Fatalf("detail %q: want the reason and the number masked", d)
		}
		e.req("GET", "/v1/residents/12345", keyCounter, purposeText, nil, "").expect(t, 400, "invalid_id_number")
		e.req("POST", "/v1/checks", keyCounter, purposeText, `{"program": "dibao",`, "").expect(t, 400, "malformed_body")
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, `[1]`, "").expect(t, 400, "malformed_body")
		if d, _ := a.json["detail"].(string); !strings.Contains(d, "must be a JSON object") || strings.Contains(d, "api.") {
			t.Fatalf("array body detail: %s", a.body)
		}
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, `{"program":"dibao","id_number":1,"name":"张三"}`, "").expect(t, 400, "malformed_body")
		if d, _ := a.json["detail"].(string); !strings.Contains(d, `"id_number" must be a string, not a JSON number`) {
			t.Fatalf("typed field detail: %s", a.body)
		}
		e.req("POST", "/v1/checks", keyCounter, purposeText, `{"program":"`+strings.Repeat("x", 70000)+`"}`, "").expect(t, 413, "body_too_large")
		e.req("POST", "/v1/checks", keyCounter, purposeText, "", "").expect(t, 400, "malformed_body")
		e.req("POST", "/v1/checks", keyCounter, purposeText, `{"program":"dibao","id_number":1,"name":"张三"}`, "").expect(t, 400, "malformed_body")
		e.req("POST", "/v1/checks", keyCounter, purposeText, `{"program":"dibao","idnumber":"x","name":"张三"}`, "").expect(t, 400, "malformed_body")
		e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"program": "dibao", "id_number": idZhang}, "").expect(t, 400, "missing_name")
		e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"id_number": idZhang, "name": "张三"}, "").expect(t, 400, "missing_program")
		e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", "11010519800101001", "张三"), "").expect(t, 400, "invalid_id_number")
		e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idZhang, "12345"), "").expect(t, 400, "invalid_name")
		future := time.Now().In(cst).AddDate(0, 0, 2).Format(time.DateOnly)
		e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"program": "dibao", "id_number": idZhang, "name": "张三", "as_of": future}, "").expect(t, 400, "invalid_as_of")
		e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"program": "dibao", "id_number": idZhang, "name": "张三", "as_of": "29/11/2026"}, "").expect(t, 400, "invalid_as_of")
		e.req("GET", "/v1/nothing", keyCounter, "", nil, "").expect(t, 404, "not_found")
		e.req("DELETE", "/v1/programs", keyCounter, "", nil, "").expect(t, 405, "method_not_allowed")
	})

	t.Run("not found and mismatch", func(t *testing.T) {
		a := e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibo", idZhang, "张三"), "").expect(t, 404, "unknown_program")
		if known, _ := a.json["known_programs"].([]any); len(known) == 0 || !strings.Contains(a.json["detail"].(string), "dibao") {
			t.Fatalf("unknown program answer should list the known ones: %s", a.body)
		}
		e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idUnknown, "赵六"), "").expect(t, 404, "person_not_found")
		e.req("GET", "/v1/residents/"+idUnknown, keyCaseworker, purposeText, nil, "").expect(t, 404, "person_not_found")
		// The counter never sees a birth date: it is the masked middle of the ID number.
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, check("elderly_allowance", idZhang, "张三"), "").expect(t, 200, "")
		if strings.Contains(a.body, "1980-01-01") || !strings.Contains(a.body, `"age"`) {
			t.Fatalf("counter elderly check shows the birth date or no age: %s", a.body)
		}
		a = e.req("POST", "/v1/checks", keyCaseworker, purposeText, check("elderly_allowance", idZhang, "张三"), "").expect(t, 200, "")
		if !strings.Contains(a.body, "1980-01-01") {
			t.Fatalf("caseworker elderly check lacks the birth date: %s", a.body)
		}
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idZhang, "张四"), "").expect(t, 422, "name_mismatch")
		if d, _ := a.json["detail"].(string); !strings.HasPrefix(d, "姓名与身份证号不符") {
			t.Fatalf("detail %v", a.json["detail"])
		}
		e.lang = "en"
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idZhang, "张四"), "").expect(t, 422, "name_mismatch")
		e.lang = ""
		if d, _ := a.json["detail"].(string); !strings.HasPrefix(d, "the name does not match the ID number") {
			t.Fatalf("English detail %v", a.json["detail"])
		}
	})

	t.Run("checks", func(t *testing.T) {
		// Width and spacing variants of the name still match.
		a := e.req("POST", "/v1/checks", keyCaseworker, purposeText, check("residence_certificate", idZhang, " 张三 "), "").expect(t, 200, "")
		if a.json["decision"] != eligibility.Eligible || get(a.json, "amounts", "id_number") != idZhang || get(a.json, "amounts", "name") != "张三" {
			t.Fatalf("caseworker check: %s", a.body)
		}
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, check("residence_certificate", idZhang, "张三"), "").expect(t, 200, "")
		if a.json["decision"] != eligibility.Eligible || get(a.json, "amounts", "id_number") != "110105********0016" || get(a.json, "amounts", "name") != "张*" {
			t.Fatalf("counter check must mask personal outcomes: %s", a.body)
		}
		if strings.Contains(a.body, idZhang) {
			t.Fatalf("counter answer contains the full ID number: %s", a.body)
		}
		// Places and departments by name, beside their codes.
		if get(a.json, "place_names", "110105026001") != "北京市朝阳区望京街道花家地社区" || get(a.json, "place_names", "110105") != "北京市朝阳区" ||
			get(a.json, "evidence", 0, "source_name") == nil || a.json["missing_text"] == nil || get(a.json, "title", "zh") != "居住证明" {
			t.Fatalf("names: %s", a.body)
		}
		for _, ev := range get(a.json, "evidence").([]any) {
			src, _ := get(ev, "source").(string)
			if name, _ := get(ev, "source_name").(string); testSourceNames[src] != name {
				t.Fatalf("evidence of %v named %v: %s", src, name, a.body)
			}
		}
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idZhang, "张三"), "").expect(t, 200, "")
		if get(a.json, "units", "standard_fen") != "fen_per_person_per_month" || get(a.json, "units", "employment_income_window_fen") != "fen_window_total" ||
			get(a.json, "units", "pension_monthly_fen") != "fen_per_month" || strings.Contains(a.body, `\u003c`) || strings.Contains(a.body, "0001-01-01") {
			t.Fatalf("units: %s", a.body)
		}
		switch a.json["decision"] {
		case eligibility.Eligible, eligibility.Ineligible, eligibility.NeedsReview:
		default:
			t.Fatalf("dibao: %s", a.body)
		}
		if a.json["program"] != "dibao" || len(get(a.json, "rules").([]any)) == 0 {
			t.Fatalf("dibao: %s", a.body)
		}
		past := time.Now().In(cst).AddDate(0, 0, -3).Format(time.DateOnly)
		a = e.req("POST", "/v1/checks", keyCounter, purposeText, map[string]any{"program": "residence_certificate", "id_number": idZhang, "name": "张三", "as_of": past}, "").expect(t, 200, "")
		if a.json["date"] != past {
			t.Fatalf("as_of %s: date %v", past, a.json["date"])
		}
	})

	t.Run("profile masking by role", func(t *testing.T) {
		full := e.req("GET", "/v1/residents/"+idZhang, keyCaseworker, purposeText, nil, "").expect(t, 200, "")
		f := func(path []any, want string) {
			t.Helper()
			if got := get(full.json, path...); got != want {
				t.Fatalf("caseworker %v = %v, want %s", path, got, want)
			}
		}
		f([]any{"id_number"}, idZhang)
		f([]any{"person", "name"}, "张三")
		f([]any{"person", "phone"}, "13812345678")
		f([]any{"person", "hukou_address"}, "北京市朝阳区建国路88号院3号楼1单元502")
		f([]any{"residences", 0, "address"}, "北京市朝阳区望京街道花家地小区5号楼301")
		f([]any{"residences", 0, "evidence", "record_key"}, idZhang+"|gate-7")
		if full.json["masked"] != false || len(get(full.json, "household", "members").([]any)) != 2 ||
			len(get(full.json, "employment").([]any)) != 6 || len(get(full.json, "assets").([]any)) != 1 {
			t.Fatalf("caseworker profile: %s", full.body)
		}
		for _, ds := range profile.Datasets {
			if get(full.json, "freshness", ds) == nil {
				t.Fatalf("no freshness for %s: %s", ds, full.body)
			}
		}

		masked := e.req("GET", "/v1/residents/"+idZhang+"?name="+url.QueryEscape("张三"), keyCounter, purposeText, nil, "").expect(t, 200, "")
		m := func(path []any, want string) {
			t.Helper()
			if got := get(masked.json, path...); got != want {
				t.Fatalf("counter %v = %v, want %s", path, got, want)
			}
		}
		m([]any{"id_number"}, "110105********0016")
		m([]any{"person", "id_number"}, "110105********0016")
		m([]any{"person", "name"}, "张*")
		m([]any{"person", "phone"}, "138****5678")
		m([]any{"person", "hukou_address"}, "北京市朝阳区****")
		m([]any{"residences", 0, "address"}, "北京市朝阳区****")
		m([]any{"residences", 0, "evidence", "record_key"}, "110105********0016|gate-7")
		m([]any{"employment", 0, "id_number"}, "110105********0016")
		m([]any{"person", "status"}, "normal")
		if masked.json["masked"] != true {
			t.Fatal("counter profile not marked masked")
		}
		// (The community's name, 朝阳区望京街道花家地社区 in place_names, says no
		// more than its code, which the counter sees too; the address does.)
		for _, secret := range []string{idZhang, idLi, "张三", "李四", "13812345678", "13900001111", "建国路", "花家地小区"} {
			if strings.Contains(masked.body, secret) {
				t.Fatalf("counter profile contains %q: %s", secret, masked.body)
			}
		}
		e.req("GET", "/v1/residents/"+idZhang, keyAdmin, purposeText, nil, "").expect(t, 200, "")
	})

	t.Run("profile needs the name from the counter", func(t *testing.T) {
		// Like checks and certificates: an ID number alone shows the counter nothing.
		path := "/v1/residents/" + idZhang
		a := e.req("GET", path, keyCounter, purposeText, nil, "").expect(t, 400, "missing_name")
		if d := a.json["detail"].(string); !strings.Contains(d, "?name=") {
			t.Fatalf("missing name detail %q", d)
		}
		e.req("GET", path+"?name=", keyCounter, purposeText, nil, "").expect(t, 400, "missing_name")
		e.req("GET", path+"?name=12345", keyCounter, purposeText, nil, "").expect(t, 400, "invalid_name")
		for _, key := range []string{keyCounter, keyCaseworker} {
			a = e.req("GET", path+"?name="+url.QueryEscape("张四"), key, "profile mismatch", nil, "").expect(t, 422, "name_mismatch")
			if strings.Contains(a.body, "张三") || strings.Contains(a.body, "李四") || strings.Contains(a.body, "13812345678") {
				t.Fatalf("mismatch answer leaks data: %s", a.body)
			}
		}
		// Width and spacing variants match; other roles may leave the name out.
		e.req("GET", path+"?name="+url.QueryEscape(" 张三 "), keyCounter, purposeText, nil, "").expect(t, 200, "")
		e.req("GET", path+"?name="+url.QueryEscape("张三"), keyCaseworker, purposeText, nil, "").expect(t, 200, "")
		e.req("GET", "/v1/residents/"+idUnknown+"?name="+url.QueryEscape("赵六"), keyCounter, purposeText, nil, "").expect(t, 404, "person_not_found")
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND endpoint = 'GET /v1/residents/{id_number}' AND purpose = 'profile mismatch' "+
			"AND decision = 'name_mismatch' AND status = 422 AND empty(household_members)", 2)
	})

	t.Run("ID numbers inside record keys are masked", func(t *testing.T) {
		// Record keys are the departments' raw values: 15-digit and
		// full-width numbers must be masked like 18-digit ones.
		loadDepartmentKeys(t, e.conn, e.ch, time.Now())
		secrets := []string{idQian, idQian15, idQianWide, idZhou, idZhouWide, "800404", "820505", "８００４０４", "８２０５０５", "钱七", "周八"}
		leaks := func(what, body string) {
			t.Helper()
			for _, secret := range secrets {
				if strings.Contains(body, secret) {
					t.Fatalf("counter %s contains %q: %s", what, secret, body)
				}
			}
		}
		p := e.req("GET", "/v1/residents/"+idQian+"?name="+url.QueryEscape("钱七"), keyCounter, purposeText, nil, "").expect(t, 200, "")
		leaks("profile", p.body)
		for _, want := range []struct {
			path []any
			key  string
		}{
			{[]any{"person", "evidence", "record_key"}, "110105*****4003"},
			{[]any{"residences", 0, "evidence", "record_key"}, "110105********0034|gate-9"},
			{[]any{"employment", 0, "evidence", "record_key"}, "110105*****4003|wage"},
		} {
			if got := get(p.json, want.path...); got != want.key {
				t.Fatalf("counter profile %v = %v, want %s", want.path, got, want.key)
			}
		}
		c := e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idQian, "钱七"), "").expect(t, 200, "")
		leaks("dibao check", c.body)
		for _, want := range []string{"110105*****4003|wage", "110105********0044|pension"} {
			if !strings.Contains(c.body, `"record_key":"`+want+`"`) {
				t.Fatalf("counter dibao check lacks evidence record key %s: %s", want, c.body)
			}
		}
		// Caseworkers see the keys as the departments sent them.
		full := e.req("GET", "/v1/residents/"+idQian, keyCaseworker, purposeText, nil, "").expect(t, 200, "")
		if got := get(full.json, "residences", 0, "evidence", "record_key"); got != idQianWide+"|gate-9" {
			t.Fatalf("caseworker residence record key %v", got)
		}
	})

	t.Run("identity conflict between departments", func(t *testing.T) {
		// 孙九 is registered by hukou; a census source names him 孙久 and gives
		// another birth date. The counter may name either; the decision is
		// needs_review naming the conflict; the values are for caseworkers.
		const idSun = "110105197505050033"
		src := time.Now().Add(-10 * 24 * time.Hour)
		insertRows(t, e.conn, e.ch, "person", time.Now().Add(-time.Hour),
			row{"hukou", idSun, src, map[string]any{"id_number": idSun, "name": "孙九", "birth_date": "1975-05-05", "household_id": "H9",
				"relation_to_head": "02", "hukou_division": "110105", "status": "normal"}},
			row{"census", idSun, src.Add(time.Hour), map[string]any{"id_number": idSun, "name": "孙久", "birth_date": "1975-06-06", "household_id": "H9",
				"relation_to_head": "02", "hukou_division": "110105", "status": "normal"}})
		for _, name := range []string{"孙九", "孙久"} {
			a := e.req("POST", "/v1/checks", keyCounter, purposeText, check("elderly_allowance", idSun, name), "").expect(t, 200, "")
			if a.json["decision"] != "needs_review" || !strings.Contains(a.body, "identity conflict") {
				t.Fatalf("check with %s: %s", name, a.body)
			}
		}
		e.req("POST", "/v1/checks", keyCounter, purposeText, check("elderly_allowance", idSun, "孙十"), "").expect(t, 422, "name_mismatch")
		a := e.req("GET", "/v1/residents/"+idSun+"?name="+url.QueryEscape("孙九"), keyCounter, purposeText, nil, "").expect(t, 200, "")
		if get(a.json, "identity_conflicts", 0, "field") == nil || strings.Contains(a.body, "孙久") || strings.Contains(a.body, "1975-06-06") {
			t.Fatalf("counter profile with a conflict: %s", a.body)
		}
		a = e.req("GET", "/v1/residents/"+idSun, keyCaseworker, purposeText, nil, "").expect(t, 200, "")
		if !strings.Contains(a.body, "孙久") || !strings.Contains(a.body, "1975-06-06") {
			t.Fatalf("caseworker profile lacks the conflicting values: %s", a.body)
		}
	})

	t.Run("residence certificate", func(t *testing.T) {
		path := "/v1/residents/" + idZhang + "/certificates/residence"
		// The counter must name the holder: an ID number alone reveals no name or address.
		e.req("GET", path, keyCounter, "print residence certificate", nil, "").expect(t, 400, "missing_name")
		e.req("GET", path+"?name="+url.QueryEscape("张四"), keyCounter, "print residence certificate", nil, "").expect(t, 422, "name_mismatch")
		a := e.req("GET", path+"?name="+url.QueryEscape("张三"), keyCounter, "print residence certificate", nil, "text/html,*/*;q=0.8").expect(t, 200, "")
		if !strings.HasPrefix(a.ctype, "text/html") {
			t.Fatalf("content type %s", a.ctype)
		}
		// The counter's screen shows the ID number masked; the printed
		// document (print media) in full, the district's default.
		for _, want := range []string{"居住证明", "张三", `<span class="id-screen">110105********0016</span><span class="id-print">` + idZhang + `</span>`,
			"北京市朝阳区望京街道花家地小区5号楼301", "@page", "A4", "2019年5月1日", "门禁登记：区住房和城乡建设委员会",
			"户籍登记：区公安分局户籍科", "朝阳区望京街道花家地社区", "开具单位：社区便民服务大厅（盖章）", "经办人"} {
			if !strings.Contains(a.body, want) {
				t.Fatalf("certificate lacks %q:\n%s", want, a.body)
			}
		}
		for _, notWant := range []string{"access_ctl", "hukou", "the departments", "Print"} {
			if strings.Contains(a.body, notWant) {
				t.Fatalf("certificate shows %q:\n%s", notWant, a.body)
			}
		}
		a = e.req("GET", path, keyCaseworker, "print residence certificate", nil, "application/json").expect(t, 200, "")
		code, _ := a.json["verification_code"].(string)
		if a.json["title"] != "居住证明" || a.json["name"] != "张三" || a.json["id_number"] != idZhang || a.json["id_number_masked"] != "110105********0016" ||
			a.json["since"] != "2019-05-01" || a.json["community_code"] != "110105026001" || a.json["community"] != "朝阳区望京街道花家地社区" ||
			a.json["evidence_kind_name"] != "门禁登记" || a.json["issuer"] != "社区便民服务大厅" || len(code) != 39 ||
			fmt.Sprint(a.json["departments"]) != "[区公安分局户籍科 区住房和城乡建设委员会]" ||
			get(a.json, "evidence", 1, "source_name") != "区住房和城乡建设委员会" ||
			a.json["issue_date"] != time.Now().In(cst).Format(time.DateOnly) {
			t.Fatalf("JSON certificate: %s", a.body)
		}
		// The verification code is the audit event of the issue.
		waitAudit(t, e, "event_id = '"+strings.ToLower(strings.ReplaceAll(code, "-", ""))+"' AND decision = 'eligible'", 1)

		wang := "/v1/residents/" + idWang + "/certificates/residence?name=" + url.QueryEscape("王五")
		a = e.req("GET", wang, keyCounter, "print residence certificate", nil, "application/json").expect(t, 422, "not_eligible")
		if d := a.json["detail"].(string); !strings.HasPrefix(d, "不能开具居住证明（不符合条件）：") || !strings.Contains(d, "朝阳区") ||
			get(a.json, "reasons", 0, "rule") != "resides_in_district" {
			t.Fatalf("not eligible: %s", a.body)
		}
		if strings.Contains(a.body, idWang) {
			t.Fatalf("counter 422 contains the full ID number: %s", a.body)
		}
		a = e.req("GET", wang, keyCounter, "print residence certificate", nil, "").expect(t, 422, "")
		if !strings.HasPrefix(a.ctype, "text/html") || !strings.Contains(a.body, "无法开具居住证明") || !strings.Contains(a.body, "朝阳区") {
			t.Fatalf("HTML not-issued page: %s %s", a.ctype, a.body)
		}
		e.req("GET", "/v1/residents/"+idUnknown+"/certificates/residence?name=x", keyCounter, "print", nil, "").expect(t, 404, "person_not_found")
	})

	t.Run("programs", func(t *testing.T) {
		a := e.req("GET", "/v1/programs", keyCounter, "", nil, "").expect(t, 200, "")
		var dibao map[string]any
		for _, p := range get(a.json, "programs").([]any) {
			if get(p, "id") == "dibao" {
				dibao = p.(map[string]any)
			}
		}
		if dibao == nil || len(get(dibao, "rules").([]any)) == 0 || get(dibao, "rules", 0, "description", "zh") == "" {
			t.Fatalf("programs: %s", a.body)
		}
		params, _ := dibao["parameters"].(map[string]any)
		if len(params) == 0 {
			t.Fatalf("dibao has no parameters: %v", dibao)
		}
		for name, p := range params {
			if get(p, "in_force") == nil || len(get(p, "history").([]any)) == 0 {
				t.Fatalf("parameter %s: %v", name, p)
			}
		}
		a = e.req("GET", "/v1/programs?as_of=2019-01-01", keyCounter, "", nil, "").expect(t, 200, "")
		if a.json["date"] != "2019-01-01" {
			t.Fatalf("as_of: %v", a.json["date"])
		}
		// The 2022 dibao standard is past its 13-month review horizon in
		// 2026 and was not in 2023.
		overdue := func(asOf string) []any {
			a := e.req("GET", "/v1/programs?as_of="+asOf, keyCounter, "", nil, "").expect(t, 200, "")
			for _, p := range get(a.json, "programs").([]any) {
				if get(p, "id") == "dibao" {
					o, _ := get(p, "overdue_parameters").([]any)
					return o
				}
			}
			return nil
		}
		if o := overdue("2026-06-15"); len(o) != 1 || get(o[0], "name") != "standard_fen" || get(o[0], "review_due") != "2023-08-01" {
			t.Fatalf("overdue 2026: %v", o)
		}
		if o := overdue("2023-03-01"); len(o) != 0 {
			t.Fatalf("overdue 2023: %v", o)
		}
	})

	t.Run("operations", func(t *testing.T) {
		e.req("GET", "/healthz", "", "", nil, "").expect(t, 200, "")
		a := e.req("GET", "/readyz", "", "", nil, "").expect(t, 200, "")
		if a.json["status"] != "ready" {
			t.Fatal(a.body)
		}
		a = e.req("GET", "/metrics", "", "", nil, "").expect(t, 200, "")
		if !strings.Contains(a.body, `residenthub_api_requests_total{code="200",method="GET",route="/v1/residents/{id_number}"}`) {
			t.Fatalf("metrics lack request counts:\n%s", a.body)
		}
		a = e.req("GET", "/v1/openapi.json", "", "", nil, "").expect(t, 200, "")
		if a.json["openapi"] == nil {
			t.Fatal("openapi.json not served")
		}
	})

	t.Run("audit log", func(t *testing.T) {
		// Profile reads, checks with their decisions, misses and mismatches
		// are all audited with caller, role and purpose.
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND endpoint = 'GET /v1/residents/{id_number}' AND caller = 'hall-1' AND role = 'counter' AND purpose = '"+purposeText+"' AND decision = 'shown' AND status = 200", 1)
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND endpoint = 'POST /v1/checks' AND program = 'dibao' AND decision = 'name_mismatch' AND status = 422", 1)
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND program = 'residence_certificate' AND decision = 'eligible' AND caller = 'desk-2'", 1)
		waitAudit(t, e, "subject_id_number = '"+idUnknown+"' AND decision = 'not_found' AND status = 404", 1)
		waitAudit(t, e, "subject_id_number = '"+idWang+"' AND decision = 'ineligible' AND status = 422", 1)
		// The household members whose data an answer held are listed: the
		// dibao check (household scope) and the profile of 张三 show 李四's
		// data; the residence certificate check (applicant scope) and name
		// mismatches show nobody else's.
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND program = 'dibao' AND status = 200 AND caller = 'hall-1' AND household_members = ['"+idLi+"']", 1)
		waitAudit(t, e, "subject_id_number = '"+idQian+"' AND program = 'dibao' AND status = 200 AND household_members = ['"+idZhou+"']", 1)
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND endpoint = 'GET /v1/residents/{id_number}' AND decision = 'shown' AND household_members = ['"+idLi+"']", 1)
		waitAudit(t, e, "subject_id_number = '"+idZhang+"' AND program = 'residence_certificate' AND status = 200 AND empty(household_members)", 1)
		waitAudit(t, e, "subject_id_number = '"+idWang+"' AND program = 'residence_certificate' AND empty(household_members)", 1)
		// Names never reach the audit log (members are ID numbers only);
		// refused requests (400/401/403) are not reads.
		var n uint64
		if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+store.QuoteIdent(e.ch.Database)+".audit_log WHERE "+
			"position(purpose, '张') > 0 OR position(caller, '张') > 0 OR subject_id_number = '' OR status IN (400, 401, 403) OR "+
			"NOT arrayAll(m -> match(m, '^[0-9]{17}[0-9X]$'), household_members) OR has(household_members, subject_id_number)").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d audit rows with names, no subject, refused requests or members that are not other persons' ID numbers", n)
		}
	})

	t.Run("read fails when the audit cannot be written", func(t *testing.T) {
		e.broker.Close()
		a := e.req("GET", "/v1/residents/"+idZhang, keyCaseworker, purposeText, nil, "").expect(t, 503, "audit_unavailable")
		if strings.Contains(a.body, "张三") || strings.Contains(a.body, "13812345678") {
			t.Fatalf("503 answer leaks data: %s", a.body)
		}
		e.req("POST", "/v1/checks", keyCounter, purposeText, check("dibao", idZhang, "张三"), "").expect(t, 503, "audit_unavailable")
		e.req("GET", "/v1/residents/"+idZhang+"/certificates/residence?name="+url.QueryEscape("张三"), keyCounter, purposeText, nil, "").expect(t, 503, "audit_unavailable")
		// Endpoints that read no person's data keep working.
		e.req("GET", "/v1/programs", keyCounter, "", nil, "").expect(t, 200, "")
	})
}

// waitAudit runs the audit sink (once per env) and waits until audit_log
// holds at least want rows matching the condition.
func waitAudit(t *testing.T, e *testEnv, where string, want uint64) {
	t.Helper()
	if !e.sink {
		e.sink = true
		sink := audit.NewSink(e.conn, e.ch, e.broker.Brokers(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		sink.Linger = 50 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = sink.Run(ctx); close(done) }()
		e.t.Cleanup(func() { cancel(); <-done })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := "SELECT count() FROM " + store.QuoteIdent(e.ch.Database) + ".audit_log FINAL WHERE " + where
	var n uint64
	for {
		if err := e.conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("audit_log has %d rows where %s, want %d", n, where, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
