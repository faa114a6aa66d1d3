package eligibility

import (
	"fmt"
	"sort"
	"strings"

	"github.com/residenthub/residenthub/facts"
	"github.com/residenthub/residenthub/normalize"
)

// identityProblems returns one Missing entry per identity conflict of the
// members, "identity conflict: <field> differs between sources a and b for
// member <masked ID number>", in member and conflict order.
func identityProblems(members []*facts.Member) []string {
	var out []string
	for _, m := range members {
		for _, c := range m.IdentityConflicts {
			out = append(out, fmt.Sprintf("identity conflict: %s differs between sources %s for member %s",
				c.Field, joinAnd(c.Sources), normalize.MaskID(m.IDNumber)))
		}
	}
	return out
}

// joinAnd lists sources sorted: "a", "a and b", "a, b and c".
func joinAnd(sources []string) string {
	s := append([]string(nil), sources...)
	sort.Strings(s)
	switch len(s) {
	case 0:
		return "(not named)"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
