package api

import (
	"crypto/sha256"
	"encoding/base64"

	"github.com/residenthub/residenthub/web"
)

// documentPolicy is the Content-Security-Policy of the HTML documents the
// API answers (the residence certificate, the not-issued page): nothing is
// loaded, no script runs but the print button's inline handler
// (web.PrintHandler, allowed by its hash), inline styles only, no forms, no
// base URL, framed only by the hub's own page. A name or address that
// somehow carried markup could therefore run nothing even if escaping failed.
var documentPolicy = "default-src 'none'; script-src 'unsafe-hashes' 'sha256-" + hashBase64(web.PrintHandler) + "'; " +
	"style-src 'unsafe-inline'; img-src data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

func hashBase64(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}
