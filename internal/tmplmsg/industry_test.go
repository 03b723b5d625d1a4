package tmplmsg

import "testing"

func TestIndustryNames(t *testing.T) {
	for n, i := range Industries {
		if i.Code != n+1 || i.First == "" || i.Second == "" || i.FirstZh == "" || i.SecondZh == "" {
			t.Fatalf("industry %d: %+v", n+1, i)
		}
		// Each industry is found by the names the API gives, in either language.
		if got, ok := IndustryByName(i.FirstZh, i.SecondZh); !ok || got.Code != i.Code {
			t.Errorf("%s: found %d %v", i.NameZh(), got.Code, ok)
		}
		if got, ok := IndustryByName(i.First, i.Second); !ok || got.Code != i.Code {
			t.Errorf("%s: found %d %v", i.Name(), got.Code, ok)
		}
	}
	// WeChat's get_industry example, and the spellings of its industry table.
	for _, c := range []struct {
		first, second string
		code          int
	}{
		{"运输与仓储", "快递", 13},
		{"IT科技", "互联网|电子商务", 1},
		{"IT科技", "互联网/电子商务", 1},
		{"金融业", "基金理财信托", 8},
		{"金融业", "基金|理财|信托", 8},
		{"政府与公共事业", "公共事业非盈利机构", 21},
		{" 其他 ", "其它", 41},
		{"finance", "BANKING", 7},
	} {
		if got, ok := IndustryByName(c.first, c.second); !ok || got.Code != c.code {
			t.Errorf("%q / %q: found %d %v, want %d", c.first, c.second, got.Code, ok, c.code)
		}
	}
	if _, ok := IndustryByName("IT科技", "银行"); ok {
		t.Error("a first class with another's second class was found")
	}
	if i, _ := IndustryByCode(1); i.NameZh() != "IT科技 / 互联网|电子商务" || i.Name() != "IT & Technology / Internet & E-commerce" {
		t.Errorf("industry 1: %q, %q", i.NameZh(), i.Name())
	}
}
