package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/connectors"
	"github.com/segmentio/kafka-go"
)

// benchSource and benchRow are one hukou row of a CSV extract (twelve text
// columns, as the file connector reads them) and its source.
func benchSource() *config.Source {
	return &config.Source{
		Name: "hukou", Kind: "file", Dataset: "person",
		Key:        []string{"公民身份号码"},
		SourceTime: "更新时间",
		Op:         config.OpColumn{Column: "状态", DeleteValues: []string{"注销"}},
		Fields: map[string]string{"id_number": "公民身份号码", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
			"ethnicity": "民族", "household_id": "户号", "relation_to_head": "与户主关系", "hukou_division": "户籍地区划",
			"hukou_address": "户籍地址", "status": "状态", "phone": "联系电话"},
	}
}

func benchRow() connectors.Row {
	return connectors.Row{Origin: "hukou_20261207.csv:2", Values: map[string]any{
		"公民身份号码": "110105199003071234", "姓名": "王秀英", "性别": "2", "出生日期": "1990-03-07", "民族": "汉族",
		"户号": "110105000123", "与户主关系": "妻子", "户籍地区划": "110105", "户籍地址": "北京市朝阳区光华路5号院3号楼2单元101",
		"状态": "正常", "联系电话": "13800138000", "更新时间": "2026-11-30 09:15:00"}}
}

// BenchmarkMapRow maps one row into its envelope.
func BenchmarkMapRow(b *testing.B) {
	src, row := benchSource(), benchRow()
	pulled := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, reason := MapRow(src, row, pulled); reason != "" {
			b.Fatal(reason)
		}
	}
}

// discardWriter takes messages as a Kafka writer would and drops them.
type discardWriter struct{}

func (discardWriter) WriteMessages(context.Context, ...kafka.Message) error { return nil }

// BenchmarkPublishPage maps and encodes a page of 5,000 rows (the file
// connector's page) into Kafka messages; ns/op and allocs/op are per page.
func BenchmarkPublishPage(b *testing.B) {
	src := benchSource()
	rows := make([]connectors.Row, 5000)
	for i := range rows {
		rows[i] = benchRow()
	}
	p := NewPublisher(discardWriter{})
	b.ReportAllocs()
	for b.Loop() {
		if res, err := p.Publish(context.Background(), src, rows); err != nil || res.Accepted != len(rows) {
			b.Fatal(res, err)
		}
	}
}
