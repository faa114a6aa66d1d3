// Package httperr is the hub's one HTTP error type and its JSON writer, used
// by the API (package api) and the push endpoint (connectors/push). Every
// handler has one shape, HandlerFunc: it returns a result or an *Error. The
// result is written as JSON (status 200, or a *Result's own status); an
// error as {"error": code, "detail": sentence}, plus its Extra fields. The
// code is stable and machine-readable; the detail is a sentence of the
// message catalogue (package messages) the caller — a counter clerk, a
// department's IT staff — understands, rendered when the answer is written
// in the language of the request's Accept-Language header: Chinese by
// default, English for "Accept-Language: en". The internal cause is logged
// by the caller and never sent. JSON is written without HTML escaping
// ("<" stays "<").
package httperr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/residenthub/residenthub/messages"
)

// Error is what a handler returns instead of a result: an HTTP status, a
// stable machine-readable code and the catalogue key of a sentence the
// caller understands, with its arguments. Err is the internal cause, logged
// but never sent.
type Error struct {
	Status int
	Code   string // e.g. "invalid_id_number"
	// Key is the message catalogue key of the detail (messages.Detail): the
	// code, or code + "." + a variant ("malformed_body.syntax"); empty means
	// Code. Args are the message's arguments (messages.Localized ones are
	// rendered in the caller's language).
	Key  string
	Args []any
	// Detail, when set, is sent as is in every language instead of a
	// catalogue sentence (text from elsewhere that has no translation).
	Detail string
	Err    error
	// Extra fields merged into the JSON body (e.g. the known programs).
	Extra map[string]any
	// RetryAfter, when positive, is sent as the Retry-After header (whole
	// seconds, rounded up) — with 429 and 503.
	RetryAfter time.Duration
}

// TooMany is a 429 (New) answered with Retry-After.
func TooMany(retryAfter time.Duration, key string, args ...any) *Error {
	e := New(http.StatusTooManyRequests, key, args...)
	e.RetryAfter = retryAfter
	return e
}

// Error is the English detail, with the cause: for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.DetailIn(messages.En), e.Err)
	}
	return e.Code + ": " + e.DetailIn(messages.En)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// DetailIn renders the detail in lang: Detail when set, else the catalogue
// sentence of Key (or Code). A key the catalogue lacks falls back to its
// arguments joined by spaces (so an error built the old way, with an
// English detail as its one argument, still says it), else to the code.
func (e *Error) DetailIn(lang messages.Lang) string {
	if e.Detail != "" {
		return e.Detail
	}
	key := e.Key
	if key == "" {
		key = e.Code
	}
	if s, ok := messages.Detail(lang, key, e.Args...); ok {
		return s
	}
	if len(e.Args) > 0 {
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			if l, ok := a.(messages.Localized); ok {
				parts[i] = l.In(lang)
			} else {
				parts[i] = fmt.Sprint(a)
			}
		}
		return strings.Join(parts, " ")
	}
	return e.Code
}

// Body is the JSON shape of every error answer: {"error", "detail"}.
type Body struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

// New returns an error answer with the status and the catalogue key (the
// code, or code + "." + variant) and its arguments; the code is the key up
// to its first ".".
func New(status int, key string, args ...any) *Error {
	code, _, _ := strings.Cut(key, ".")
	return &Error{Status: status, Code: code, Key: key, Args: args}
}

// BadRequest is a 400 (New).
func BadRequest(key string, args ...any) *Error { return New(http.StatusBadRequest, key, args...) }

// NotFound is a 404 (New).
func NotFound(key string, args ...any) *Error { return New(http.StatusNotFound, key, args...) }

// Unprocessable is a 422 (New).
func Unprocessable(key string, args ...any) *Error {
	return New(http.StatusUnprocessableEntity, key, args...)
}

// Internal is a 500 with code "internal" and the catalogue key "internal"
// or "internal.<variant>"; err is the cause, logged only.
func Internal(key string, err error) *Error {
	e := New(http.StatusInternalServerError, key)
	e.Code, e.Err = CodeInternal, err
	return e
}

// Unavailable is a 503 (New); err is the cause, logged only.
func Unavailable(key string, err error, args ...any) *Error {
	e := New(http.StatusServiceUnavailable, key, args...)
	e.Err = err
	return e
}

// Codes shared by every handler.
const (
	CodeUnauthenticated = "unauthenticated" // 401: no or unknown API key
	CodeInternal        = "internal"        // 500
)

// Unauthenticated is the 401 for a request without a known API key.
func Unauthenticated() *Error { return New(http.StatusUnauthorized, CodeUnauthenticated) }

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
		Write(w, r, e)
		return
	}
	if rs, ok := res.(*Result); ok {
		WriteJSON(w, rs.Status, rs.Body)
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

// encode writes v into buf as one line of JSON without HTML escaping (the
// answers are JSON, never embedded in HTML, so "<" and "&" stay as they are).
func encode(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v) // Encode ends the line
}

// answerBuffers are WriteJSON's encoding buffers, reused: a dibao decision
// with its evidence is ~10 KB, and growing a fresh buffer for each answer
// was a tenth of what a check allocated.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledAnswer: larger buffers (a big list) are left to the collector.
const maxPooledAnswer = 256 << 10

// WriteJSON writes v as JSON (one line) with the status and its
// Content-Length, in one write; a value that cannot be encoded is answered
// with a 500 internal error instead (in Chinese: no request is at hand).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledAnswer {
			buf.Reset()
			answerBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if err := encode(buf, v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = encode(buf, Body{Error: CodeInternal, Detail: Internal("internal.encode", err).DetailIn(messages.Zh)})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Write writes e as {"error", "detail", ...Extra} with e.Status, the detail
// in the language of r's Accept-Language (messages.FromRequest; r may be nil:
// Chinese).
func Write(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	w.Header().Add("Vary", "Accept-Language")
	detail := e.DetailIn(messages.FromRequest(r))
	if len(e.Extra) == 0 {
		WriteJSON(w, e.Status, Body{Error: e.Code, Detail: detail})
		return
	}
	body := map[string]any{}
	for k, v := range e.Extra {
		body[k] = v
	}
	body["error"], body["detail"] = e.Code, detail
	WriteJSON(w, e.Status, body)
}
