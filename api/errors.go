package api

import (
	"net/http"

	"github.com/residenthub/residenthub/httperr"
)

// apiError is what a handler returns instead of a result: the hub's one HTTP
// error type (httperr.Error: status, stable code, the message catalogue key
// of a sentence a counter clerk understands and its arguments, the internal
// cause that is logged but never sent). The sentences live in package
// messages, keyed by code (or code + "." + variant); handlers only name them.
type apiError = httperr.Error

// errorBody is the JSON shape of every error answer: {"error", "detail"}.
type errorBody = httperr.Body

func errBadRequest(key string, args ...any) *apiError { return httperr.BadRequest(key, args...) }

func errNotFound(key string, args ...any) *apiError { return httperr.NotFound(key, args...) }

func errUnprocessable(key string, args ...any) *apiError { return httperr.Unprocessable(key, args...) }

func errInternal(key string, err error) *apiError { return httperr.Internal(key, err) }

func errUnavailable(key string, err error, args ...any) *apiError {
	return httperr.Unavailable(key, err, args...)
}

// errWith is an error with another status than its constructor's (403, 405, 413).
func errWith(status int, key string, args ...any) *apiError { return httperr.New(status, key, args...) }

var errUnauthenticated = httperr.Unauthenticated()

// writeJSON writes v as JSON with the status (httperr.WriteJSON).
func writeJSON(w http.ResponseWriter, status int, v any) { httperr.WriteJSON(w, status, v) }

// writeError writes an apiError as {"error", "detail", ...Extra}, the detail
// in the language of r's Accept-Language (httperr.Write).
func writeError(w http.ResponseWriter, r *http.Request, e *apiError) { httperr.Write(w, r, e) }
