package hotline

import (
	"strings"
	"testing"
	"time"
)

func TestTaxonomyKind(t *testing.T) {
	tax := NewTaxonomy(map[string]string{"宠物扰民": KindNoise, "社区活动": "文体活动"})
	f := func(category, want string, mapped bool) {
		t.Helper()
		got, ok := tax.Kind(category)
		if got != want || ok != mapped {
			t.Errorf("Kind(%q) = %q, %v; want %q, %v", category, got, ok, want, mapped)
		}
	}
	f("停车难", KindParking, true)
	f(" 停车难 ", KindParking, true)
	f("城市管理/停车难问题", KindParking, true) // longest contained category
	f("供暖－暖气不热", KindHeating, true)
	f("ＷＩＦＩ", "", false)
	f("宠物扰民", KindNoise, true) // config overrides the default 扰民 match
	f("社区活动", "文体活动", true)    // config adds a kind
	f("装修垃圾清运", KindRenovation, true)
	f("其他", "", false)
	f("", "", false)
	f("   ", "", false)
}

func TestCommitteesValidate(t *testing.T) {
	tax := NewTaxonomy(nil)
	if _, err := NewCommittees(DefaultCommittees, tax); err != nil {
		t.Fatalf("default committees: %v", err)
	}
	f := func(list []Committee, overrides map[string]string, want string) {
		t.Helper()
		_, err := NewCommittees(list, NewTaxonomy(overrides))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewCommittees: %v, want an error containing %q", err, want)
		}
	}
	f(DefaultCommittees, map[string]string{"社区活动": "文体活动"}, `kind "文体活动" has no committee`)
	f(append(DefaultCommittees[:5:5], Committee{Name: "公共环境委员会", Kinds: []string{KindGarbage, KindParking}}), nil, "owned by two committees")
	f([]Committee{{Name: "x", Kinds: []string{"不存在"}}}, nil, "is in no category mapping")
	f([]Committee{{Name: "", Kinds: nil}}, nil, "name is required")
	c, _ := NewCommittees(DefaultCommittees, tax)
	if c.Of(KindGarbage) != "公共环境委员会" || c.Of(KindDispute) != "安全与民调委员会" {
		t.Errorf("garbage → %s, disputes → %s", c.Of(KindGarbage), c.Of(KindDispute))
	}
}

func TestResolve(t *testing.T) {
	communities := map[string]string{"110105026001": "花家地社区", "110105026002": "望京西园社区",
		"110105001001": "光华社区", "110105002001": "光华社区", "110105": "朝阳区"}
	streets := map[string]string{"110105001": "建外街道", "110105002": "朝外街道"}
	r, err := NewResolver(communities, streets, map[string]string{"望京花园": "110105026002"})
	if err != nil {
		t.Fatal(err)
	}
	f := func(code, area, address, want, how string) {
		t.Helper()
		got, gotHow := r.Resolve(code, area, address)
		if got != want || gotHow != how {
			t.Errorf("Resolve(%q, %q, %q) = %q, %q; want %q, %q", code, area, address, got, gotHow, want, how)
		}
	}
	f("110105026001", "", "", "110105026001", ByCode)
	f("110105026", "望京街道花家地社区", "", "110105026001", ByArea) // a street code is not a community
	f("", "北京市朝阳区望京街道 花家地社区", "", "110105026001", ByArea)
	f("", "", "朝阳区望京花园3号楼2单元", "110105026002", ByAddress)
	f("", "建外街道光华社区", "", "110105001001", ByArea) // same name, told apart by the street
	f("", "光华社区", "", "", ByNone)                 // ambiguous
	f("", "望京街道", "某路1号", "", ByNone)
	f("", "", "", "", ByNone)
	if _, err := NewResolver(nil, nil, map[string]string{"x": "1101"}); err == nil {
		t.Error("a mapping to a 4-digit code was accepted")
	}
}

func TestGroupCases(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	calls := []Call{
		{RecordKey: "1", Caller: "13800000001", Kind: KindParking, Community: "A", Time: day(0)},
		{RecordKey: "2", Caller: "13800000001", Kind: KindParking, Community: "A", Time: day(20)},
		{RecordKey: "3", Caller: "13800000001", Kind: KindParking, Community: "A", Time: day(45), Status: StatusClosed, ClosedTime: day(48)}, // within 30 days of the previous call
		{RecordKey: "4", Caller: "13800000001", Kind: KindParking, Community: "A", Time: day(90)},                                            // a new case
		{RecordKey: "5", Caller: "13800000001", Kind: KindNoise, Community: "A", Time: day(1)},                                               // another kind
		{RecordKey: "6", CaseID: "C1", Caller: "1", Kind: KindHeating, Community: "B", Time: day(2)},
		{RecordKey: "7", CaseID: "C1", Caller: "2", Kind: KindHeating, Community: "B", Time: day(200), Status: StatusClosed},
		{RecordKey: "8", Kind: KindHeating, Community: "B", Time: day(3)}, // anonymous: alone
		{RecordKey: "9", Kind: KindHeating, Community: "B", Time: day(3)},
		{RecordKey: "10", Caller: "13800000001", Category: "宠物", Community: "A", Time: day(5)},
		{RecordKey: "11", Caller: "13800000001", Category: "鸽子", Community: "A", Time: day(6)}, // unmapped categories kept apart
	}
	cases := GroupCases(calls, 30*24*time.Hour)
	if len(cases) != 8 {
		t.Fatalf("%d cases, want 8: %+v", len(cases), cases)
	}
	first := cases[0]
	if first.Calls != 3 || !first.Resolved || first.Kind != KindParking {
		t.Errorf("first case %+v: want 3 calls, resolved, parking", first)
	}
	if d, ok := first.DaysToClose(); !ok || d != 48 {
		t.Errorf("days to close %v %v, want 48", d, ok)
	}
	var c1 Case
	for _, c := range cases {
		if c.Community == "B" && c.Calls == 2 {
			c1 = c
		}
	}
	if !c1.Resolved {
		t.Errorf("case id C1 did not form one resolved case of 2 calls: %+v", cases)
	}
	if _, ok := c1.DaysToClose(); ok {
		t.Error("a case closed without a closed time has days to close")
	}
}

func TestMedian(t *testing.T) {
	f := func(xs []float64, want float64) {
		t.Helper()
		if got := Median(xs); got != want {
			t.Errorf("Median(%v) = %v, want %v", xs, got, want)
		}
	}
	f(nil, 0)
	f([]float64{3}, 3)
	f([]float64{4, 1, 3}, 3)
	f([]float64{4, 1, 3, 2}, 2.5)
}

func TestRank(t *testing.T) {
	cm, _ := NewCommittees(DefaultCommittees, NewTaxonomy(nil))
	cur := map[string]KindStats{"": {Cases: 5, Calls: 6}}
	prev := map[string]KindStats{KindParking: {Kind: KindParking, Cases: 40}}
	for i, k := range DefaultKinds {
		cur[k] = KindStats{Kind: k, Cases: int64(100 - i*5), Calls: int64(110 - i*5), Resolved: int64(50 - i), Closed: 3, MedianDays: 3.456}
	}
	r := Rank(2026, cur, prev, cm)
	if len(r.Problems) != TopN || r.Problems[0].Kind != KindProperty || r.Problems[1].Kind != KindParking {
		t.Fatalf("problems %+v", r.Problems)
	}
	p := r.Problems[1]
	if p.Committee != "公共事业发展委员会" || p.ChangeVsPreviousYear == nil || *p.ChangeVsPreviousYear != 1.375 ||
		*p.MedianDaysToClose != 3.5 || p.ResolvedShare != round(49.0/95, 4) || p.Share != round(95.0/float64(r.Cases), 4) {
		t.Errorf("parking %+v", p)
	}
	if r.Problems[0].ChangeVsPreviousYear != nil {
		t.Error("a change against a previous year without cases")
	}
	if r.Unmapped.Cases != 5 || r.Unmapped.Calls != 6 {
		t.Errorf("unmapped %+v", r.Unmapped)
	}
	// Ties: cases, then calls, then kind.
	r = Rank(2026, map[string]KindStats{"b": {Kind: "b", Cases: 2, Calls: 2}, "a": {Kind: "a", Cases: 2, Calls: 2}, "c": {Kind: "c", Cases: 2, Calls: 3}}, nil, cm)
	if got := r.Problems[0].Kind + r.Problems[1].Kind + r.Problems[2].Kind; got != "cab" {
		t.Errorf("tie order %s, want cab", got)
	}
}

func TestConfigValidate(t *testing.T) {
	f := func(mod func(*Config), want string) {
		t.Helper()
		c := DefaultConfig()
		mod(&c)
		err := c.Validate()
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("Validate: %v, want %q", err, want)
		}
	}
	f(func(*Config) {}, "")
	f(func(c *Config) { c.CaseWindowDays = 0 }, "case_window_days")
	f(func(c *Config) { c.SuppressBelow = 3 }, "suppress_below must be at least 5")
	f(func(c *Config) { c.Places = map[string]string{"望京": "11010502600"} }, "not a 12-digit community code")
	f(func(c *Config) { c.Categories = map[string]string{"社区活动": "文体活动"} }, `kind "文体活动" has no committee`)
	f(func(c *Config) {
		c.Categories = map[string]string{"社区活动": "文体活动"}
		c.Committees = append(append([]Committee(nil), DefaultCommittees...), Committee{Name: "文体委员会", Kinds: []string{"文体活动"}})
	}, "")
}
