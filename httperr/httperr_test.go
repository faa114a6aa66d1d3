package httperr

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHandlerFunc: results, results with a status and errors are written
// as JSON with their status; an error's cause is never sent.
func TestHandlerFunc(t *testing.T) {
	f := func(res any, e *Error, wantStatus int, wantBody string) {
		t.Helper()
		w := httptest.NewRecorder()
		HandlerFunc(func(*http.Request) (any, *Error) { return res, e }).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != wantStatus || w.Body.String() != wantBody+"\n" {
			t.Fatalf("got %d %q, want %d %q", w.Code, w.Body.String(), wantStatus, wantBody)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
	}
	f(map[string]int{"accepted": 2}, nil, 200, `{"accepted":2}`)
	f(&Result{Status: http.StatusMultiStatus, Body: []int{1}}, nil, 207, `[1]`)
	f(nil, BadRequest("empty_body", "the body is empty"), 400, `{"error":"empty_body","detail":"the body is empty"}`)
	f(nil, Internal("try again", errors.New("table gone: 110105199001011234")), 500, `{"error":"internal","detail":"try again"}`)
	f(nil, &Error{Status: 404, Code: "unknown_program", Detail: "no such program", Extra: map[string]any{"programs": []string{"dibao"}}},
		404, `{"detail":"no such program","error":"unknown_program","programs":["dibao"]}`)
	f(nil, Unauthenticated(), 401, `{"error":"unauthenticated","detail":"missing or unknown API key: send it as \"Authorization: Bearer \u003ckey\u003e\" or \"X-API-Key: \u003ckey\u003e\""}`)
	f(func() {}, nil, 500, `{"error":"internal","detail":"cannot encode the answer"}`)
}

func TestErrorUnwrap(t *testing.T) {
	cause := errors.New("kafka down")
	if e := Unavailable("unavailable", "retry", cause); !errors.Is(e, cause) || e.Error() != "unavailable: retry: kafka down" {
		t.Fatalf("%v", e)
	}
}
