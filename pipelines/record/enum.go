package record

import (
	"strings"

	"github.com/residenthub/residenthub/normalize"
)

// synonyms are the common Chinese (and English variant) words departments use
// for the enum values of the canonical datasets, by canonical value. A word
// is accepted only for a field whose Values include its canonical value, so
// "正常" is "normal" for a person's status and "active" for an insurance
// status. A word that would match two values of one field is rejected.
var synonyms = map[string][]string{
	// person.status
	"normal":    {"正常", "在册", "在籍"},
	"deceased":  {"死亡", "已故", "去世", "dead", "死亡注销"},
	"moved_out": {"迁出", "已迁出", "迁出注销", "moved out", "moved-out"},
	// residence.evidence_kind
	"access_control":      {"门禁", "门禁登记", "门禁采集", "access control"},
	"rental_registration": {"租赁登记", "出租登记", "租房登记", "rental registration", "rental"},
	"property":            {"房产", "产权", "自有住房"},
	"other":               {"其他", "其它"},
	// social_insurance
	"pension":      {"养老", "养老保险", "基本养老保险"},
	"medical":      {"医疗", "医疗保险", "基本医疗保险", "医保"},
	"unemployment": {"失业", "失业保险"},
	"work_injury":  {"工伤", "工伤保险", "work injury"},
	"maternity":    {"生育", "生育保险"},
	"active":       {"正常", "参保", "在保", "参保缴费", "正常参保", "缴费"},
	"suspended":    {"暂停", "暂停缴费", "中断", "中断缴费"},
	"terminated":   {"终止", "终止参保", "停保"},
	"receiving":    {"领取", "待遇领取", "领取待遇", "享受待遇"},
	// employment.income_kind
	"wage": {"工资", "工资薪金", "薪金", "wages", "salary"},
	// health
	"green":        {"绿", "绿码", "绿色"},
	"yellow":       {"黄", "黄码", "黄色"},
	"red":          {"红", "红码", "红色"},
	"visual":       {"视力", "视力残疾"},
	"hearing":      {"听力", "听力残疾"},
	"speech":       {"言语", "言语残疾"},
	"physical":     {"肢体", "肢体残疾"},
	"intellectual": {"智力", "智力残疾"},
	"mental":       {"精神", "精神残疾"},
	"multiple":     {"多重", "多重残疾"},
	// asset.asset_kind
	"real_estate": {"房产", "不动产", "住房", "real estate", "real-estate"},
	"vehicle":     {"车辆", "机动车", "汽车"},
	"deposit":     {"存款", "银行存款"},
	// hotline_ticket.status
	"open":        {"待处理", "未办结", "受理", "已受理", "新建"},
	"in_progress": {"处理中", "办理中", "in progress", "in-progress"},
	"closed":      {"已办结", "办结", "已关闭", "关闭", "已完成"},
	// hotline_ticket.channel and satisfaction
	"wechat":              {"微信", "微信公众号", "微信小程序", "we chat"},
	"suggestion_box":      {"意见箱", "信箱", "suggestion box"},
	"walk_in":             {"来访", "现场", "走访", "walk-in", "walk in"},
	"12345":               {"12345热线", "市民热线", "12345 热线"},
	"12333":               {"12333热线", "人社热线", "12333 热线"},
	"satisfied":           {"满意", "非常满意"},
	"basically_satisfied": {"基本满意", "basically satisfied"},
	"dissatisfied":        {"不满意", "非常不满意"},
}

// Enum maps a value to one of values (the field's allowed English words).
// In order: the source's code mapping (whose result must be one of values);
// the value itself, cleaned with normalize.Text and lower-cased; a synonym
// from the table above for one of values.
func Enum(s string, values []string, mapping map[string]string) (string, error) {
	v := normalize.Text(s)
	if v == "" {
		return "", &Reject{Reason: "is empty"}
	}
	if m, ok := lookup(mapping, s, v); ok {
		m = strings.ToLower(normalize.Text(m))
		if contains(values, m) {
			return m, nil
		}
		return "", &Reject{Reason: "code mapping gives " + truncate(m, 32) + ", which is not one of " + strings.Join(values, ", ")}
	}
	lv := strings.ToLower(v)
	if contains(values, lv) {
		return lv, nil
	}
	found := ""
	for _, val := range values {
		if contains(synonyms[val], lv) {
			if found != "" {
				return "", &Reject{Reason: "is ambiguous between " + found + " and " + val}
			}
			found = val
		}
	}
	if found == "" {
		return "", &Reject{Reason: "is not one of " + strings.Join(values, ", ")}
	}
	return found, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
