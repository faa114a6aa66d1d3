package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/residenthub/residenthub/access"
	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/schema"
	"gopkg.in/yaml.v3"
)

// fileSettings are the file connector's settings (decoded by the connectors
// package; mirrored here to check the demo config).
type fileSettings struct {
	Dir      string `yaml:"dir"`
	Pattern  string `yaml:"pattern"`
	Format   string `yaml:"format"`
	Encoding string `yaml:"encoding"`
	Sheet    string `yaml:"sheet"`
	Settle   string `yaml:"settle"`
}

func demoConfig(t *testing.T) *config.Config {
	t.Helper()
	b, err := os.ReadFile("../../deploy/demo/residenthub.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(b)
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	return cfg
}

func TestDemoConfig(t *testing.T) {
	cfg := demoConfig(t)
	_, tr := generate(t)
	if len(cfg.Kafka.Brokers) != 0 || cfg.ClickHouse.Database != "residenthub_demo" || cfg.HTTP.Listen != "127.0.0.1:8080" || cfg.DataDir != "../../var/demo" {
		t.Errorf("unexpected config basics: %+v", cfg)
	}
	roles := map[string]string{}
	for _, k := range cfg.APIKeys {
		roles[k.Role] = k.KeySHA256
	}
	for _, role := range access.Roles {
		if roles[role] != config.HashKey("demo-"+role+"-key") {
			t.Errorf("role %s: key_sha256 is not the hash of demo-%s-key", role, role)
		}
	}
	fileSources := 0
	for _, src := range cfg.Sources {
		if src.Kind == "file" {
			fileSources++
		}
	}
	if fileSources != len(tr.Files) {
		t.Fatalf("%d file sources, %d extracts", fileSources, len(tr.Files))
	}
	for _, f := range tr.Files {
		src, ok := cfg.Source(f.Source)
		if !ok {
			t.Errorf("no source %s", f.Source)
			continue
		}
		if src.Kind != "file" || src.Dataset != f.Dataset || src.Schedule != "*/5 * * * * *" {
			t.Errorf("%s: kind %s dataset %s schedule %q", src.Name, src.Kind, src.Dataset, src.Schedule)
		}
		var s fileSettings
		dec := yaml.NewDecoder(bytes.NewReader(mustMarshal(t, &src.Settings)))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil {
			t.Errorf("%s settings: %v", src.Name, err)
		}
		if s.Dir != "../../var/demo/drop/"+src.Name || s.Format != f.Format || s.Settle != "1s" {
			t.Errorf("%s settings %+v", src.Name, s)
		}
		if ok, _ := path.Match(s.Pattern, path.Base(f.Path)); !ok {
			t.Errorf("%s: pattern %q does not match %s", src.Name, s.Pattern, f.Path)
		}
		if f.Format == "csv" && readAs(strings.TrimSuffix(f.Encoding, "-bom")) != s.Encoding {
			t.Errorf("%s: encoding %q, file is %s", src.Name, s.Encoding, f.Encoding)
		}
		if f.Format == "xlsx" && s.Sheet != payrollSheet {
			t.Errorf("%s: sheet %q", src.Name, s.Sheet)
		}
		// every mapped column, key column and source_time is in the file
		header := extractHeader(t, f)
		cols := append(append([]string{src.SourceTime}, src.Key...), values(src.Fields)...)
		for _, c := range cols {
			if !contains(header, c) {
				t.Errorf("%s: column %q is not in the extract header %v", src.Name, c, header)
			}
		}
		// every field of the dataset is mapped
		for _, fd := range schema.Datasets[f.Dataset].Fields {
			if _, ok := src.Fields[fd.Name]; !ok {
				t.Errorf("%s: field %s of %s is not mapped", src.Name, fd.Name, f.Dataset)
			}
		}
	}
}

// TestCodeMappingsCoverEnums checks that every department spelling of an
// enum field that the generator writes is mapped to a value of the enum.
func TestCodeMappingsCoverEnums(t *testing.T) {
	cfg := demoConfig(t)
	check := func(source, field string, spellings map[string][]string) {
		t.Helper()
		src, _ := cfg.Source(source)
		fd, _ := schema.Datasets[src.Dataset].Field(field)
		for canonical, list := range spellings {
			if !contains(fd.Values, canonical) {
				t.Errorf("%s.%s: %q is not an enum value %v", source, field, canonical, fd.Values)
			}
			for _, v := range list {
				if got := src.CodeMappings[field][v]; got != canonical {
					t.Errorf("%s.%s: %q maps to %q, want %q", source, field, v, got, canonical)
				}
			}
		}
	}
	one := func(m map[string]string) map[string][]string {
		out := map[string][]string{}
		for k, v := range m {
			out[k] = []string{v}
		}
		return out
	}
	check("hukou", "status", one(statusNames))
	check("residence", "evidence_kind", evidenceNames)
	check("social_insurance", "insurance_type", insuranceNames)
	check("social_insurance", "status", siStatusNames)
	check("payroll", "income_kind", incomeNames)
	check("health", "health_code_colour", one(colourNames))
	check("health", "disability_category", one(disNames))
	check("asset", "asset_kind", assetNames)
	src, _ := cfg.Source("hukou")
	for code, word := range relationColloquial {
		if src.CodeMappings["relation_to_head"][word] != code {
			t.Errorf("hukou relation %q must map to %s", word, code)
		}
	}
}

func mustMarshal(t *testing.T, n *yaml.Node) []byte {
	t.Helper()
	b, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// extractHeader reads the column names of an extract.
func extractHeader(t *testing.T, f File) []string {
	t.Helper()
	dir, _ := generate(t)
	b, err := os.ReadFile(filepath.Join(dir, f.Path))
	if err != nil {
		t.Fatal(err)
	}
	switch f.Format {
	case "csv":
		if f.Encoding == "gbk" {
			return gbkHeader(t, b)
		}
		rec, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).Read()
		if err != nil {
			t.Fatal(err)
		}
		return rec
	case "xlsx":
		return []string{"序号", "单位名称", "统一社会信用代码", "姓名", "身份证号", "所属期", "应发工资", "实发工资", "收入类型", "发放日期"}
	}
	// JSON lines: the keys of all lines
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		for k := range m {
			if !contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readAs is the encoding setting the demo configures for a file written in
// enc: a GBK file is read as gb18030, its superset, as the README recommends.
func readAs(enc string) string {
	if enc == "gbk" {
		return "gb18030"
	}
	return enc
}
