package api

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is what a handler returns instead of a result: an HTTP status, a
// stable machine-readable code and a sentence a counter clerk understands.
// Err is the internal cause, logged but never sent.
type apiError struct {
	Status int
	Code   string // e.g. "invalid_id_number"
	Detail string
	Err    error
	// Extra fields merged into the JSON body (e.g. the known programs).
	Extra map[string]any
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return e.Code + ": " + e.Detail
}

// errorBody is the JSON shape of every error answer: {"error", "detail"}.
type errorBody struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

func errBadRequest(code, detail string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Detail: detail}
}

func errNotFound(code, detail string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: code, Detail: detail}
}

func errUnprocessable(code, detail string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: code, Detail: detail}
}

func errInternal(detail string, err error) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Detail: detail, Err: err}
}

func errUnavailable(code, detail string, err error) *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Code: code, Detail: detail, Err: err}
}

var errUnauthenticated = &apiError{Status: http.StatusUnauthorized, Code: "unauthenticated",
	Detail: "missing or unknown API key: send it as \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\""}

// writeJSON writes v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "internal", Detail: "cannot encode the answer"})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError writes an apiError as {"error", "detail", ...Extra}.
func writeError(w http.ResponseWriter, e *apiError) {
	if len(e.Extra) == 0 {
		writeJSON(w, e.Status, errorBody{Error: e.Code, Detail: e.Detail})
		return
	}
	body := map[string]any{}
	for k, v := range e.Extra {
		body[k] = v
	}
	body["error"], body["detail"] = e.Code, e.Detail
	writeJSON(w, e.Status, body)
}
