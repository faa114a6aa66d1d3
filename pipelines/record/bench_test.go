package record

import (
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
)

// Benchmarks of record normalization, the pipelines' per-record work (run:
// go test -run '^$' -bench . -benchmem ./pipelines/record/).

func BenchmarkNormalize(b *testing.B) {
	st := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	id := validID("11010519800312011")
	cases := []struct {
		name string
		src  *config.Source
		env  *schema.Envelope
	}{
		{"person", &config.Source{Name: "hukou", Dataset: "person", Key: []string{"身份证号"},
			Fields: map[string]string{"id_number": "身份证号"}},
			&schema.Envelope{Source: "hukou", Dataset: "person", RecordKey: id, Op: schema.OpUpsert, SourceTime: st,
				Fields: map[string]string{
					"id_number": id, "name": "张伟", "sex": "男", "birth_date": "1980年3月12日",
					"ethnicity": "汉族", "household_id": "H110105000123", "relation_to_head": "户主",
					"hukou_division": "110105003", "hukou_address": "北京市朝阳区建国路88号院4号楼1203室",
					"status": "normal", "phone": "13812345678",
				}}},
		{"employment", &config.Source{Name: "payroll", Dataset: "employment", Key: []string{"证件号码", "月份"},
			Fields: map[string]string{"id_number": "证件号码", "period": "月份"}},
			&schema.Envelope{Source: "payroll", Dataset: "employment", RecordKey: id + "|2026-10", Op: schema.OpUpsert, SourceTime: st,
				Fields: map[string]string{
					"id_number": id, "employer_credit_code": "91110000600037341L", "employer_name": "北京某某科技有限公司",
					"period": "2026-10", "gross_income_fen": "8500.00", "income_kind": "wage",
				}}},
	}
	for _, c := range cases {
		if _, _, err := Normalize(c.env, c.src, ingest); err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Normalize(c.env, c.src, ingest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
