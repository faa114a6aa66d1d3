package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// salt is the clickhouse section every valid config needs.
const salt = `
clickhouse: {pseudonym_salt: config-test-salt-0123}
`

const validSource = salt + `
sources:
  - name: hukou
    kind: file
    dataset: person
    schedule: "*/30 * * * * *"
    key: [身份证号]
    fields: {id_number: 身份证号, name: 姓名, household_id: 户号}
    settings: {dir: drop/hukou}
`

func TestParse(t *testing.T) {
	f := func(yaml, wantErr string) {
		t.Helper()
		_, err := Parse([]byte(yaml))
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("Parse(%q) = %v, want no error", yaml, err)
		case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
			t.Fatalf("Parse(%q) = %v, want an error containing %q", yaml, err, wantErr)
		}
	}
	f(salt, "")
	f(validSource, "")
	f("clickhouse: {adress: x}", "field adress not found")
	f(salt+"kafka: {partitions: 0}", "kafka.partitions")
	f(salt+"kafka: {sasl: {mechanism: SCRAM-SHA-256, password: p}}", "")
	f(salt+"kafka: {sasl: {mechanism: GSSAPI}}", "kafka.sasl.mechanism")
	f(salt+"kafka: {brokers: [k:9093], sasl: {mechanism: PLAIN}}", "kafka.sasl.username")
	f(salt+"kafka: {brokers: [k:9093], sasl: {mechanism: SCRAM-SHA-512, username: hub}, tls: {enabled: true, ca_file: ca.pem, server_name: kafka.internal}}", "")
	f(salt+"kafka: {tls: {enabled: true}}", "kafka.tls is for an external cluster")
	f(salt+"kafka: {brokers: [k:9093], tls: {enabled: true, cert_file: c.pem}}", "cert_file and kafka.tls.key_file")
	f(salt+"kafka: {retention: {time: 24h, bytes: 0}}", "")
	f(salt+"kafka: {retention: {interval: 0s}}", "kafka.retention")
	f(salt+"pipelines: {batch_rows: 0}", "batch_rows")
	f("", "clickhouse.pseudonym_salt is required")
	f("clickhouse: {pseudonym_salt: ''}", "clickhouse.pseudonym_salt is required")
	f("clickhouse: {pseudonym_salt: short-salt1}", "at least 12 characters")
	f("clickhouse: {pseudonym_salt: 盐盐盐盐盐盐盐盐盐盐盐}", "at least 12 characters") // 11 characters, 33 bytes
	f("clickhouse: {pseudonym_salt: 盐盐盐盐盐盐盐盐盐盐盐盐}", "")
	f(`clickhouse: {pseudonym_salt: "it's-a-long-salt"}`, "must not contain")
	f(`clickhouse: {pseudonym_salt: 'back\slash-long-salt'}`, "must not contain")
	f(`clickhouse: {pseudonym_salt: "new\nline-long-salt"}`, "must not contain")
	f(`clickhouse: {pseudonym_salt: a-long-salt-here, cluster: city_2x2}`, "")
	f(`clickhouse: {pseudonym_salt: a-long-salt-here, cluster: "city; DROP"}`, "clickhouse.cluster")
	f(`clickhouse: {pseudonym_salt: a-long-salt-here, cluster: 2x2}`, "clickhouse.cluster")
	f(strings.Replace(validSource, "dataset: person", "dataset: people", 1), `unknown dataset "people"`)
	f(strings.Replace(validSource, "name: hukou", "name: Hukou-1", 1), "lower-case")
	f(strings.Replace(validSource, `"*/30 * * * * *"`, `"every day"`, 1), "schedule")
	f(strings.Replace(validSource, "key: [身份证号]", "key: []", 1), "key")
	f(strings.Replace(validSource, ", household_id: 户号", "", 1), `required field "household_id"`)
	f(strings.Replace(validSource, "name: 姓名", "name: 姓名, nickname: 昵称", 1), `"nickname" is not a field`)
	f(validSource+validSource[len(salt+"sources:\n"):], "duplicate source")
	f(validSource+"api_keys: [{name: a, role: clerk, key_sha256: "+HashKey("k")+"}]", `unknown role "clerk"`)
	f(validSource+"api_keys: [{name: a, role: counter, key_sha256: abc}]", "64 hex")
	f(validSource+"api_keys: [{name: a, role: department, key_sha256: "+HashKey("k")+", sources: [payroll]}]", `unknown source "payroll"`)
	f(validSource+"api_keys: [{name: a, role: department, key_sha256: "+HashKey("k")+", sources: [hukou]}]", "")
}

func TestLoadResolvesPathsAgainstTheConfigFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "residenthub.yaml")
	if err := os.WriteFile(path, []byte(validSource), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != filepath.Join(dir, "var") {
		t.Errorf("data_dir = %s, want %s", cfg.DataDir, filepath.Join(dir, "var"))
	}
	src, ok := cfg.Source("hukou")
	if !ok {
		t.Fatal("source hukou missing")
	}
	if got := src.Path("drop/hukou"); got != filepath.Join(dir, "drop/hukou") {
		t.Errorf("Path(drop/hukou) = %s", got)
	}
	if got := src.Path("/abs/x"); got != "/abs/x" {
		t.Errorf("Path(/abs/x) = %s", got)
	}
}

func TestHashKey(t *testing.T) {
	if got := HashKey("demo-counter-key"); len(got) != 64 || got == HashKey("demo-counter-key ") {
		t.Fatalf("HashKey = %q", got)
	}
}

// TestDisplaySettings: department display names, the certificate settings
// and the district's place names, with their defaults and checks.
func TestDisplaySettings(t *testing.T) {
	cfg, err := Parse([]byte(strings.Replace(validSource, "kind: file", "kind: file\n    display_name: 区公安分局户籍科", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.SourceNames(); len(got) != 1 || got["hukou"] != "区公安分局户籍科" {
		t.Errorf("source names %v", got)
	}
	if cfg.Certificate.Issuer != DefaultIssuer || !cfg.Certificate.FullIDNumber() {
		t.Errorf("certificate defaults %+v", cfg.Certificate)
	}
	cfg, err = Parse([]byte(salt + "certificate: {issuer: 望京街道便民服务大厅, id_number: masked}\nplaces: {names: {\"110105026001\": 花家地社区}}"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Certificate.Issuer != "望京街道便民服务大厅" || cfg.Certificate.FullIDNumber() || cfg.Places.Names["110105026001"] != "花家地社区" {
		t.Errorf("settings %+v %+v", cfg.Certificate, cfg.Places)
	}
	f := func(yaml, wantErr string) {
		t.Helper()
		if _, err := Parse([]byte(yaml)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("Parse(%q) = %v, want %q", yaml, err, wantErr)
		}
	}
	f(salt+"certificate: {id_number: half}", `certificate.id_number "half"`)
	f(salt+"certificate: {issuer: ' '}", "certificate.issuer must not be empty")
	f(salt+"places: {names: {\"110105\": 朝阳区}}", "not a 9- or 12-digit")
	f(strings.Replace(validSource, "kind: file", "kind: file\n    display_name: \"a\\nb\"", 1), "display_name: must be one line")
	f(strings.Replace(validSource, "kind: file", "kind: file\n    display_name: "+strings.Repeat("科", 65), 1), "at most 64")
}
