// Package hotline turns 12345 citizen-hotline tickets into each
// community's top problems of the year: the taxonomy that maps the
// departments' free categories onto one list of problem kinds, the
// resolution of a ticket's area or address to a community (GB/T 2260
// 12-digit code), the grouping of repeated calls into problem cases, the
// committees that answer for each kind, the ranking and the de-identified
// public summary. Pure functions only; the ClickHouse query that feeds the
// ranking is in hotline/hotlinedb.
package hotline

import (
	"sort"
	"strings"

	"github.com/residenthub/residenthub/normalize"
)

// Problem kinds of the default taxonomy (the district's list; Chinese names
// are the identifiers the API, the page and the config use).
const (
	KindProperty     = "物业管理"
	KindParking      = "停车管理"
	KindGarbage      = "垃圾分类"
	KindRenovation   = "装修及无主垃圾"
	KindNoise        = "噪声扰民"
	KindElderly      = "养老及日间照料"
	KindPublicSpace  = "公共空间占用"
	KindOldEstate    = "老旧小区设施"
	KindMaintenance  = "维修资金"
	KindHeating      = "供暖"
	KindUtilities    = "水电气"
	KindSafety       = "安全隐患"
	KindDispute      = "邻里纠纷"
	KindGreenery     = "绿化及环境卫生"
	KindPolicy       = "政策咨询"
	KindSuggestion   = "意见建议"
	maxCategoryRunes = 200
)

// DefaultCategories maps department categories (诉求类别, as 12345 and
// 12333 feeds write them) to problem kinds. A category not listed here is
// matched by the longest listed category it contains (停车难问题 → 停车管理);
// config hotline.categories adds to and overrides this table.
var DefaultCategories = map[string][]string{
	KindProperty:    {"物业", "物业服务", "物业管理", "物业收费", "物业费", "物业公司", "物业不作为"},
	KindParking:     {"停车", "停车难", "停车管理", "车位", "乱停车", "乱停乱放", "地锁", "私装地锁", "僵尸车"},
	KindGarbage:     {"垃圾分类", "垃圾清运", "垃圾桶", "生活垃圾", "厨余垃圾", "垃圾"},
	KindRenovation:  {"装修垃圾", "无主垃圾", "大件垃圾", "建筑垃圾", "渣土"},
	KindNoise:       {"噪声", "噪音", "扰民", "装修扰民", "施工噪声", "广场舞"},
	KindElderly:     {"养老", "日间照料", "养老服务", "助餐", "老年餐桌", "居家养老", "助老"},
	KindPublicSpace: {"占道", "占道经营", "楼道堆物", "私搭乱建", "违建", "违法建设", "圈占", "公共空间占用", "飞线"},
	KindOldEstate:   {"老旧小区", "老旧小区改造", "加装电梯", "电梯", "楼道灯", "管道老化", "屋顶漏水", "房屋漏水", "下水道", "化粪池"},
	KindMaintenance: {"维修资金", "专项维修资金", "维修基金", "公共维修基金"},
	KindHeating:     {"供暖", "供热", "暖气", "采暖", "暖气不热"},
	KindUtilities:   {"水电气", "停水", "停电", "水压", "燃气", "供水", "供电", "天然气", "水质"},
	KindSafety:      {"安全", "安全隐患", "消防", "消防通道", "电动车充电", "电动自行车", "治安"},
	KindDispute:     {"纠纷", "邻里纠纷", "邻里矛盾", "矛盾纠纷", "家庭纠纷"},
	KindGreenery:    {"绿化", "树木", "园林绿化", "环境卫生", "卫生", "蚊虫", "鼠患", "野猫"},
	KindPolicy:      {"咨询", "政策咨询", "社保咨询", "医保咨询", "户籍咨询"},
	KindSuggestion:  {"建议", "意见建议", "表扬", "意见"},
}

// DefaultKinds lists the kinds of the default taxonomy in a fixed order.
var DefaultKinds = []string{KindProperty, KindParking, KindGarbage, KindRenovation, KindNoise, KindElderly,
	KindPublicSpace, KindOldEstate, KindMaintenance, KindHeating, KindUtilities, KindSafety, KindDispute,
	KindGreenery, KindPolicy, KindSuggestion}

// Taxonomy maps department categories to problem kinds. Read-only after
// NewTaxonomy; safe for concurrent use.
type Taxonomy struct {
	exact    map[string]string // normalized category → kind
	keywords []keyword         // longest first
	kinds    []string          // every kind, default order then config order
}

type keyword struct{ text, kind string }

// NewTaxonomy builds the default table overlaid with overrides (department
// category → kind; config hotline.categories). An override may name a new
// kind; every kind needs a committee (Committees.Validate checks that).
func NewTaxonomy(overrides map[string]string) *Taxonomy {
	t := &Taxonomy{exact: map[string]string{}}
	seen := map[string]bool{}
	addKind := func(k string) {
		if !seen[k] {
			seen[k] = true
			t.kinds = append(t.kinds, k)
		}
	}
	for _, kind := range DefaultKinds {
		addKind(kind)
		for _, c := range DefaultCategories[kind] {
			t.exact[CategoryKey(c)] = kind
		}
	}
	keys := make([]string, 0, len(overrides))
	for c := range overrides {
		keys = append(keys, c)
	}
	sort.Strings(keys)
	for _, c := range keys {
		kind := strings.TrimSpace(overrides[c])
		addKind(kind)
		t.exact[CategoryKey(c)] = kind
	}
	for c, kind := range t.exact {
		if c != "" {
			t.keywords = append(t.keywords, keyword{c, kind})
		}
	}
	sort.Slice(t.keywords, func(i, j int) bool {
		a, b := t.keywords[i], t.keywords[j]
		if len(a.text) != len(b.text) {
			return len(a.text) > len(b.text)
		}
		return a.text < b.text
	})
	return t
}

// Kinds lists every kind the taxonomy maps to.
func (t *Taxonomy) Kinds() []string { return append([]string(nil), t.kinds...) }

// Kind returns the problem kind of a department category and whether it is
// mapped: an exact match of the normalized category first, else the
// longest mapped category it contains (of equal lengths, the one that
// starts first: 装修垃圾清运 → 装修垃圾). An unmapped category gives ("",
// false); callers report it, never drop the ticket silently.
func (t *Taxonomy) Kind(category string) (string, bool) {
	c := CategoryKey(category)
	if c == "" {
		return "", false
	}
	if k, ok := t.exact[c]; ok {
		return k, true
	}
	best, at := "", -1
	for _, kw := range t.keywords { // longest first
		if best != "" && len(kw.text) < len(best) {
			break
		}
		if i := strings.Index(c, kw.text); i >= 0 && (at < 0 || i < at) {
			best, at = kw.text, i
		}
	}
	if best == "" {
		return "", false
	}
	return t.exact[best], true
}

// CategoryKey normalizes a category for matching: width-folded and cleaned
// (normalize.Text), without spaces and the separators feeds put between
// levels (一级类别/二级类别, 一级-二级, 一级>二级 become one string), lower-cased,
// cut to 200 characters.
func CategoryKey(s string) string {
	s = normalize.Text(s)
	var b strings.Builder
	n := 0
	for _, r := range s {
		switch r {
		case ' ', '\u3000', '/', '\\', '-', '>', '|', '、', '·', '_', '—', '－', '》', '＞':
			continue
		}
		if n == maxCategoryRunes {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.ToLower(b.String())
}
