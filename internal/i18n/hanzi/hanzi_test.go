package hanzi

import "testing"

func TestSimplify(t *testing.T) {
	for in, want := range map[string]string{
		"蓮心茶舍":         "莲心茶舍",
		"莲心茶舍":         "莲心茶舍",
		"臺灣 Tea House": "台湾 Tea House",
		"Lotus":        "Lotus",
		"":             "",
	} {
		if got := Simplify(in); got != want {
			t.Errorf("Simplify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPinyin(t *testing.T) {
	for _, tc := range []struct {
		in, full, initials string
		han                int
	}{
		{"莲心茶舍", "lianxinchashe", "lxcs", 4},
		{"蓮心茶舍", "lianxinchashe", "lxcs", 4},
		{"北京 tea", "beijing tea", "bj", 2},
		{"lotus", "lotus", "", 0},
		{"银行", "yinxing", "yx", 2}, // the most common reading, not the one in context
	} {
		full, initials, han := Pinyin(tc.in)
		if full != tc.full || initials != tc.initials || han != tc.han {
			t.Errorf("Pinyin(%q) = %q %q %d, want %q %q %d", tc.in, full, initials, han, tc.full, tc.initials, tc.han)
		}
	}
}

// Every ideograph of the common block has a reading in the table, and the
// table lines up with the block (a shifted table would give "lian" for
// the wrong character).
func TestTablesLineUp(t *testing.T) {
	once.Do(load)
	if len(readings) != last-first+1 {
		t.Fatalf("%d readings, want %d", len(readings), last-first+1)
	}
	for r, want := range map[rune]string{'一': "yi", '莲': "lian", '茶': "cha", '龥': "yu"} {
		if got := readings[r-first]; got != want {
			t.Errorf("%c reads %q, want %q", r, got, want)
		}
	}
	if len(t2s) < 4000 {
		t.Errorf("only %d traditional characters", len(t2s))
	}
}
