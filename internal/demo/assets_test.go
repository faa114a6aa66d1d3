package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAssetIDsAreUnique: the asset source's record key is the registry
// number, so two assets with one number would load as one record and the
// truth would count a vehicle (or home, or deposit) the hub does not have.
// Numbers stay unique far past the point where plates once repeated (above
// ~10,000 households, 30,000 assets).
func TestAssetIDsAreUnique(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]string{}
	for _, kind := range []string{"real_estate", "vehicle", "deposit"} {
		for n := 1; n <= 300000; n++ {
			id := assetID(r, kind, n, 2020)
			if prev, dup := seen[id]; dup {
				t.Fatalf("%s asset %d has the number %s of %s", kind, n, id, prev)
			}
			seen[id] = fmt.Sprintf("%s asset %d", kind, n)
		}
	}
	if id := assetID(r, "vehicle", 7, 2020); len([]rune(id)) != 7 || !strings.HasPrefix(id, "京") || !strings.HasSuffix(id, "00007") {
		t.Fatalf("vehicle plate %q, want 京, a letter and five digits", id)
	}
	_, b, err := build(Options{Seed: 1, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range b.assets {
		if ids[a.assetID] {
			t.Fatalf("asset number %s generated twice", a.assetID)
		}
		ids[a.assetID] = true
	}
}
