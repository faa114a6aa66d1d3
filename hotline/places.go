package hotline

import (
	"fmt"
	"sort"
	"strings"
)

// How a ticket's community was found (Resolver.Resolve).
const (
	ByCode       = "code"    // the feed's 12-digit GB/T 2260 community code
	ByArea       = "area"    // the area text (community name, or hotline.places)
	ByAddress    = "address" // the address text (hotline.places, or a community name in it)
	ByNone       = ""        // not resolved: counted as unresolved, never dropped
	communityLen = 12        // digits of a community (居委会/村委会) code
	streetLen    = 9         // digits of a street (街道/乡镇) code
)

// Resolver finds the community (12-digit division code, GB/T 2260 as
// extended by the National Bureau of Statistics) a ticket concerns. Read-only
// after NewResolver; safe for concurrent use.
type Resolver struct {
	mapping []placeKey          // hotline.places, longest text first
	names   []placeKey          // community names (places.names), longest first
	streets map[string]string   // 9-digit code → street name, for telling same-named communities apart
	byName  map[string][]string // community name → codes
	codes   map[string]bool     // known community codes
}

type placeKey struct{ text, code string }

// NewResolver builds a resolver from the district's community names (config
// places.names: 12-digit code → 花家地社区; other lengths are ignored), the
// street names of their 9-digit prefixes (from the public tables, may be
// nil) and the configured mapping (hotline.places: area or address text →
// 12-digit code). A mapping to something other than 12 digits is an error.
func NewResolver(communities, streets, mapping map[string]string) (*Resolver, error) {
	r := &Resolver{streets: streets, byName: map[string][]string{}, codes: map[string]bool{}}
	for code, name := range communities {
		if len(code) != communityLen || !digits(code) {
			continue
		}
		key := PlaceKey(name)
		if key == "" {
			continue
		}
		r.codes[code] = true
		if len(r.byName[key]) == 0 {
			r.names = append(r.names, placeKey{key, code})
		}
		r.byName[key] = append(r.byName[key], code)
	}
	for text, code := range mapping {
		if len(code) != communityLen || !digits(code) {
			return nil, fmt.Errorf("hotline.places %q: %q is not a 12-digit community code", text, code)
		}
		key := PlaceKey(text)
		if key == "" {
			return nil, fmt.Errorf("hotline.places: an empty place text maps to %s", code)
		}
		r.codes[code] = true
		r.mapping = append(r.mapping, placeKey{key, code})
	}
	longestFirst(r.mapping)
	longestFirst(r.names)
	for _, codes := range r.byName {
		sort.Strings(codes)
	}
	return r, nil
}

func longestFirst(ks []placeKey) {
	sort.Slice(ks, func(i, j int) bool {
		if len(ks[i].text) != len(ks[j].text) {
			return len(ks[i].text) > len(ks[j].text)
		}
		return ks[i].text < ks[j].text
	})
}

// Resolve returns the community code of a ticket and how it was found: the
// feed's code when it has 12 digits; else the area text, then the address
// text, each matched first against hotline.places (the longest configured
// text contained in it) and then against the community names (a name
// contained in it; a name several communities share is told apart by the
// street name in the same text, else left unresolved). ("", ByNone) when
// nothing matches.
func (r *Resolver) Resolve(code, area, address string) (string, string) {
	if c := strings.TrimSpace(code); len(c) == communityLen && digits(c) {
		return c, ByCode
	}
	if c := r.match(area); c != "" {
		return c, ByArea
	}
	if c := r.match(address); c != "" {
		return c, ByAddress
	}
	return "", ByNone
}

func (r *Resolver) match(text string) string {
	t := PlaceKey(text)
	if t == "" {
		return ""
	}
	for _, m := range r.mapping {
		if strings.Contains(t, m.text) {
			return m.code
		}
	}
	for _, n := range r.names {
		if !strings.Contains(t, n.text) {
			continue
		}
		codes := r.byName[n.text]
		if len(codes) == 1 {
			return codes[0]
		}
		found := ""
		for _, c := range codes {
			if s := PlaceKey(r.streets[c[:streetLen]]); s != "" && strings.Contains(t, s) {
				if found != "" {
					return ""
				}
				found = c
			}
		}
		return found
	}
	return ""
}

// PlaceKey normalizes area or address text for matching, the way
// CategoryKey does (width-folded, without blanks and separators, lower-case,
// at most 200 characters).
func PlaceKey(s string) string { return CategoryKey(s) }

func digits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
