package normalize

import (
	"fmt"
	"unicode/utf8"
)

// Canonical field names used in Error.Field by the functions of this package.
// Callers that normalize a value for another field (a date for "birth_date",
// say) relabel the error with WithField.
const (
	FieldIDNumber       = "id_number"
	FieldName           = "name"
	FieldDate           = "date"
	FieldAmount         = "amount"
	FieldCreditCode     = "credit_code"
	FieldDivisionCode   = "division_code"
	FieldPhone          = "phone"
	FieldSex            = "sex"
	FieldEthnicity      = "ethnicity"
	FieldRelationToHead = "relation_to_head"
	FieldCode           = "code"
)

// maxErrorValueRunes bounds Error.Value so that a dead-letter record never
// carries a whole blob that happened to land in a field.
const maxErrorValueRunes = 64

// Error is a rejected value: Field is the canonical field name, Value the
// offending input (masked with MaskID for id_number and MaskName for name, and
// cut to 64 characters otherwise), Reason a short English reason suitable for
// a dead-letter record, e.g. "check digit does not match".
type Error struct {
	Field, Value, Reason string
}

// Error formats the rejection as `cannot normalize <field> "<value>": <reason>`.
func (e *Error) Error() string {
	return fmt.Sprintf("cannot normalize %s %q: %s", e.Field, e.Value, e.Reason)
}

// newError builds an *Error, masking value as field requires.
func newError(field, value, reason string) *Error {
	return &Error{Field: field, Value: maskValue(field, value), Reason: reason}
}

func maskValue(field, value string) string {
	switch field {
	case FieldIDNumber:
		return MaskID(value)
	case FieldName:
		return MaskName(value)
	}
	return truncate(value, maxErrorValueRunes)
}

// truncate cuts s to at most n runes, marking a cut with "…"; invalid UTF-8
// is replaced so the result is always printable text.
func truncate(s string, n int) string {
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			break
		}
		count++
	}
	return s[:i] + "…"
}
