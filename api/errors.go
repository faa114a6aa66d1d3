package api

import (
	"net/http"

	"github.com/residenthub/residenthub/httperr"
)

// apiError is what a handler returns instead of a result: the hub's one HTTP
// error type (httperr.Error: status, stable code, a sentence a counter clerk
// understands, the internal cause that is logged but never sent).
type apiError = httperr.Error

// errorBody is the JSON shape of every error answer: {"error", "detail"}.
type errorBody = httperr.Body

func errBadRequest(code, detail string) *apiError { return httperr.BadRequest(code, detail) }

func errNotFound(code, detail string) *apiError { return httperr.NotFound(code, detail) }

func errUnprocessable(code, detail string) *apiError { return httperr.Unprocessable(code, detail) }

func errInternal(detail string, err error) *apiError { return httperr.Internal(detail, err) }

func errUnavailable(code, detail string, err error) *apiError {
	return httperr.Unavailable(code, detail, err)
}

var errUnauthenticated = httperr.Unauthenticated()

// writeJSON writes v as JSON with the status (httperr.WriteJSON).
func writeJSON(w http.ResponseWriter, status int, v any) { httperr.WriteJSON(w, status, v) }

// writeError writes an apiError as {"error", "detail", ...Extra} (httperr.Write).
func writeError(w http.ResponseWriter, e *apiError) { httperr.Write(w, e) }
