package messages

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/residenthub/residenthub/normalize"
	"github.com/residenthub/residenthub/schema"
)

func TestNegotiate(t *testing.T) {
	f := func(header string, want Lang) {
		t.Helper()
		if got := Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", header, got, want)
		}
	}
	f("", Zh)
	f("en", En)
	f("EN", En)
	f("en-US,en;q=0.9", En)
	f("en-GB", En)
	f("zh-CN,zh;q=0.9,en;q=0.8", Zh)
	f("zh-TW", Zh)
	f("en;q=0.5, zh;q=0.9", Zh)
	f("zh;q=0.5, en;q=0.9", En)
	f("fr-FR", Zh)
	f("fr, en;q=0.8", En)
	f("*", Zh)
	f(";;;garbage", Zh)
	f("en;q=abc", Zh)
}

// verbs returns the argument indexes a format uses, sorted.
var verbRE = regexp.MustCompile(`%\[(\d+)\][a-z]`)

func verbs(f string) []string {
	var out []string
	for _, m := range verbRE.FindAllStringSubmatch(f, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestErrorTextsAgree: both languages of every error message exist, take
// the same arguments (by index only: a verb must say which argument it
// takes), and the Chinese one is Chinese.
func TestErrorTextsAgree(t *testing.T) {
	bare := regexp.MustCompile(`%[^\[%]`)
	for key, tx := range errorTexts {
		if tx.Zh == "" || tx.En == "" {
			t.Errorf("%s: a language is missing", key)
			continue
		}
		if bare.MatchString(tx.Zh) || bare.MatchString(tx.En) {
			t.Errorf("%s: use indexed verbs (%%[1]s)", key)
		}
		if zh, en := verbs(tx.Zh), verbs(tx.En); !slices.Equal(zh, en) {
			t.Errorf("%s: zh takes arguments %v, en %v", key, zh, en)
		}
		if !hasHan(tx.Zh) {
			t.Errorf("%s: the Chinese text has no Chinese: %q", key, tx.Zh)
		}
		if code, _, _ := strings.Cut(key, "."); code == "" {
			t.Errorf("%q: empty code", key)
		}
	}
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func TestDetail(t *testing.T) {
	f := func(lang Lang, key string, args []any, want string) {
		t.Helper()
		got, ok := Detail(lang, key, args...)
		if !ok || got != want {
			t.Errorf("Detail(%s, %s, %v) = %q, %v; want %q", lang, key, args, got, ok, want)
		}
	}
	f(Zh, "invalid_id_number", []any{"110105********0015", Reason("check digit does not match")},
		"身份证号 110105********0015 无效：校验位不符，请逐位核对号码（末位 X 为大写）")
	f(En, "invalid_id_number", []any{"110105********0015", Reason("check digit does not match")},
		"ID number 110105********0015 is not valid — check digit does not match")
	f(Zh, "unknown_program", []any{"x", Strings([]string{"dibao", "elderly_allowance"})}, "没有业务“x”；现有业务：dibao、elderly_allowance")
	f(En, "unknown_program", []any{"x", Strings([]string{"dibao", "elderly_allowance"})}, `there is no program "x"; known programs: dibao, elderly_allowance`)
	// Chinese first: the verbs may take the arguments in another order.
	f(Zh, "method_not_allowed", []any{"PUT", "/v1/checks"}, "/v1/checks 不支持 PUT 请求，接口列表见 /v1/openapi.json")
	if _, ok := Detail(Zh, "no_such_key"); ok {
		t.Error("an unknown key is found")
	}
}

// TestReasonsCoverNormalize: every reason normalize gives for an ID number
// or a name the API passes on has a Chinese translation.
func TestReasonsCoverNormalize(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	ids := []string{"", "12345", "11010519800101001", "11010580010100A", "1101051980010100AB", "A10105198001010016",
		"000105198001010016", "110105198013010016", "110105180001010016", "110105209901010016", "110105198001010015"}
	names := []string{"", strings.Repeat("张", 65), "12345", "·", "张三丰\uFFFD", "张三丰?", "张三丰4"}
	var reasons []string
	for _, id := range ids {
		_, _, err := normalize.IDNumberAt(id, now)
		ne, ok := err.(*normalize.Error)
		if !ok {
			t.Fatalf("ID %q: error %v, want a *normalize.Error", id, err)
		}
		reasons = append(reasons, ne.Reason)
	}
	for _, n := range names {
		_, err := normalize.Name(n)
		ne, ok := err.(*normalize.Error)
		if !ok {
			t.Fatalf("name %q: error %v, want a *normalize.Error", n, err)
		}
		reasons = append(reasons, ne.Reason)
	}
	for _, r := range reasons {
		tx := Reason(r)
		if !hasHan(tx.Zh) || tx.En != r {
			t.Errorf("reason %q is not translated: %+v", r, tx)
		}
	}
	if tx := Reason("something new"); tx.Zh != "something new" {
		t.Errorf("unknown reason: %+v", tx)
	}
}

func TestMissing(t *testing.T) {
	f := func(en, zh string) {
		t.Helper()
		if got := Missing(en); got.Zh != zh || got.En != en {
			t.Errorf("Missing(%q) = %+v, want zh %q", en, got, zh)
		}
	}
	f("dataset employment: stale (latest 2026-09-01T00:00:00Z, max age 45d)", "工资收入数据已过期（最近更新 2026-09-01T00:00:00Z，有效期 45d），需人工审核")
	f("dataset asset: no data loaded", "资产数据尚未导入，需人工审核")
	f("dataset employment: stale", "工资收入数据已过期，需人工审核")
	f("identity conflict: name differs between sources hukou and hukou_push for member 110105********0228",
		"身份信息冲突：成员 110105********0228 的姓名在 hukou、hukou_push 之间不一致，需人工核实")
	f("parameter standard_fen: no value in force on 2014-06-01", "参数 standard_fen 在 2014-06-01 没有有效值，需人工审核")
	f("rule x: cannot evaluate: no such key: age", "规则 x 无法判断（no such key: age），需人工审核")
	f("something else", "something else")
}

// TestEnumsCoverSchema: every enum value of the canonical datasets has a
// name, and every name is Chinese.
func TestEnumsCoverSchema(t *testing.T) {
	for _, ds := range schema.Datasets {
		if _, ok := Enum("dataset", ds.Name); !ok {
			t.Errorf("dataset %s has no name", ds.Name)
		}
		for _, f := range ds.Fields {
			if f.Kind != schema.KindEnum {
				continue
			}
			for _, v := range f.Values {
				_, ok := Enum(ds.Name+"."+f.Name, v)
				if !ok {
					_, ok = Enum(f.Name, v)
				}
				if !ok {
					t.Errorf("%s.%s value %q has no name", ds.Name, f.Name, v)
				}
			}
		}
	}
	for field, vals := range enumTexts {
		for v, tx := range vals {
			if !hasHan(tx.Zh) || tx.En == "" {
				t.Errorf("%s %s: %+v", field, v, tx)
			}
		}
	}
	if tx, ok := Enum("status", "moved_out"); !ok || tx.Zh != "迁出" {
		t.Errorf("status moved_out: %+v", tx)
	}
	if tx, ok := Enum("status", "new"); ok || tx.Zh != "new" {
		t.Errorf("unknown value: %+v %v", tx, ok)
	}
}

func TestTextIn(t *testing.T) {
	tx := Text{Zh: "正常", En: "normal"}
	if tx.In(Zh) != "正常" || tx.In(En) != "normal" || tx.In("fr") != "正常" {
		t.Errorf("%+v", tx)
	}
	if (Text{Zh: "正常"}).In(En) != "正常" || (Text{En: "normal"}).In(Zh) != "normal" {
		t.Error("one-language texts do not fall back")
	}
	l := List{Items: []Localized{Text{Zh: "甲", En: "a"}, Text{Zh: "乙", En: "b"}}, Sep: Text{Zh: "；", En: "; "}}
	if l.In(Zh) != "甲；乙" || l.In(En) != "a; b" {
		t.Errorf("list: %q %q", l.In(Zh), l.In(En))
	}
}

func TestCatalogue(t *testing.T) {
	c := Catalogue()
	if c.Enums["outcome"]["pass"].Zh != "通过" || c.Units["fen_per_person_per_month"].Zh != "元/人/月" ||
		c.Headlines["name_mismatch"].Zh == "" || c.Labels["status"].Zh == "" {
		t.Errorf("catalogue: %+v", c)
	}
	c.Enums["outcome"]["pass"] = Text{}
	if tx, _ := Enum("outcome", "pass"); tx.Zh != "通过" {
		t.Error("Catalogue returns the catalogue itself, not a copy")
	}
}

func TestOverdueParameterNote(t *testing.T) {
	tx := Missing("parameter standard_fen: the value in force since 2022-07-01 was due for review on 2023-08-01; confirm or update it in dibao.yaml")
	if tx.Zh != "参数 standard_fen（自 2022-07-01 起执行）已于 2023-08-01 到复核期，请在 dibao.yaml 中确认或更新，需人工审核" {
		t.Fatalf("%+v", tx)
	}
}
