package connectors

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDecodeObject checks the reasons a department sees: JSON types and
// positions, never Go type names.
func TestDecodeObject(t *testing.T) {
	f := func(in, wantErr string) {
		t.Helper()
		obj, err := DecodeObject([]byte(in))
		if wantErr == "" {
			if err != nil || obj == nil {
				t.Fatalf("%s: %v %v", in, obj, err)
			}
			return
		}
		if err == nil || err.Error() != wantErr {
			t.Fatalf("%s: err %v, want %q", in, err, wantErr)
		}
		if strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "interface") {
			t.Fatalf("%s: Go internals in %q", in, err)
		}
	}
	f(`{"a":1}`, "")
	f(` {"a":{"b":[1]}} `, "")
	f(`[1,2]`, "is a JSON array, not an object")
	f(`"x"`, "is a JSON string, not an object")
	f(`12`, "is a JSON number, not an object")
	f(`true`, "is a JSON boolean, not an object")
	f(`null`, "is JSON null, not an object")
	f(`{"a":1`, "is not valid JSON: it ends before the JSON is complete")
	f(`{a:1}`, "is not valid JSON: invalid character 'a' looking for beginning of object key string (at byte 2)")
	f(`{"a":1} x`, "has more data after the JSON object (at byte 8)")
	f(`{"a":1}]`, "has more data after the JSON object (at byte 8)")
	f(``, "is not valid JSON: it is empty")

	obj, _ := DecodeObject([]byte(`{"n":12345678901234567890}`))
	if obj["n"] != json.Number("12345678901234567890") {
		t.Fatalf("number not kept exact: %#v", obj["n"])
	}
}
