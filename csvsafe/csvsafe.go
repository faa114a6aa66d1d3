// Package csvsafe writes CSV that a spreadsheet opens as text, never as a
// formula (CSV injection, CWE-1236; OWASP "CSV Injection"): a text cell
// beginning with =, +, -, @, a tab or a carriage return — which Excel,
// LibreOffice and Google Sheets would evaluate — is written with a leading
// apostrophe, the spreadsheets' own "this is text" mark. Every CSV file the
// hub writes goes through it.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Neutralize returns s as a spreadsheet shows it as text: unchanged, or with
// a leading ' when it starts with one of = + - @ \t \r. Use it for text
// cells only; numbers (e.g. -1250) are written as they are.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer whose text cells are neutralized.
type Writer struct {
	*csv.Writer
	// text[i] says whether column i holds text (neutralized) rather than
	// numbers or dates written by the hub itself.
	text []bool
}

// NewWriter writes CSV to w; text says which columns hold text (nil: all).
func NewWriter(w io.Writer, text []bool) *Writer {
	return &Writer{Writer: csv.NewWriter(w), text: text}
}

// Write writes one record, neutralizing its text cells in place.
func (w *Writer) Write(record []string) error {
	for i, v := range record {
		if w.text == nil || i < len(w.text) && w.text[i] {
			record[i] = Neutralize(v)
		}
	}
	return w.Writer.Write(record)
}
