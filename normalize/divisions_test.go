package normalize

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestEmbeddedDivisionsMatchShared(t *testing.T) {
	for name, embedded := range map[string][]byte{"areas.csv": areasCSV, "gb2260_timeline_1980_2019.tsv": timelineTSV} {
		shared, err := os.ReadFile("/work/shared/data/divisions/" + name)
		if err != nil {
			t.Skipf("shared data not available: %v", err)
		}
		if !bytes.Equal(shared, embedded) {
			t.Fatalf("divisions/%s differs from the shared copy", name)
		}
	}
}

func TestCounty(t *testing.T) {
	d := DefaultDivisions()
	f := func(code, name string, current, known bool) {
		t.Helper()
		n, c, k := d.County(code)
		if n != name || c != current || k != known {
			t.Fatalf("County(%q) = %q, %v, %v, want %q, %v, %v", code, n, c, k, name, current, known)
		}
	}
	f("110101", "东城区", true, true)
	f("110103", "崇文区", false, true) // merged into 东城区 in 2010
	f("440524", "潮阳县", false, true)
	f("110000", "北京市", false, true) // province level: timeline only
	f("110199", "", false, false)
	f("", "", false, false)
}

func TestDivision(t *testing.T) {
	d := DefaultDivisions()
	ok := func(in, want string) {
		t.Helper()
		got, err := d.Division(in)
		if err != nil || got != want {
			t.Fatalf("Division(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	ok("110101", "110101")
	ok(" １１０１０１ ", "110101")
	ok("110101001", "110101001")
	ok("110101001001", "110101001001")
	ok("110103", "110103") // abolished but known

	bad := func(in, reason string) {
		t.Helper()
		_, err := d.Division(in)
		var e *Error
		if !errors.As(err, &e) || e.Field != FieldDivisionCode || !strings.Contains(e.Reason, reason) {
			t.Fatalf("Division(%q): got %v, want reason containing %q", in, err, reason)
		}
	}
	bad("", "empty")
	bad("11010", "want 6, 9 or 12")
	bad("1101010010", "want 6, 9 or 12")
	bad("11010a", "digits")
	bad("110199", "not a known division")
	bad("999999001", "not a known division")
}

func TestLoadDivisions(t *testing.T) {
	d, err := LoadDivisions(strings.NewReader("code,name,cityCode,provinceCode\n123456,\"甲区\",1234,12\n"),
		strings.NewReader("code\tname\tfirst\tlast\tn\n654321\t旧名\t198012\t199012\t11\n654321\t新名\t199112\t201904\t20\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n, c, k := d.County("654321"); n != "新名" || c || !k {
		t.Fatalf("County = %q, %v, %v, want the latest name, historical", n, c, k)
	}
	if _, err := LoadDivisions(nil, strings.NewReader("code\tname\tfirst\tlast\n110101\tx\t1980\t2019\n")); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{
		{"code,name\n12345,x\n", ""},
		{"code,name\n\"unterminated\n", ""},
		{"", "code\tname\tfirst\tlast\n110101\tx\t1980\n"},
		{"", "code\tname\tfirst\tlast\n110101\tx\t1980\tlater\n"},
		{"code,name\n", "code\n"},
	} {
		if _, err := LoadDivisions(strings.NewReader(c[0]), strings.NewReader(c[1])); err == nil {
			t.Fatalf("LoadDivisions(%q, %q): want error", c[0], c[1])
		}
	}
}

func FuzzDivision(f *testing.F) {
	for _, s := range []string{"110101", "110101001", "110101001001", "110199", "", "１１０１０１"} {
		f.Add(s)
	}
	d := DefaultDivisions()
	f.Fuzz(func(t *testing.T, in string) {
		got, err := d.Division(in)
		if err != nil {
			if e := (*Error)(nil); !errors.As(err, &e) || e.Field != FieldDivisionCode {
				t.Fatalf("Division(%q): error %v is not a division_code *Error", in, err)
			}
			return
		}
		if _, _, known := d.County(got[:6]); !known || !isDigits(got) {
			t.Fatalf("Division(%q) = %q: not known digits", in, got)
		}
		if again, err := d.Division(got); err != nil || again != got {
			t.Fatalf("Division(%q) = %q, which re-normalizes to %q, %v", in, got, again, err)
		}
	})
}
