package httperr

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestHandlerFunc: results, results with a status and errors are written
// as JSON with their status, the detail in the request's language (Chinese
// unless Accept-Language prefers English) and without HTML escaping; an
// error's cause is never sent. Each answer says its length (the encoding
// buffers are reused: a longer answer before must not show).
func TestHandlerFunc(t *testing.T) {
	f := func(acceptLanguage string, res any, e *Error, wantStatus int, wantBody string) {
		t.Helper()
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		if acceptLanguage != "" {
			r.Header.Set("Accept-Language", acceptLanguage)
		}
		HandlerFunc(func(*http.Request) (any, *Error) { return res, e }).ServeHTTP(w, r)
		if w.Code != wantStatus || w.Body.String() != wantBody+"\n" {
			t.Fatalf("got %d %q, want %d %q", w.Code, w.Body.String(), wantStatus, wantBody)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
		if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(len(wantBody)+1) {
			t.Fatalf("content length %q for %d bytes", cl, len(wantBody)+1)
		}
	}
	f("", map[string]int{"accepted": 2}, nil, 200, `{"accepted":2}`)
	f("", &Result{Status: http.StatusMultiStatus, Body: []int{1}}, nil, 207, `[1]`)
	f("", map[string]string{"a": "<b>&"}, nil, 200, `{"a":"<b>&"}`)
	f("", nil, BadRequest("empty_body"), 400, `{"error":"empty_body","detail":"请求体为空：请发送 JSON 对象数组，或 NDJSON（每行一个 JSON 对象）"}`)
	f("en", nil, BadRequest("empty_body"), 400, `{"error":"empty_body","detail":"the body is empty: send a JSON array of objects or NDJSON (one object per line)"}`)
	f("en-US,en;q=0.9", nil, BadRequest("malformed_body.syntax", 12), 400, `{"error":"malformed_body","detail":"the request body is not valid JSON (at byte 12)"}`)
	f("", nil, Internal("internal", errors.New("table gone: 110105199001011234")), 500, `{"error":"internal","detail":"服务器暂时无法应答，请稍后重试；如持续出现，请联系系统运维人员"}`)
	f("en", nil, &Error{Status: 404, Code: "unknown_program", Args: []any{"x", "dibao"}, Extra: map[string]any{"programs": []string{"dibao"}}},
		404, `{"detail":"there is no program \"x\"; known programs: dibao","error":"unknown_program","programs":["dibao"]}`)
	f("en", nil, Unauthenticated(), 401, `{"error":"unauthenticated","detail":"missing or unknown API key: send it as \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\""}`)
	// A key the catalogue lacks says its arguments (an English detail given the old way).
	f("", nil, BadRequest("new_code", "something is wrong"), 400, `{"error":"new_code","detail":"something is wrong"}`)
	f("", nil, &Error{Status: 503, Code: "not_ready", Detail: "clickhouse: connection refused"}, 503, `{"error":"not_ready","detail":"clickhouse: connection refused"}`)
	f("", func() {}, nil, 500, `{"error":"internal","detail":"无法生成应答内容，请联系系统运维人员"}`)
}

func TestErrorUnwrap(t *testing.T) {
	cause := errors.New("kafka down")
	if e := Unavailable("unavailable", cause); !errors.Is(e, cause) ||
		e.Error() != "unavailable: the records could not be stored; nothing was accepted, send the same body again in a minute: kafka down" {
		t.Fatalf("%v", e)
	}
	if e := New(400, "malformed_body.syntax", 3); e.Code != "malformed_body" || e.Key != "malformed_body.syntax" {
		t.Fatalf("%+v", e)
	}
}
