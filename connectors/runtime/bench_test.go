package runtime

import (
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
)

// BenchmarkMapRow maps one hukou row of a CSV extract (twelve text columns,
// as the file connector reads them) into its envelope.
func BenchmarkMapRow(b *testing.B) {
	src := &config.Source{
		Name: "hukou", Kind: "file", Dataset: "person",
		Key:        []string{"公民身份号码"},
		SourceTime: "更新时间",
		Op:         config.OpColumn{Column: "状态", DeleteValues: []string{"注销"}},
		Fields: map[string]string{"id_number": "公民身份号码", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
			"ethnicity": "民族", "household_id": "户号", "relation_to_head": "与户主关系", "hukou_division": "户籍地区划",
			"hukou_address": "户籍地址", "status": "状态", "phone": "联系电话"},
	}
	row := connectors.Row{Origin: "hukou_20261207.csv:2", Values: map[string]any{
		"公民身份号码": "110105199003071234", "姓名": "王秀英", "性别": "2", "出生日期": "1990-03-07", "民族": "汉族",
		"户号": "110105000123", "与户主关系": "妻子", "户籍地区划": "110105", "户籍地址": "北京市朝阳区光华路5号院3号楼2单元101",
		"状态": "正常", "联系电话": "13800138000", "更新时间": "2026-11-30 09:15:00"}}
	pulled := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, reason := MapRow(src, row, pulled); reason != "" {
			b.Fatal(reason)
		}
	}
}
