package schema

import (
	"testing"
	"time"
)

// Benchmarks of the Kafka envelope every raw message is (run: go test -run
// '^$' -bench . -benchmem ./schema/).

func benchEnvelope() *Envelope {
	return &Envelope{Source: "hukou", Dataset: "person", RecordKey: "110105198003120114", Op: OpUpsert,
		SourceTime: time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), PulledAt: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC),
		Fields: map[string]string{
			"id_number": "110105198003120114", "name": "张伟", "sex": "男", "birth_date": "1980年3月12日",
			"ethnicity": "汉族", "household_id": "H110105000123", "relation_to_head": "户主",
			"hukou_division": "110105003", "hukou_address": "北京市朝阳区建国路88号院4号楼1203室",
			"status": "正常", "phone": "13812345678",
		},
		Origin: "hukou_2026-11.csv:17"}
}

// marshalled keeps BenchmarkEnvelopeMarshal's output alive, as a Kafka
// message keeps it (unkept, the compiler may put the buffer on the stack).
var marshalled []byte

func BenchmarkEnvelopeMarshal(b *testing.B) {
	e := benchEnvelope()
	b.ReportAllocs()
	for b.Loop() {
		out, err := e.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		marshalled = out
	}
}

func BenchmarkEnvelopeUnmarshal(b *testing.B) {
	msg, err := benchEnvelope().Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalEnvelope(msg); err != nil {
			b.Fatal(err)
		}
	}
}
