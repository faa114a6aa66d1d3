package connectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeObject decodes one JSON object, keeping numbers exact (json.Number)
// and refusing trailing data. Its errors are predicates meant to follow the
// record's name, in words a department's IT staff understands, e.g. "is a
// JSON array, not an object" or "is not valid JSON: ...": callers write
// fmt.Errorf("line %d %w", n, err).
func DecodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("is not valid JSON: %s", JSONErrorText(err))
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("is %s, not an object", JSONKind(v))
	}
	if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
		return nil, fmt.Errorf("has more data after the JSON object (at byte %d)", dec.InputOffset()+1)
	}
	return obj, nil
}

// JSONKind names the JSON type of a value decoded into any (with or without
// UseNumber): "a JSON object", "a JSON array", "a JSON string", "a JSON
// number", "a JSON boolean" or "JSON null".
func JSONKind(v any) string {
	switch v.(type) {
	case nil:
		return "JSON null"
	case map[string]any:
		return "a JSON object"
	case []any:
		return "a JSON array"
	case string:
		return "a JSON string"
	case json.Number, float64:
		return "a JSON number"
	case bool:
		return "a JSON boolean"
	}
	return fmt.Sprintf("a %T", v)
}

// JSONErrorText describes an encoding/json decoding error without Go type
// names: syntax errors with their byte position (counted from 1), "it ends
// before the JSON is complete" for truncated input.
func JSONErrorText(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "it is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends before the JSON is complete"
	case errors.As(err, &syn):
		if strings.Contains(syn.Error(), "unexpected end") {
			return "it ends before the JSON is complete"
		}
		return fmt.Sprintf("%s (at byte %d)", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("found a JSON %s where another type was expected (at byte %d)", typ.Value, typ.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
