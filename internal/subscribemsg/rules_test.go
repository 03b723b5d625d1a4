package subscribemsg

import (
	"strings"
	"testing"
)

func TestCheckValue(t *testing.T) {
	for _, c := range []struct {
		rule, value string
		ok          bool
	}{
		{"thing", "Green tea", true},
		{"thing", strings.Repeat("茶", 20), true},
		{"thing", strings.Repeat("茶", 21), false},
		{"thing", "", false},
		{"number", "12.50", true},
		{"number", "12a", false},
		{"number", strings.Repeat("9", 33), false},
		{"letter", "ABC", true},
		{"letter", "AB1", false},
		{"symbol", "%$#", true},
		{"symbol", "%$#@!&", false},
		{"character_string", "A1024-x", true},
		{"character_string", "订单", false},
		{"time", "2026-12-05 10:00", true},
		{"time", "15:01", true},
		{"time", "2026-12-05 10:00~2026-12-05 12:00", true},
		{"time", "tomorrow", false},
		{"date", "2026年12月05日", true},
		{"amount", "¥12.50", true},
		{"amount", "120元", true},
		{"amount", "12345678901", false},
		{"amount", "twelve", false},
		{"phone_number", "+86-10-12345678", true},
		{"phone_number", "call me", false},
		{"car_number", "粤B12345", true},
		{"car_number", "粤B123456789", false},
		{"name", "王小明", true},
		{"name", "Mei Lin", true},
		{"name", "王小明王小明王小明王小", false},
		{"name", "R2D2", false},
		{"phrase", "已发货", true},
		{"phrase", "shipped", false},
		{"enum", "x", false},
	} {
		if got := CheckValue(c.rule, c.value); got != c.ok {
			t.Errorf("CheckValue(%s, %q) = %v, want %v", c.rule, c.value, got, c.ok)
		}
	}
}

func TestParseKeywords(t *testing.T) {
	ks, err := ParseKeywords("Order number | character_string | A1024\r\n\nItem|thing\n")
	if err != nil || len(ks) != 2 || ks[0].KID != 1 || ks[1].Rule != "thing" || ks[0].Example != "A1024" {
		t.Fatalf("%+v %v", ks, err)
	}
	if _, err := ParseKeywords("just a name"); err == nil {
		t.Fatal("a line without a rule passed")
	}
}

func FuzzCheckValue(f *testing.F) {
	for _, s := range []string{"Green tea", "12.50", "2026-12-05 10:00~2026-12-05 12:00", "¥12.50", "王小明", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, r := range Rules {
			CheckValue(r, v) // must not panic
		}
		if !CheckValue("thing", v) && len([]rune(v)) <= 20 && v != "" && strings.ToValidUTF8(v, "") == v {
			t.Fatalf("thing refused %q", v)
		}
	})
}

func FuzzParseKeywords(f *testing.F) {
	f.Add("Order number | character_string | A1024\nItem|thing")
	f.Add("|||")
	f.Fuzz(func(t *testing.T, s string) {
		ks, err := ParseKeywords(s)
		if err == nil {
			for i, k := range ks {
				if k.KID != i+1 {
					t.Fatalf("kid %d at %d", k.KID, i)
				}
			}
		}
	})
}
