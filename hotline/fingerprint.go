package hotline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
)

// Fingerprint identifies everything that decides the ranking's counts and
// names: the case window, the category → kind table (the defaults with
// hotline.categories), the committees, and the resolver's place mapping,
// community names and street names. Two configurations that count alike
// have the same fingerprint; any change of them gives another. Precomputed
// counts (hotlinedb.Snapshots) are stored under it, so counts of an older
// configuration are never served. 64 hex digits (SHA-256).
func Fingerprint(s *Settings, r *Resolver) string {
	h := sha256.New()
	field := func(parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s", len(p), p) // length-prefixed: no two lists write the same bytes
		}
		_, _ = io.WriteString(h, ";")
	}
	field("window", s.Window.String())
	field("categories")
	for _, c := range sortedKeys(s.Taxonomy.exact) {
		field(c, s.Taxonomy.exact[c])
	}
	field("committees")
	for _, c := range s.Committees.list {
		field(append([]string{c.Name}, c.Kinds...)...)
	}
	if r != nil {
		field("places")
		for _, m := range r.mapping {
			field(m.text, m.code)
		}
		field("names")
		for _, n := range sortedKeys(r.byName) {
			field(append([]string{n}, r.byName[n]...)...)
		}
		field("streets")
		for _, c := range sortedKeys(r.streets) {
			field(c, r.streets[c])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
