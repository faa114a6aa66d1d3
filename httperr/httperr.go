// Package httperr is the hub's one HTTP error type and its JSON writer, used
// by the API (package api) and the push endpoint (connectors/push). Every
// handler has one shape, HandlerFunc: it returns a result or an *Error. The
// result is written as JSON (status 200, or a *Result's own status); an
// error as {"error": code, "detail": sentence}, plus its Extra fields. The
// code is stable and machine-readable, the detail a sentence the caller (a
// counter clerk, a department's IT staff) understands; the internal cause is
// logged by the caller and never sent.
package httperr

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is what a handler returns instead of a result: an HTTP status, a
// stable machine-readable code and a sentence the caller understands. Err
// is the internal cause, logged but never sent.
type Error struct {
	Status int
	Code   string // e.g. "invalid_id_number"
	Detail string
	Err    error
	// Extra fields merged into the JSON body (e.g. the known programs).
	Extra map[string]any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return e.Code + ": " + e.Detail
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Body is the JSON shape of every error answer: {"error", "detail"}.
type Body struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

// New returns an error answer with the status, code and detail.
func New(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// BadRequest is a 400.
func BadRequest(code, detail string) *Error { return New(http.StatusBadRequest, code, detail) }

// NotFound is a 404.
func NotFound(code, detail string) *Error { return New(http.StatusNotFound, code, detail) }

// Unprocessable is a 422.
func Unprocessable(code, detail string) *Error {
	return New(http.StatusUnprocessableEntity, code, detail)
}

// Internal is a 500 with code "internal"; err is the cause, logged only.
func Internal(detail string, err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Detail: detail, Err: err}
}

// Unavailable is a 503; err is the cause, logged only.
func Unavailable(code, detail string, err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: code, Detail: detail, Err: err}
}

// Codes shared by every handler.
const (
	CodeUnauthenticated = "unauthenticated" // 401: no or unknown API key
	CodeInternal        = "internal"        // 500
)

// Unauthenticated is the 401 for a request without a known API key.
func Unauthenticated() *Error {
	return New(http.StatusUnauthorized, CodeUnauthenticated,
		`missing or unknown API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"`)
}

// Result is a handler's JSON result with a status other than 200 (a push
// answers 207 or 422 with its accepted and rejected records).
type Result struct {
	Status int
	Body   any
}

// HandlerFunc is the shape of every handler of the hub: a result (any value
// written as JSON with status 200, or a *Result) or an *Error.
type HandlerFunc func(r *http.Request) (any, *Error)

// ServeHTTP runs f and writes its result or error.
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res, e := f(r)
	if e != nil {
		Write(w, e)
		return
	}
	if rs, ok := res.(*Result); ok {
		WriteJSON(w, rs.Status, rs.Body)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// WriteJSON writes v as JSON (one line) with the status; a value that cannot
// be encoded is answered with a 500 internal error instead.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(Body{Error: CodeInternal, Detail: "cannot encode the answer"})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// Write writes e as {"error", "detail", ...Extra} with e.Status.
func Write(w http.ResponseWriter, e *Error) {
	if len(e.Extra) == 0 {
		WriteJSON(w, e.Status, Body{Error: e.Code, Detail: e.Detail})
		return
	}
	body := map[string]any{}
	for k, v := range e.Extra {
		body[k] = v
	}
	body["error"], body["detail"] = e.Code, e.Detail
	WriteJSON(w, e.Status, body)
}
