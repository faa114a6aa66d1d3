package hotline

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCategoryKey: the key of any bytes is valid UTF-8, at most 200
// characters, idempotent, and the taxonomy maps it without panicking, to a
// kind it knows.
func FuzzCategoryKey(f *testing.F) {
	for _, s := range []string{"停车难", "城市管理/停车难问题", "ＷＩＦＩ", "\xff\xfe", "供暖－暖气不热", strings.Repeat("噪", 500), "=cmd|' /C calc'!A0"} {
		f.Add(s)
	}
	tax := NewTaxonomy(nil)
	known := map[string]bool{"": true}
	for _, k := range tax.Kinds() {
		known[k] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := CategoryKey(s)
		if !utf8.ValidString(k) || utf8.RuneCountInString(k) > maxCategoryRunes {
			t.Fatalf("CategoryKey(%q) = %q", s, k)
		}
		if CategoryKey(k) != k {
			t.Fatalf("CategoryKey is not idempotent on %q: %q → %q", s, k, CategoryKey(k))
		}
		kind, ok := tax.Kind(s)
		if !known[kind] || ok != (kind != "") {
			t.Fatalf("Kind(%q) = %q, %v", s, kind, ok)
		}
	})
}

// FuzzResolve: any area and address text resolves to a configured community
// or to none, never panicking.
func FuzzResolve(f *testing.F) {
	for _, s := range [][3]string{{"", "朝阳区望京街道花家地社区", ""}, {"110105026001", "", ""}, {"", "", "望京花园3号楼"}, {"1101050260011", "\xff", "光华社区"}} {
		f.Add(s[0], s[1], s[2])
	}
	r, err := NewResolver(map[string]string{"110105026001": "花家地社区", "110105001001": "光华社区", "110105002001": "光华社区"},
		map[string]string{"110105001": "建外街道"}, map[string]string{"望京花园": "110105026002"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code, area, address string) {
		c, how := r.Resolve(code, area, address)
		switch how {
		case ByCode:
			if len(c) != 12 || !digits(c) {
				t.Fatalf("code %q", c)
			}
		case ByArea, ByAddress:
			if !r.codes[c] {
				t.Fatalf("resolved to unknown %q", c)
			}
		case ByNone:
			if c != "" {
				t.Fatalf("unresolved with code %q", c)
			}
		}
	})
}
