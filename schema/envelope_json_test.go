package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

// jsonSeeds are envelopes as the hub writes them and the corner cases of
// encoding/json (escapes, HTML characters, U+2028, invalid UTF-8, nulls,
// repeated and differently cased keys, trailing data).
var jsonSeeds = []string{
	`{"source":"hukou","dataset":"person","record_key":"110105194503031024","op":"upsert","source_time":"2026-11-01T02:00:00Z","pulled_at":"2026-11-29T08:00:00.123456789Z","fields":{"id_number":"110105194503031024","name":"张三","hukou_address":"北京市朝阳区 <3号楼> & \"东\"\\门"},"origin":"hukou_2026.csv:17"}`,
	`{"source":"s","dataset":"person","record_key":"k","op":"delete","source_time":"0001-01-01T00:00:00Z","pulled_at":"2026-11-29T16:00:00+08:00","fields":{}}`,
	` {"source":"s" , "fields" : {"a":"\u00e9\ud83d\ude00\ud800x\u2028\n\t\/"} } `,
	`{"source":"s","fields":{"a":"b","a":"c"}}`,
	`{"source":"s","source":"t"}`,
	`{"Source":"s","DATASET":"person"}`,
	`{"source":null,"fields":null,"source_time":null}`,
	`{"source":"s","fields":{"a":null}}`,
	`{"source":"s","extra":[1,2,{"x":"y"}],"fields":{"n":"1"}}`,
	"{\"source\":\"\xff\xfe\",\"fields\":{\"k\xff\":\"v\"}}",
	"{\"source\":\"a\x01b\"}",
	`{"source":"s"} x`,
	`{"source_time":"2026-11-01 02:00:00"}`,
	`{"source_time":"\u0032026-11-01T02:00:00Z"}`,
	`{"fields":{"a":1}}`,
	`{"origin":""}`,
	`[]`, `null`, `{`, ``, `"x"`,
}

// TestDecodeMatchesEncodingJSON: every seed decodes as json.Unmarshal
// decodes it, and the fast path takes the common shapes.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		sameAsJSON(t, []byte(s))
	}
	var e Envelope
	if err := decodeEnvelope([]byte(jsonSeeds[0]), &e, nil); err != nil {
		t.Fatalf("the hub's own shape took the slow path: %v", err)
	}
	if err := decodeEnvelope([]byte(jsonSeeds[2]), &e, nil); err != nil {
		t.Fatalf("escapes took the slow path: %v", err)
	}
}

// sameAsJSON decodes b with the fast decoder (falling back as
// UnmarshalEnvelope does) and with json.Unmarshal and compares.
func sameAsJSON(t *testing.T, b []byte) {
	t.Helper()
	var want Envelope
	wantErr := json.Unmarshal(b, &want)
	var got Envelope
	gotErr := decodeEnvelope(b, &got, nil)
	if gotErr != nil {
		got = Envelope{}
		gotErr = json.Unmarshal(b, &got)
	}
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: decode error %v, encoding/json %v", b, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded %+v, encoding/json %+v", b, got, want)
	}
}

// TestAppendJSONMatchesMarshal: the encoder writes json.Marshal's bytes.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	for _, s := range jsonSeeds {
		var e Envelope
		if json.Unmarshal([]byte(s), &e) == nil {
			sameBytes(t, &e)
		}
	}
	sameBytes(t, &Envelope{})
	sameBytes(t, &Envelope{SourceTime: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("", 5*3600+30*60)),
		Fields: map[string]string{"b": "\x7f\x00<>&\u2029", "a": "\xe4\xb8", "": "x"}})
	sameBytes(t, &Envelope{SourceTime: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	sameBytes(t, &Envelope{SourceTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 30))})
}

// TestMarshalSizeHint: an envelope of unescaped text (Chinese values, times
// with nanoseconds and a zone, an origin) is encoded without regrowing
// Marshal's buffer, and the hint overshoots by at most the two times' slack.
func TestMarshalSizeHint(t *testing.T) {
	e := &Envelope{Source: "hukou", Dataset: "person", RecordKey: "110105199309101939", Op: OpUpsert,
		SourceTime: time.Date(2026, 1, 2, 3, 4, 5, 123456789, ChinaTime), PulledAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		Fields: map[string]string{"name": "徐亮", "hukou_address": "北京市朝阳区黑庄户地区南湖小区23号楼2单元504号", "sex": "男"},
		Origin: "hukou_20261208.csv:2"}
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if hint := e.jsonSizeHint(); cap(b) != hint || len(b) > hint || hint-len(b) > 2*35 {
		t.Fatalf("Marshal: %d bytes in a buffer of %d, hint %d", len(b), cap(b), hint)
	}
	sameBytes(t, e)
}

func sameBytes(t *testing.T, e *Envelope) {
	t.Helper()
	want, wantErr := json.Marshal(e)
	got, gotErr := e.AppendJSON(nil)
	if (gotErr == nil) != (wantErr == nil) || wantErr == nil && !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON(%+v) = %s, %v\njson.Marshal:    %s, %v", e, got, gotErr, want, wantErr)
	}
}

func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsJSON(t, b)
	})
}

func FuzzAppendJSONMatchesMarshal(f *testing.F) {
	f.Add("hukou", "k|1", "name", "张三 <&>", "x.csv:1", int64(1700000000), int64(5))
	f.Add("\xff", "\u2028", "", "\x00\"\\", "", int64(-62135596800), int64(0))
	f.Fuzz(func(t *testing.T, source, key, field, value, origin string, sec, nsec int64) {
		e := &Envelope{Source: source, Dataset: "person", RecordKey: key, Op: OpUpsert,
			SourceTime: time.Unix(sec, nsec).UTC(), PulledAt: time.Unix(sec/2, 0).In(ChinaTime),
			Fields: map[string]string{field: value, value: field}, Origin: origin}
		sameBytes(t, e)
		if out, err := e.AppendJSON(nil); err == nil && utf8.Valid(out) {
			sameAsJSON(t, out)
		}
	})
}

// The decoder and encoder against encoding/json on the hub's own shape
// (go test -run '^$' -bench EnvelopeJSON -benchmem ./schema/).
func BenchmarkEnvelopeJSONDecodeFast(b *testing.B) {
	in := []byte(jsonSeeds[0])
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalEnvelope(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnvelopeJSONDecodeInto decodes into one reused Envelope, as the
// pipelines' decoding goroutines do.
func BenchmarkEnvelopeJSONDecodeInto(b *testing.B) {
	in := []byte(jsonSeeds[0])
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var e Envelope
	for b.Loop() {
		if err := DecodeEnvelopeInto(in, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnvelopeJSONDecodeReflect(b *testing.B) {
	in := []byte(jsonSeeds[0])
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var e Envelope
		if err := json.Unmarshal(in, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnvelopeJSONEncodeFast(b *testing.B) {
	e, _ := UnmarshalEnvelope([]byte(jsonSeeds[0]))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnvelopeJSONEncodeReflect(b *testing.B) {
	e, _ := UnmarshalEnvelope([]byte(jsonSeeds[0]))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}
