package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// The 12345 hotline's yearly export: tickets about the households' problems
// in the year of AsOf and the year before, with seasons (heating in winter,
// noise in summer), repeated calls about one case (by one caller within a
// few days, or under one merged case id), anonymous calls, a few tickets
// about a place they give only by its address (光华里5号院, which the demo
// config maps to 建外街道's first community) and some categories no kind
// covers. The
// truth counts each community's cases per kind as generated: the hub's
// ranking must arrive at it by grouping the calls.

// HotlineTruth is what the hotline export holds, per community.
type HotlineTruth struct {
	Year        int                `json:"year"` // the year of AsOf (China time)
	Communities []HotlineCommunity `json:"communities"`
	// District-wide cases and calls of Year by the month of the first call.
	CasesByMonth [12]int `json:"cases_by_month"`
	CallsByMonth [12]int `json:"calls_by_month"`
}

// HotlineCommunity is one community's expected ranking of Year.
type HotlineCommunity struct {
	Code     string `json:"code"`
	Cases    int    `json:"cases"` // every case of the year, unmapped included
	Calls    int    `json:"calls"`
	Unmapped int    `json:"unmapped"` // cases whose category maps to no kind
	Resolved int    `json:"resolved"` // cases resolved, every kind
	// AddressOnly counts the cases whose tickets give only an address (no
	// community code): the hub places them by hotline.places.
	AddressOnly int              `json:"address_only"`
	Top         []HotlineProblem `json:"top"` // at most 10: cases desc, calls desc, kind
}

// HotlineProblem is one expected row of the ranking.
type HotlineProblem struct {
	Kind              string `json:"kind"`
	Cases             int    `json:"cases"`
	Calls             int    `json:"calls"`
	Resolved          int    `json:"resolved"`
	PreviousYearCases int    `json:"previous_year_cases"`
}

// HotlineAddressOnly is the estate whose tickets give only an address; the
// demo config maps it to HotlineAddressCommunity (hotline.places).
const (
	HotlineAddressOnly      = "光华里5号院"
	HotlineAddressCommunity = "110105001001"
)

// hotlineKinds are the problem kinds with the department wordings the
// export uses for each and a weight per month (Jan..Dec). Independent of
// the hub's taxonomy on purpose: the end-to-end test checks they agree.
var hotlineKinds = []struct {
	kind     string
	wordings []string
	months   [12]int
}{
	{"停车管理", []string{"停车难", "乱停车", "私装地锁"}, [12]int{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}},
	{"物业管理", []string{"物业服务", "物业收费"}, [12]int{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}},
	{"垃圾分类", []string{"垃圾分类", "垃圾清运"}, [12]int{6, 6, 6, 6, 7, 8, 8, 8, 7, 6, 6, 6}},
	{"装修及无主垃圾", []string{"装修垃圾", "大件垃圾"}, [12]int{2, 2, 4, 5, 5, 4, 4, 4, 4, 3, 2, 2}},
	{"噪声扰民", []string{"噪音扰民", "施工噪声", "广场舞"}, [12]int{3, 3, 4, 5, 8, 10, 11, 10, 7, 4, 3, 3}},
	{"养老及日间照料", []string{"养老服务", "老年餐桌", "日间照料"}, [12]int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}},
	{"供暖", []string{"供暖/暖气不热", "采暖"}, [12]int{16, 12, 6, 0, 0, 0, 0, 0, 0, 2, 14, 18}},
	{"公共空间占用", []string{"楼道堆物", "占道经营"}, [12]int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}},
	{"老旧小区设施", []string{"加装电梯", "屋顶漏水"}, [12]int{2, 2, 2, 3, 3, 5, 6, 6, 3, 2, 2, 2}},
	{"水电气", []string{"停水", "燃气"}, [12]int{2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 2, 2}},
	{"安全隐患", []string{"电动车充电", "消防通道"}, [12]int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
	{"邻里纠纷", []string{"邻里纠纷"}, [12]int{1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1}},
	{"维修资金", []string{"专项维修资金"}, [12]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
}

// hotlineUnmapped are categories no kind covers (reported, not ranked).
var hotlineUnmapped = []string{"宠物饲养", "其他事项"}

var hotlineSource = &source{name: "hotline_export", dataset: "hotline_ticket", format: "csv", encoding: "utf-8", prefix: "hotline_", ext: ".csv",
	header: []string{"工单编号", "受理时间", "渠道", "社区编码", "所属区域", "事发地址", "诉求类别", "诉求内容", "办理状态", "办结时间", "满意度", "合并工单号", "来电号码", "来电人身份证号", "更新时间"},
	key:    []string{"工单编号"}, rows: (*generator).hotline}

// hotlineCount is one (community, kind) cell of the truth while generating.
type hotlineCount struct{ cases, calls, resolved, prev, addressOnly int }

// HotlineKind is the problem kind the export's category stands for ("" for
// the unmapped ones), by the generator's own table.
func HotlineKind(category string) string {
	for _, k := range hotlineKinds {
		for _, w := range k.wordings {
			if w == category {
				return k.kind
			}
		}
	}
	return ""
}

// hotline writes the tickets of a block's households and counts them.
func (g *generator) hotline(r *rand.Rand, x *extract, b *block) {
	end := g.w.asOf.AddDate(0, 0, -40) // cases begin 40 days before AsOf at the latest
	year := end.In(cst).Year()
	if g.hotlineCounts == nil {
		g.hotlineCounts = map[string]map[string]*hotlineCount{}
	}
	for _, h := range b.households {
		for _, y := range []int{year - 1, year} {
			n := 0
			switch p := r.IntN(100); {
			case p < 45:
				n = 1
			case p < 60:
				n = 2
			case p < 63:
				n = 4
			}
			for range n {
				g.hotlineCase(r, x, h, y, end)
			}
		}
	}
	if len(x.rows) > 0 {
		x.addDuplicates(r, 2) // a re-sent export line is one ticket
	}
}

// hotlineCase writes the calls of one case of household h in year y.
func (g *generator) hotlineCase(r *rand.Rand, x *extract, h *household, y int, end time.Time) {
	month := g.hotlineMonth(r, y, end)
	if month == 0 {
		return
	}
	k := r.IntN(len(hotlineKinds))
	for hotlineKinds[k].months[month-1] <= r.IntN(18) {
		k = r.IntN(len(hotlineKinds))
	}
	kind, category := hotlineKinds[k].kind, pick(r, hotlineKinds[k].wordings)
	if r.IntN(100) < 4 {
		kind, category = "", pick(r, hotlineUnmapped)
	}
	g.hotlineSeq++
	seq := g.hotlineSeq
	first := time.Date(y, time.Month(month), 1+r.IntN(28), 8+r.IntN(11), r.IntN(60), r.IntN(60), 0, cst)
	calls := 1
	if r.IntN(100) < 30 {
		calls = 2 + r.IntN(3)
	}
	caller, caseID := fmt.Sprintf("139%08d", seq), ""
	switch p := r.IntN(100); {
	case p < 20:
		caseID, caller = fmt.Sprintf("HB%d%06d", y, seq), ""
	case p < 30:
		caller, calls = "", 1 // anonymous: one call, one case
	}
	// Most problems are where the caller lives; a few are at 光华里5号院,
	// which the ticket names by its address only.
	community, code, area, address := h.comm.code, h.comm.code, "朝阳区"+h.comm.street.name+h.comm.name, h.address
	if r.IntN(100) < 3 {
		community, code, area, address = HotlineAddressCommunity, "", "", "朝阳区建外街道"+HotlineAddressOnly+fmt.Sprintf("%d号楼", 1+r.IntN(12))
	}
	resolved := r.IntN(100) < 80
	t := first
	for c := range calls {
		if c > 0 {
			t = t.Add(time.Duration(1+r.IntN(9))*24*time.Hour + time.Duration(r.IntN(3600))*time.Second)
		}
		status, closed, satisfaction := "办理中", "", ""
		if resolved {
			status = "已办结"
			closed = t.Add(time.Duration(12+r.IntN(24*12)) * time.Hour).Format("2006-01-02 15:04:05")
			satisfaction = pick(r, []string{"满意", "满意", "基本满意", "不满意"})
		}
		updated := t.Add(20 * 24 * time.Hour).Format("2006-01-02 15:04:05")
		x.add(fmt.Sprintf("GD%d%07d%d", y, seq, c), t.Format("2006-01-02 15:04:05"), pick(r, []string{"12345热线", "12345热线", "12345热线", "微信", "12333热线", "来访"}),
			code, area, address, category, "来电反映"+category+"问题", status, closed, satisfaction, caseID, caller, "", updated)
	}
	cells := g.hotlineCounts[community]
	if cells == nil {
		cells = map[string]*hotlineCount{}
		g.hotlineCounts[community] = cells
	}
	cell := cells[kind]
	if cell == nil {
		cell = &hotlineCount{}
		cells[kind] = cell
	}
	if y < end.In(cst).Year() {
		cell.prev++
		return
	}
	cell.cases++
	cell.calls += calls
	if resolved {
		cell.resolved++
	}
	if code == "" {
		cell.addressOnly++
	}
	g.hotlineMonths[0][month-1]++
	g.hotlineMonths[1][month-1] += calls
}

// hotlineMonth draws the month of a case in year y (1..12), only months
// that end 40 days before AsOf; 0 when none does.
func (g *generator) hotlineMonth(r *rand.Rand, y int, end time.Time) int {
	last := 12
	if e := end.In(cst); e.Year() == y {
		last = int(e.Month()) - 1
	}
	if last < 1 {
		return 0
	}
	return 1 + r.IntN(last)
}

// hotlineTruth ranks the counted cells of each community.
func (g *generator) hotlineTruth() *HotlineTruth {
	t := &HotlineTruth{Year: g.w.asOf.AddDate(0, 0, -40).In(cst).Year(), Communities: []HotlineCommunity{},
		CasesByMonth: g.hotlineMonths[0], CallsByMonth: g.hotlineMonths[1]}
	for code, cells := range g.hotlineCounts {
		c := HotlineCommunity{Code: code}
		for kind, cell := range cells {
			c.Cases += cell.cases
			c.Calls += cell.calls
			c.Resolved += cell.resolved
			c.AddressOnly += cell.addressOnly
			if kind == "" {
				c.Unmapped += cell.cases
				continue
			}
			if cell.cases > 0 {
				c.Top = append(c.Top, HotlineProblem{Kind: kind, Cases: cell.cases, Calls: cell.calls, Resolved: cell.resolved, PreviousYearCases: cell.prev})
			}
		}
		sort.Slice(c.Top, func(i, j int) bool {
			a, b := c.Top[i], c.Top[j]
			if a.Cases != b.Cases {
				return a.Cases > b.Cases
			}
			if a.Calls != b.Calls {
				return a.Calls > b.Calls
			}
			return a.Kind < b.Kind
		})
		if len(c.Top) > 10 {
			c.Top = c.Top[:10]
		}
		t.Communities = append(t.Communities, c)
	}
	sort.Slice(t.Communities, func(i, j int) bool { return t.Communities[i].Code < t.Communities[j].Code })
	return t
}
