package messages

import (
	"regexp"
	"strings"
)

// pattern translates one family of English sentences produced elsewhere in
// the hub (the reasons of package normalize, the notes of the rules
// engine): re matches the whole English sentence, and Zh is a format whose
// %[n]s take re's submatches (Localize turns dataset names and fields into
// their Chinese names first, by the submatch's kind).
type pattern struct {
	re    *regexp.Regexp
	zh    string
	kinds []string // per submatch: "" (as is), "dataset", "field", "list"
}

func pat(re, zh string, kinds ...string) pattern {
	return pattern{re: regexp.MustCompile("^" + re + "$"), zh: zh, kinds: kinds}
}

// reasonPatterns are the reasons package normalize gives for a rejected ID
// number or name (normalize.Error.Reason), the ones the API passes on to a
// clerk. TestReasonsCoverNormalize runs normalize on inputs failing in each
// way and checks that every reason is translated.
var reasonPatterns = []pattern{
	pat(`is empty`, "为空"),
	pat(`has (\d+) characters, want 18 \(or 15 for a first-generation number\)`, "有 %[1]s 位，应为 18 位（第一代身份证为 15 位）", ""),
	pat(`a 15-digit number must be all digits`, "15 位号码必须全部是数字"),
	pat(`must be 17 digits followed by a digit or X`, "应为 17 位数字加 1 位数字或 X"),
	pat(`starts with (\d+), which is not a province code`, "开头“%[1]s”不是省级行政区划代码", ""),
	pat(`birth date is not a calendar date`, "其中的出生日期不是有效日期"),
	pat(`birth year is before (\d+)`, "其中的出生年份早于 %[1]s 年", ""),
	pat(`birth date is in the future`, "其中的出生日期晚于今天"),
	pat(`check digit does not match`, "校验位不符，请逐位核对号码（末位 X 为大写）"),
	pat(`is longer than (\d+) characters`, "超过 %[1]s 个字符", ""),
	pat(`is only digits`, "只有数字"),
	pat(`has no letters`, "没有文字"),
	pat(`contains U\+FFFD \(a character that could not be decoded; check the source's encoding\)`, "含有无法解码的字符（U+FFFD），请检查数据来源的编码"),
	pat(`contains "\?" \(a character the exporting system could not represent\)`, "含有“?”（导出系统无法表示的字符）"),
	pat(`contains digits`, "含有数字"),
}

// Reason translates a reason of package normalize ("check digit does not
// match"); an unknown one is kept in English in both languages.
func Reason(en string) Text { return translate(reasonPatterns, en) }

// missingPatterns are the notes of a decision (eligibility.Decision.Missing)
// and the reasons a certificate is not issued.
var missingPatterns = []pattern{
	pat(`parameter (\S+): no value in force on (\S+)`, "参数 %[1]s 在 %[2]s 没有有效值，需人工审核", "field", ""),
	pat(`parameter (\S+): the value in force since (\S+) was due for review on (\S+); confirm or update it in (\S+)`,
		"参数 %[1]s（自 %[2]s 起执行）已于 %[3]s 到复核期，请在 %[4]s 中确认或更新，需人工审核", "", "", "", ""),
	pat(`dataset (\S+): no data loaded`, "%[1]s数据尚未导入，需人工审核", "dataset"),
	pat(`dataset (\S+): no data loaded as of (\S+)`, "截至 %[2]s 尚无%[1]s数据，需人工审核", "dataset", ""),
	pat(`dataset (\S+): stale`, "%[1]s数据已过期，需人工审核", "dataset"),
	pat(`dataset (\S+): stale \(latest (\S+), max age (\S+)\)`, "%[1]s数据已过期（最近更新 %[2]s，有效期 %[3]s），需人工审核", "dataset", "", ""),
	pat(`identity conflict: (\S+) differs between sources (.+) for member (\S+)`, "身份信息冲突：成员 %[3]s 的%[1]s在 %[2]s 之间不一致，需人工核实", "field", "list", ""),
	pat(`rule (\S+): cannot evaluate: (.+)`, "规则 %[1]s 无法判断（%[2]s），需人工审核", "", ""),
	pat(`derived (\S+): (.+)`, "计算项 %[1]s 无法计算（%[2]s），需人工审核", "", ""),
	pat(`outcome (\S+): cannot compute: (.+)`, "结果 %[1]s 无法计算（%[2]s），需人工审核", "field", ""),
	pat(`the residence record could not be confirmed`, "无法确认居住登记"),
}

// Missing translates one note of a decision ("dataset employment: stale
// (latest ..., max age 45d)"); an unknown note is kept in English in both
// languages.
func Missing(en string) Text { return translate(missingPatterns, en) }

func translate(ps []pattern, en string) Text {
	for _, p := range ps {
		m := p.re.FindStringSubmatch(en)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, s := range m[1:] {
			kind := ""
			if i < len(p.kinds) {
				kind = p.kinds[i]
			}
			args[i] = zhArg(kind, s)
		}
		return Text{Zh: format(p.zh, Zh, args), En: en}
	}
	return Text{Zh: en, En: en}
}

// zhArg renders a submatch in Chinese by its kind.
func zhArg(kind, s string) string {
	switch kind {
	case "dataset":
		t, _ := Enum("dataset", s)
		return t.Zh
	case "field":
		t, _ := Label(s)
		return t.Zh
	case "list":
		s = strings.ReplaceAll(s, " and ", "、")
		return strings.ReplaceAll(s, ", ", "、")
	}
	return s
}
