package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

var socialInsuranceSource = &source{name: "social_insurance", dataset: "social_insurance", format: "jsonl", encoding: "utf-8", prefix: "si_", ext: ".jsonl",
	header: []string{"公民身份号码", "姓名", "险种", "参保状态", "单位名称", "统一社会信用代码", "缴费基数", "月养老金", "参保日期", "终止日期", "更新时间"},
	key:    []string{"公民身份号码", "险种"}, rows: (*generator).socialInsurance}

func (g *generator) socialInsurance(r *rand.Rand, x *extract, b *block) {
	for _, s := range b.si {
		id := s.p.id
		if id[17] == 'X' && variant([]string{"X", "x", "X"}, id) == "x" {
			id = id[:17] + "x" // the same spelling in every version: it is part of the record key
		}
		cells := []any{id, s.p.name, variant(insuranceNames[s.typ], s.p.id), pick(r, siStatusNames[s.status]), omit, omit, omit, omit,
			dateText(r, s.start), omit, timeText(r, s.updated)}
		if s.emp != nil {
			cells[4], cells[5] = s.emp.name, s.emp.creditCode
		}
		if s.baseFen > 0 {
			if s.baseFen%100 == 0 && r.IntN(3) == 0 {
				cells[6] = jsonNumber(strconv.FormatInt(s.baseFen/100, 10))
			} else {
				cells[6] = yuanText(r, s.baseFen, false)
			}
		}
		if s.typ == "pension" && s.pensionFen > 0 {
			cells[7] = yuanText(r, s.pensionFen, false)
		}
		if !s.end.IsZero() {
			cells[9] = dateText(r, s.end)
		}
		x.add(cells...)
	}
	ps := b.persons
	for i := 0; i < 2; i++ {
		p := ps[(i+1)*len(ps)/3]
		x.addInvalid(r, []any{p.id, p.name, "", "正常参保", omit, omit, omit, omit, "2020-01-01", omit, timeText(r, g.before(r, 30))},
			"insurance_type", "empty insurance type", "险种")
	}
	id := g.strayID(r, 1979, 8, 8, false)
	bad := id[:16] + string("0123456789"[(int(id[16]-'0')+2)%10]) + id[17:]
	x.addInvalid(r, []any{bad, "孙" + givenName(r, "2"), "医疗", "正常参保", omit, omit, omit, omit, "2018-03-01", omit, timeText(r, g.before(r, 30))},
		"id_number", "id_number check digit", "公民身份号码")
	x.addDuplicates(r, 3)
}

var payrollSource = &source{name: "payroll", dataset: "employment", format: "xlsx", encoding: "", prefix: "payroll_", ext: ".xlsx",
	header: []string{"序号", "单位名称", "统一社会信用代码", "姓名", "身份证号", "所属期", "应发工资", "实发工资", "收入类型", "发放日期"},
	key:    []string{"身份证号", "所属期", "统一社会信用代码", "收入类型"}, rows: (*generator).payroll}

func (g *generator) payroll(r *rand.Rand, x *extract, b *block) {
	gross := func(fen int64) any {
		if fen%100 == 0 && r.IntN(3) == 0 {
			return int(fen / 100) // a numeric cell
		}
		return yuanText(r, fen, false)
	}
	for _, e := range b.emp {
		name, code := "", ""
		if e.emp != nil {
			name, code = e.emp.name, e.emp.creditCode
		}
		id := e.p.id
		if r.IntN(80) == 0 {
			id = fullWidth(id)
		}
		net := float64(e.fen*80/100) / 100
		x.add(e.seq, name, code, e.p.name, id, monthText(r, e.year, e.month), gross(e.fen), net, variant(incomeNames[e.kind], e.p.id), e.paid.Format("2006-01-02"))
	}
	var earners []*empRow
	for _, e := range b.emp {
		if e.kind == "wage" && g.w.inWindow(e.year, e.month) && e.emp != nil {
			earners = append(earners, e)
		}
	}
	seq := len(g.w.emp) + 4*b.index // 序号 of the block's invalid rows: after every valid one
	for i := 0; i < 2 && len(earners) > 0; i++ {
		e := earners[(i+1)*len(earners)/3]
		x.addInvalid(r, []any{seq + i + 1, e.emp.name, e.emp.creditCode, e.p.name, e.p.id, monthText(r, e.year, e.month), "#VALUE!", 0, "奖金", e.paid.Format("2006-01-02")},
			"gross_income_fen", "amount", "应发工资")
	}
	if len(earners) > 0 {
		e := earners[len(earners)/2]
		x.addInvalid(r, []any{seq + 3, e.emp.name, e.emp.creditCode, e.p.name, e.p.id, "", "1,200.00", 960, "奖金", e.paid.Format("2006-01-02")},
			"period", "empty period", "所属期")
		id := g.strayID(r, 1992, 11, 3, true)
		bad := id[:17] + string("0123456789"[(int(id[16]-'0')+5)%10])
		if bad == id {
			bad = id[:17] + "X"
		}
		x.addInvalid(r, []any{seq + 4, e.emp.name, e.emp.creditCode, "钱" + givenName(r, "1"), bad, monthText(r, e.year, e.month), "¥5,600.00", 4480, "工资", e.paid.Format("2006-01-02")},
			"id_number", "id_number check digit", "身份证号")
	}
	x.addDuplicates(r, 4)
}

var healthSource = &source{name: "health", dataset: "health", format: "csv", encoding: "utf-8", prefix: "health_", ext: ".csv",
	header: []string{"身份证号码", "姓名", "健康码颜色", "赋码时间", "残疾类别", "残疾等级", "是否重大疾病", "更新时间"},
	key:    []string{"身份证号码"}, rows: (*generator).health}

func (g *generator) health(r *rand.Rand, x *extract, b *block) {
	for _, p := range b.persons {
		if !p.hasHealth {
			continue
		}
		illness := "否"
		if p.illness {
			illness = "是"
		}
		x.add(p.id, p.name, colourNames[p.colour], p.colourTime.In(cst).Format("2006-01-02 15:04"), disNames[p.disCategory], strconv.Itoa(p.disGrade), illness,
			timeText(r, g.before(r, 200)))
	}
	p := b.persons[len(b.persons)/2]
	x.addInvalid(r, []any{p.id[:17], p.name, "绿码", "2022-06-01 09:00", "", "0", "否", timeText(r, g.before(r, 30))}, "id_number", "id_number length", "身份证号码")
	x.addDuplicates(r, 2)
}

var assetSource = &source{name: "asset", dataset: "asset", format: "jsonl", encoding: "utf-8", prefix: "asset_", ext: ".jsonl",
	header: []string{"资产编号", "权利人证件号码", "权利人姓名", "资产类别", "价值", "登记日期", "更新时间"},
	key:    []string{"资产编号"}, rows: (*generator).asset}

func (g *generator) asset(r *rand.Rand, x *extract, b *block) {
	for _, a := range b.assets {
		x.add(a.assetID, a.p.id, a.p.name, pick(r, assetNames[a.kind]), yuanText(r, a.valueFen, a.kind != "deposit"), dateText(r, a.registered), timeText(r, g.before(r, 60)))
	}
	p := b.persons[len(b.persons)/4]
	x.addInvalid(r, []any{fmt.Sprintf("京(%d)朝阳区不动产权第%07d号", g.w.asOf.Year()-1, 9999999-b.index), p.id, p.name, "", "1,000,000.00", "2020-05-06", timeText(r, g.before(r, 30))},
		"asset_kind", "empty asset kind", "资产类别")
	x.addDuplicates(r, 2)
}
