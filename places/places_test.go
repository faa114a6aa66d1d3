package places

import (
	"strings"
	"testing"
)

func TestPlaceNames(t *testing.T) {
	n, err := New(map[string]string{"110105026001": "花家地社区"})
	if err != nil {
		t.Fatal(err)
	}
	f := func(code, name, local string) {
		t.Helper()
		p := n.Place(code)
		if p.Name() != name || p.Local() != local {
			t.Errorf("%s: %q / %q, want %q / %q (%+v)", code, p.Name(), p.Local(), name, local, p)
		}
	}
	f("11", "北京市", "")
	f("110105", "北京市朝阳区", "朝阳区")
	f("110105026", "北京市朝阳区望京街道", "朝阳区望京街道")
	f("110105026001", "北京市朝阳区望京街道花家地社区", "朝阳区望京街道花家地社区")
	f("110105001001", "北京市朝阳区建外街道（社区代码 110105001001）", "朝阳区建外街道（社区代码 110105001001）")
	f("130102", "河北省石家庄市长安区", "长安区")
	f("110105999", "北京市朝阳区（街道代码 110105999）", "朝阳区（街道代码 110105999）")
	f("999999", "999999", "999999")
	f("abc", "abc", "abc")
	f("", "", "")
	// A county abolished since: its last name in the GB/T 2260 timeline.
	if p := n.Place("110103"); p.County != "崇文区" {
		t.Errorf("110103: %+v", p)
	}
	// Default has no community names.
	if p := Default().Place("110105026001"); p.Community != "" || !strings.HasSuffix(p.Name(), "（社区代码 110105026001）") {
		t.Errorf("default: %+v %s", p, p.Name())
	}
}

func TestNewRejectsBadCodes(t *testing.T) {
	for _, extra := range []map[string]string{{"110105": "朝阳"}, {"11010500100x": "x"}, {"110105001001": " "}} {
		if _, err := New(extra); err == nil {
			t.Errorf("%v accepted", extra)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := load(strings.NewReader("code,name\n1,北京市\n"), strings.NewReader("code,name\n1101,x\n"), strings.NewReader("code,name\n110105001,建外街道\n"))
	if err == nil || !strings.Contains(err.Error(), "provinces table line 2") {
		t.Errorf("error %v", err)
	}
}
