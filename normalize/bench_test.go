package normalize

import "testing"

// Benchmarks of the normalizers every department record passes through
// (run: go test -run '^$' -bench . -benchmem ./normalize/). Figures are
// read by people and by `residenthub bench -parts gobench`; no test asserts
// on them.

func BenchmarkIDNumber(b *testing.B) {
	cases := []struct{ name, in string }{
		{"18digit", "11010519491231002X"},
		{"lowercase_x_padded", " 11010519491231002x "},
		{"fullwidth", "１１０１０５１９４９１２３１００２Ｘ"},
		{"15digit", "110105491231002"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := IDNumberAt(c.in, testNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkText(b *testing.B) {
	cases := []struct{ name, in string }{
		{"ascii", "Room 1203, Building 4, 88 Chaoyang Road"},
		{"address", "北京市朝阳区　建国路８８号院４号楼１２０３室"},
		{"messy", " 朝阳区\t某路\u200b 1 号\r\n\u3000 "},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Text(c.in)
			}
		})
	}
}

func BenchmarkName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Name(" 阿依古丽·买买提 "); err != nil {
			b.Fatal(err)
		}
	}
}
