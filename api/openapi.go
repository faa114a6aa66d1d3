package api

import (
	_ "embed"
	"net/http"
)

// openAPI is the API document (OpenAPI 3.0), served at /v1/openapi.json.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPI)
}
