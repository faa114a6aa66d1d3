package schema

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestUnmarshalEnvelope(t *testing.T) {
	f := func(in, wantErr string) {
		t.Helper()
		e, err := UnmarshalEnvelope([]byte(in))
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("UnmarshalEnvelope(%s) = %v", in, err)
		case wantErr == "" && (e.Fields["name"] != "张三" || e.SourceTime.IsZero()):
			t.Fatalf("UnmarshalEnvelope(%s) = %+v", in, e)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Fatalf("UnmarshalEnvelope(%s) = %v, want error with %q", in, err, wantErr)
		}
	}
	ok := `{"source":"hukou","dataset":"person","record_key":"k1","op":"upsert","source_time":"2026-11-01T02:00:00Z","pulled_at":"2026-11-29T08:00:00Z","fields":{"name":"张三"}}`
	f(ok, "")
	f(strings.Replace(ok, `"op":"upsert"`, `"op":"delete"`, 1), "")
	f(strings.Replace(ok, `"op":"upsert"`, `"op":"merge"`, 1), "unknown op")
	f(strings.Replace(ok, `"dataset":"person"`, `"dataset":"people"`, 1), "unknown dataset")
	f(strings.Replace(ok, `"record_key":"k1"`, `"record_key":""`, 1), "empty record_key")
	f(strings.Replace(ok, `"source":"hukou"`, `"source":""`, 1), "empty source")
	f(`not json`, "cannot decode")
	f(`{"fields":{"name":1}}`, "cannot decode")
}

func FuzzUnmarshalEnvelope(f *testing.F) {
	f.Add([]byte(`{"source":"s","dataset":"person","record_key":"k","op":"upsert","fields":{"a":"b"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := UnmarshalEnvelope(b)
		if err != nil {
			return
		}
		// An accepted envelope survives a round trip unchanged.
		out, err := e.Marshal()
		if err != nil {
			t.Fatalf("cannot marshal an accepted envelope: %v", err)
		}
		again, err := UnmarshalEnvelope(out)
		if err != nil {
			t.Fatalf("re-reading %s: %v", out, err)
		}
		if again.Source != e.Source || again.RecordKey != e.RecordKey || again.Op != e.Op || !again.SourceTime.Equal(e.SourceTime) || len(again.Fields) != len(e.Fields) {
			t.Fatalf("round trip changed %+v into %+v", e, again)
		}
		for k, v := range e.Fields {
			if again.Fields[k] != v {
				t.Fatalf("round trip changed field %s: %q → %q", k, v, again.Fields[k])
			}
		}
	})
}

func TestDatasetsAreConsistent(t *testing.T) {
	for name, ds := range Datasets {
		if ds.Name != name {
			t.Errorf("dataset %s has Name %s", name, ds.Name)
		}
		if _, ok := ds.Field(ds.SubjectField); !ok {
			t.Errorf("dataset %s: subject field %s is not a field", name, ds.SubjectField)
		}
		seen := map[string]bool{}
		for _, f := range ds.Fields {
			if seen[f.Name] {
				t.Errorf("dataset %s: field %s twice", name, f.Name)
			}
			seen[f.Name] = true
			if f.Kind == KindEnum && len(f.Values) == 0 {
				t.Errorf("dataset %s: enum %s has no values", name, f.Name)
			}
			if f.Kind == KindCode && f.CodeTable == "" {
				t.Errorf("dataset %s: code %s has no code table", name, f.Name)
			}
		}
	}
}

// decodeReused decodes first and then b into one Envelope and checks that
// the second result is what UnmarshalEnvelope(b) gives, and that the
// strings of the first envelope were not changed by the second decode.
func decodeReused(t *testing.T, first, b []byte) {
	t.Helper()
	var e Envelope
	firstErr := DecodeEnvelopeInto(first, &e)
	before := e
	beforeFields := maps.Clone(e.Fields)
	want, wantErr := UnmarshalEnvelope(b)
	gotErr := DecodeEnvelopeInto(b, &e)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("DecodeEnvelopeInto(%q) after %q: error %v, UnmarshalEnvelope: %v", b, first, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(e, *want) {
		t.Fatalf("DecodeEnvelopeInto(%q) after %q = %+v, UnmarshalEnvelope = %+v", b, first, e, *want)
	}
	if wantErr != nil && !reflect.DeepEqual(e, Envelope{}) {
		t.Fatalf("DecodeEnvelopeInto(%q) failed but left %+v", b, e)
	}
	if firstErr == nil {
		again, _ := UnmarshalEnvelope(first)
		before.Fields = beforeFields
		if !reflect.DeepEqual(before, *again) {
			t.Fatalf("decoding %q changed the envelope decoded before it: %+v, want %+v", b, before, *again)
		}
	}
}

// TestDecodeEnvelopeIntoReuses: an envelope decoded into one that held
// another is exactly the fresh decode (no field of the first left behind),
// and the map is reused.
func TestDecodeEnvelopeIntoReuses(t *testing.T) {
	full := []byte(jsonSeeds[0])
	for _, s := range append(slices.Clone(jsonSeeds),
		`{"source":"hukou","dataset":"person","record_key":"k2","op":"upsert","fields":{"name":"李四"}}`,
		`{"source":"hukou","dataset":"person","record_key":"k3","op":"delete"}`,
		`{"source":"hukou","dataset":"person","record_key":"k4","op":"upsert","fields":{"name":1}}`) {
		decodeReused(t, full, []byte(s))
		decodeReused(t, []byte(s), full)
	}
	var e Envelope
	if err := DecodeEnvelopeInto(full, &e); err != nil {
		t.Fatal(err)
	}
	m := e.Fields
	if err := DecodeEnvelopeInto(full, &e); err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(m).UnsafePointer() != reflect.ValueOf(e.Fields).UnsafePointer() {
		t.Fatal("the second decode made a new fields map")
	}
}

func FuzzDecodeEnvelopeIntoReused(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(jsonSeeds[0]), []byte(s))
	}
	f.Fuzz(func(t *testing.T, first, b []byte) {
		decodeReused(t, first, b)
	})
}
