package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/schema"
)

func TestMaskers(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	f(maskPhone("13812345678"), "138****5678")
	f(maskPhone("01065123456"), "010****3456")
	f(maskPhone("1234"), "****34")
	f(maskPhone("12"), "**")
	f(maskAddress("北京市朝阳区建国路88号"), "北京市朝阳区****")
	f(maskAddress("某小区5号"), "某小****")
	f(maskAddress("a"), "****")

	counter := maskerFor(&access.Caller{Role: access.RoleCounter})
	full := maskerFor(&access.Caller{Role: access.RoleCaseworker})
	f(counter.field("person", "id_number", "110105198001010016"), "110105********0016")
	f(counter.field("person", "name", "阿卜杜·热合曼"), "阿******")
	f(counter.field("person", "status", "normal"), "normal")
	f(counter.field("residence", "community_code", "110105001001"), "110105001001")
	f(counter.field("nope", "name", "x"), "x")
	f(full.field("person", "phone", "13812345678"), "13812345678")
	f(counter.text("hukou|110105198001010016|2"), "hukou|110105********0016|2")
	f(counter.text("110105800101001|2024-05"), "110105*****1001|2024-05") // 15-digit
	f(counter.text("１１０１０５１９８００１０１００１６|gate"), "110105********0016|gate") // full-width
	f(counter.text("hukou|１１０１０５１９４９１２３１００２Ｘ"), "hukou|110105********002X")
	f(full.text("110105198001010016"), "110105198001010016")
	if !maskerFor(nil).on || maskerFor(&access.Caller{Role: access.RoleAdmin}).on {
		t.Fatal("no caller must mask; admin sees full values")
	}

	v := counter.values(map[string]any{"name": "张三", "address": "北京市朝阳区望京街道1号", "monthly_fen": int64(5),
		"members": []any{"110105198001010016"}, "nested": map[string]any{"phone": "13812345678"}})
	if v["name"] != "张*" || v["address"] != "北京市朝阳区****" || v["monthly_fen"] != int64(5) ||
		v["members"].([]any)[0] != "110105********0016" || v["nested"].(map[string]any)["phone"] != "138****5678" {
		t.Fatalf("values: %v", v)
	}
}

func TestPresentedName(t *testing.T) {
	f := func(role, raw string, always bool, want, wantCode string) {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		if role != "" {
			r = r.WithContext(access.WithCaller(r.Context(), &access.Caller{Name: "x", Role: role}))
		}
		got, aerr := presentedName(r, raw, "?name=", always)
		if wantCode != "" {
			if aerr == nil || aerr.Code != wantCode || aerr.Status != http.StatusBadRequest {
				t.Fatalf("presentedName(%s, %q, %v) = %q, %v, want %s", role, raw, always, got, aerr, wantCode)
			}
			return
		}
		if aerr != nil || got != want {
			t.Fatalf("presentedName(%s, %q, %v) = %q, %v, want %q", role, raw, always, got, aerr, want)
		}
	}
	f(access.RoleCounter, "", false, "", "missing_name")
	f(access.RoleCounter, "  ", false, "", "missing_name")
	f("", "", false, "", "missing_name") // no caller: as strict as the counter
	f(access.RoleCaseworker, "", false, "", "")
	f(access.RoleAdmin, "", false, "", "")
	f(access.RoleCaseworker, "", true, "", "missing_name")
	f(access.RoleCounter, " 张三 ", false, "张三", "")
	f(access.RoleCaseworker, "12345", false, "", "invalid_name")
}

func TestAuditMembers(t *testing.T) {
	got := auditMembers("110105198001010016", []string{"110105198202020026", "", "110105198001010016", "110105195008080224", "110105198202020026"})
	if strings.Join(got, ",") != "110105195008080224,110105198202020026" {
		t.Fatalf("auditMembers = %q", got)
	}
	if got := auditMembers("x", nil); got != nil {
		t.Fatalf("auditMembers(nil) = %q", got)
	}
}

// TestPushMount: POST /v1/sources/{source}/records exists only when Deps.Push is set.
func TestPushMount(t *testing.T) {
	s := offlineServer(t)
	s.deps.Push = nil
	s.handler = s.router()
	hs := httptest.NewServer(s)
	defer hs.Close()
	r, _ := http.NewRequest("POST", hs.URL+"/v1/sources/hukou/records", strings.NewReader(`[{}]`))
	r.Header.Set("Authorization", "Bearer "+keyDepartment)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("push without Deps.Push: status %d, want 404", resp.StatusCode)
	}
}

func TestPrefersJSON(t *testing.T) {
	f := func(accept string, want bool) {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got := prefersJSON(r); got != want {
			t.Fatalf("prefersJSON(%q) = %v", accept, got)
		}
	}
	f("", false)
	f("*/*", false)
	f("application/json", true)
	f("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false)
	f("text/html;q=0.5, application/json", true)
	f("application/json;q=0.5, text/html", false)
	f("garbage;;", false)
}

func TestVerificationCode(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := verificationCode(in); got != want {
			t.Fatalf("verificationCode(%q) = %q, want %q", in, got, want)
		}
	}
	f("0123456789abcdef0123456789abcdef", "0123-4567-89AB-CDEF-0123-4567-89AB-CDEF")
	f("abc", "ABC")
	f("", "")
}

func TestAsOf(t *testing.T) {
	now := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC) // 10:00 CST
	s := &Server{now: func() time.Time { return now }}
	f := func(in string, want time.Time, wantErr bool) {
		t.Helper()
		got, aerr := s.asOf(in)
		if wantErr {
			if aerr == nil || aerr.Status != http.StatusBadRequest {
				t.Fatalf("asOf(%q) = %v, want 400", in, got)
			}
			return
		}
		if aerr != nil || !got.Equal(want) {
			t.Fatalf("asOf(%q) = %v, %v, want %v", in, got, aerr, want)
		}
	}
	f("", now, false)
	f("2026-11-29", now, false)
	f("2026-11-28", time.Date(2026, 11, 28, 15, 59, 59, 0, time.UTC), false) // 23:59:59 CST
	f("2026-11-30", time.Time{}, true)
	f("2026-02-30", time.Time{}, true)
	f("yesterday", time.Time{}, true)
}

func TestNewRequiresDeps(t *testing.T) {
	if _, err := New(Deps{}); err == nil || !strings.Contains(err.Error(), "Keys") {
		t.Fatalf("New(Deps{}) = %v", err)
	}
}

func TestReadyzAndErrorsAreJSON(t *testing.T) {
	s := offlineServer(t)
	s.deps.Ready = func(context.Context) error { return errors.New("clickhouse 127.0.0.1:19000: connection refused") }
	hs := httptest.NewServer(s)
	defer hs.Close()
	f := func(path string, status int, code string) {
		t.Helper()
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body errorBody
		if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if code != "" {
			if err := decodeBody(resp, &body); err != nil || body.Error != code || body.Detail == "" {
				t.Fatalf("%s: %+v %v", path, body, err)
			}
		}
	}
	f("/readyz", 503, "not_ready")
	f("/healthz", 200, "")
	f("/metrics", 404, "no_metrics")
	f("/v1/residents/110105198001010016", 401, "unauthenticated")
}

func decodeBody(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}

func TestPurpose(t *testing.T) {
	f := func(header, want, wantCode string) {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set(PurposeHeader, header)
		}
		got, aerr := purpose(r)
		if wantCode != "" {
			if aerr == nil || aerr.Code != wantCode {
				t.Fatalf("purpose(%q) = %q, %v, want %s", header, got, aerr, wantCode)
			}
			return
		}
		if aerr != nil || got != want {
			t.Fatalf("purpose(%q) = %q, %v, want %q", header, got, aerr, want)
		}
	}
	f(" 低保申请 ", "低保申请", "")
	f("%E4%BD%8E%E4%BF%9D%E7%94%B3%E8%AF%B7", "低保申请", "")
	f("100% sure", "100% sure", "")
	f("", "", "missing_purpose")
	f("   ", "", "missing_purpose")
	f(strings.Repeat("a", 201), "", "invalid_purpose")
}

// TestRecordMaskingFollowsSchema: the counter's masks come from the fields'
// Sensitive flags, also for a field a later schema line adds.
func TestRecordMaskingFollowsSchema(t *testing.T) {
	ds := schema.Datasets["residence"]
	ds.Fields = append(append([]schema.Field(nil), ds.Fields...), schema.Field{Name: "landlord_phone", Kind: schema.KindPhone, Sensitive: true})
	r := facts.NewRecord(facts.NewDef(ds, "residences"))
	for name, v := range map[string]string{"id_number": "110105198001010016", "address": "北京市朝阳区建国路88号", "community_code": "110105001001", "landlord_phone": "13812345678"} {
		if err := r.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	r.Evidence.RecordKey = "110105198001010016|gate"
	c := maskerFor(&access.Caller{Role: access.RoleCounter}).record(r)
	if c.Str("id_number") != "110105********0016" || c.Str("address") != "北京市朝阳区****" || c.Str("landlord_phone") != "138****5678" ||
		c.Str("community_code") != "110105001001" || c.Evidence.RecordKey != "110105********0016|gate" {
		t.Fatalf("counter record %v %+v", c.Values, c.Evidence)
	}
	if r.Str("landlord_phone") != "13812345678" {
		t.Fatal("masking changed the original record")
	}
	full := maskerFor(&access.Caller{Role: access.RoleCaseworker}).record(r)
	if full.Str("landlord_phone") != "13812345678" || full.Str("address") != "北京市朝阳区建国路88号" {
		t.Fatalf("caseworker record %v", full.Values)
	}
	p, _ := facts.Make("person", map[string]any{"birth_date": time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), "name": "张三"})
	if m := maskerFor(nil).record(p); !m.Date("birth_date").IsZero() || m.Str("name") != "张*" {
		t.Fatalf("counter person %v", m.Values)
	}
}
