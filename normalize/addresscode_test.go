package normalize

import "testing"

func TestUnknownAddressCode(t *testing.T) {
	f := func(first17 string, want bool) {
		t.Helper()
		id := first17 + string(idCheckChar(first17))
		if got := UnknownAddressCode(id); got != want {
			t.Fatalf("UnknownAddressCode(%s) = %v, want %v", MaskID(id), got, want)
		}
	}
	f("11010519800101001", false) // current
	f("11010419800101001", false) // 宣武区, abolished 2010: still real
	f("11011519800101001", false) // 大兴区, after 1980 (2001): newer than the birth date, real
	f("81000019800101001", false) // Hong Kong residence permit
	f("83000019800101001", false) // Taiwan residence permit
	f("93311019800101001", false) // foreigner's permanent-residence ID
	f("11019919800101001", true)  // in no edition
	f("65999919800101001", true)
	if UnknownAddressCode("110199800101001") {
		t.Fatal("15-digit numbers are converted before the check")
	}
}
