package hotline

import (
	"testing"
	"time"
)

// TestFingerprint: equal configurations have one fingerprint, a change of
// anything that decides the counts or names (window, categories,
// committees, places, community or street names) gives another.
func TestFingerprint(t *testing.T) {
	names := map[string]string{"110105026001": "花家地社区", "110105026002": "望京西园社区"}
	streets := map[string]string{"110105026": "望京街道"}
	places := map[string]string{"光华里5号院": "110105026001"}
	fp := func(c Config, names, streets map[string]string) string {
		t.Helper()
		s, err := c.Settings()
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewResolver(names, streets, s.Places)
		if err != nil {
			t.Fatal(err)
		}
		return Fingerprint(s, r)
	}
	base := func() Config {
		c := DefaultConfig()
		c.Places = map[string]string{}
		for k, v := range places {
			c.Places[k] = v
		}
		return c
	}
	want := fp(base(), names, streets)
	if len(want) != 64 {
		t.Fatalf("fingerprint %q: want 64 hex digits", want)
	}
	f := func(what string, c Config, names, streets map[string]string, same bool) {
		t.Helper()
		if got := fp(c, names, streets); (got == want) != same {
			t.Errorf("%s: fingerprint %s, base %s: same = %v, want %v", what, got, want, got == want, same)
		}
	}
	f("the same configuration", base(), map[string]string{"110105026002": "望京西园社区", "110105026001": "花家地社区"}, streets, true)
	c := base()
	c.SuppressBelow, c.Refresh = 10, time.Hour
	f("suppression and refresh (counts unchanged)", c, names, streets, true)
	c = base()
	c.CaseWindowDays = 31
	f("case window", c, names, streets, false)
	c = base()
	c.Categories = map[string]string{"宠物饲养": KindNoise}
	f("a category", c, names, streets, false)
	c = base()
	c.Committees = append([]Committee(nil), DefaultCommittees...)
	c.Committees[0], c.Committees[1] = c.Committees[1], c.Committees[0]
	f("committees in another order", c, names, streets, false)
	c = base()
	c.Committees = append([]Committee(nil), DefaultCommittees...)
	c.Committees[3] = Committee{Name: "社会福利与养老委员会", Kinds: c.Committees[3].Kinds}
	f("a committee's name", c, names, streets, false)
	c = base()
	c.Places["望京花园"] = "110105026002"
	f("a place", c, names, streets, false)
	f("a community name", base(), map[string]string{"110105026001": "花家地社区", "110105026002": "望京西园二社区"}, streets, false)
	f("a street name", base(), names, map[string]string{"110105026": "望京"}, false)
}
