package demo

import (
	"fmt"
	"math/rand/v2"
	"path"
	"time"
)

// Department values for national codes and enums (what the extracts say;
// the demo config's code_mappings map the ones the code tables do not know).
var (
	ethnicityNames = map[string]string{"01": "汉族", "02": "蒙古族", "03": "回族", "05": "维吾尔族", "08": "壮族", "10": "朝鲜族", "11": "满族", "15": "土家族"}
	relationNames  = map[string]string{"02": "户主", "10": "配偶", "11": "夫", "12": "妻", "20": "子", "22": "长子", "23": "次子",
		"30": "女", "32": "长女", "33": "次女", "38": "儿媳", "41": "孙子", "42": "孙女", "51": "父亲", "52": "母亲"}
	relationColloquial = map[string]string{"11": "丈夫", "12": "妻子", "20": "儿子", "30": "女儿", "38": "儿媳妇"}
	statusNames        = map[string]string{statusNormal: "正常", statusDeceased: "死亡", statusMovedOut: "迁出"}
	evidenceNames      = map[string][]string{"access_control": {"门禁登记", "门禁采集"}, "rental_registration": {"出租屋登记"}, "property": {"自有住房"}, "other": {"其他"}}
	insuranceNames     = map[string][]string{"pension": {"养老", "基本养老保险"}, "medical": {"医疗", "基本医疗保险"}, "unemployment": {"失业", "失业保险"},
		"work_injury": {"工伤", "工伤保险"}, "maternity": {"生育", "生育保险"}}
	siStatusNames = map[string][]string{"active": {"正常参保", "参保缴费"}, "suspended": {"暂停参保"}, "terminated": {"终止参保"}, "receiving": {"享受待遇"}}
	incomeNames   = map[string][]string{"wage": {"工资", "工资薪金"}, "other": {"劳务报酬", "其他收入"}}
	disNames      = map[string]string{"visual": "视力", "hearing": "听力", "speech": "言语", "physical": "肢体", "intellectual": "智力", "mental": "精神", "multiple": "多重"}
	colourNames   = map[string]string{"green": "绿码", "yellow": "黄码", "red": "红码"}
	assetNames    = map[string][]string{"real_estate": {"不动产", "房产", "住宅"}, "vehicle": {"机动车", "小型汽车"}, "deposit": {"银行存款", "定期存款", "活期存款"}, "other": {"其他"}}
)

// variant picks a spelling that stays the same for one record (its versions).
func variant(list []string, key string) string {
	n := 0
	for _, c := range key {
		n += int(c)
	}
	return list[n%len(list)]
}

func dropFile(source, name string) string { return path.Join("drop", source, name) }

// idText writes a canonical ID number in the person's hukou form.
func idText(p *person) string {
	switch p.idForm {
	case id15:
		return to15(p.id)
	case idFullWidth:
		return fullWidth(p.id)
	case idLowerX:
		return p.id[:17] + "x"
	}
	return p.id
}

// strayID draws a fresh valid ID number not used by any resident or
// earlier stray record.
func (g *generator) strayID(r *rand.Rand, y int, m time.Month, d int, male bool) string {
	p := &person{sex: "2", birth: date(y, m, d)}
	if male {
		p.sex = "1"
	}
	return uniqueID(r, districtCode, p, g.usedIDs())
}

var hukouSource = &source{name: "hukou", dataset: "person", format: "csv", encoding: "gbk", prefix: "hukou_", ext: ".csv",
	header: []string{"身份证号", "姓名", "性别", "出生日期", "民族", "户号", "与户主关系", "户籍地址", "户籍区划", "人员状态", "联系电话", "变更时间"},
	key:    []string{"身份证号"}, rows: (*generator).hukou}

func (g *generator) hukou(r *rand.Rand, x *extract, b *block) {
	dots := []string{"·", "．", "."}
	for _, p := range b.persons {
		name := p.name
		if p.ethnicity == "05" {
			name = replaceDot(name, pick(r, dots))
		}
		sex := map[string]string{"1": "男", "2": "女"}[p.sex]
		if n := r.IntN(20); n == 0 {
			sex = p.sex
		} else if n == 1 {
			sex += "性"
		}
		eth := ethnicityNames[p.ethnicity]
		if n := r.IntN(30); n < 3 && p.ethnicity == "01" {
			eth = "汉"
		} else if n == 3 {
			eth = p.ethnicity
		}
		rel := relationNames[p.relation]
		if n := r.IntN(10); n < 2 {
			rel = p.relation
		} else if c, ok := relationColloquial[p.relation]; ok && n < 5 {
			rel = c
		}
		hh := p.hh.id
		if r.IntN(40) == 0 {
			hh = fullWidth(hh)
		}
		cells := []any{idText(p), name, sex, dateText(r, p.birth), eth, hh, rel, p.hukouAddr, p.hukouDiv, statusNames[p.status],
			phoneText(r, p.phone), timeText(r, p.changed)}
		if p.status == statusDeceased && r.IntN(3) == 0 { // the record before the death was registered
			old := append([]any(nil), cells...)
			old[9], old[11] = statusNames[statusNormal], timeText(r, p.changed.AddDate(-2, 0, -r.IntN(300)))
			x.add(old...)
		}
		x.add(cells...)
	}
	hhs := b.households
	stray := func(id, name, birth string) []any {
		h := hhs[r.IntN(len(hhs))]
		return []any{id, name, "男", birth, "汉族", h.id, "子", h.persons[0].hukouAddr, h.persons[0].hukouDiv, "正常", "", timeText(r, g.before(r, 30))}
	}
	for i := 0; i < 3; i++ {
		id := g.strayID(r, 1990+i, time.Month(3+i), 11+i, true)
		bad := id[:17] + string("0123456789"[(int(id[17]-'0')+1+i)%10])
		if id[17] == 'X' {
			bad = id[:17] + "1"
		}
		x.addInvalid(r, stray(bad, "刘"+givenName(r, "1"), id[6:14]), "id_number", "id_number check digit", "身份证号")
	}
	for i := 0; i < 2; i++ {
		body := fmt.Sprintf("%s198%d0230%03d", districtCode, 5+i, 2*r.IntN(500)+1)
		id := body + string(IDCheckChar(body))
		x.addInvalid(r, stray(id, "赵"+givenName(r, "1"), fmt.Sprintf("198%d-02-30", 5+i)), "id_number", "birth date", "身份证号")
	}
	for i := 0; i < 2; i++ {
		id := g.strayID(r, 2001+i, time.Month(6+i), 20, true)
		x.addInvalid(r, stray(id, "", id[6:14]), "name", "empty name", "姓名")
	}
	x.addDuplicates(r, 4)
}

// replaceDot writes a transliterated name with another middle-dot spelling.
func replaceDot(name, dot string) string {
	out := []rune{}
	for _, c := range name {
		if c == '·' {
			out = append(out, []rune(dot)...)
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

var residenceSource = &source{name: "residence", dataset: "residence", format: "csv", encoding: "utf-8-bom", prefix: "residence_", ext: ".csv",
	header: []string{"证件号码", "姓名", "居住地址", "社区名称", "社区编码", "登记类型", "入住日期", "登记时间"},
	key:    []string{"证件号码"}, rows: (*generator).residence}

func (g *generator) residence(r *rand.Rand, x *extract, b *block) {
	var noRes []*person
	for _, p := range b.persons {
		if p.res == nil {
			if p.status == statusNormal {
				noRes = append(noRes, p)
			}
			continue
		}
		x.add(p.id, p.name, p.res.address, p.res.communityName, p.res.communityCode, pick(r, evidenceNames[p.res.evidence]),
			dateText(r, p.res.since), timeText(r, p.res.updated))
	}
	for i := 0; i < 2 && i < len(noRes); i++ {
		p := noRes[(i*len(noRes)/2+r.IntN(len(noRes)/2+1))%len(noRes)]
		x.addInvalid(r, []any{p.id, p.name, "", p.hh.comm.name, p.hh.comm.code, "门禁登记", dateText(r, g.before(r, 900)), timeText(r, g.before(r, 30))},
			"address", "empty address", "居住地址")
	}
	x.addDuplicates(r, 3)
}
