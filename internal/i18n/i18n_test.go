package i18n

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

func catalogue(t *testing.T) *Catalog {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every language's catalogue has exactly the keys of the English one, so
// no page shows a mix of languages.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	c := catalogue(t)
	en := c.Keys(English)
	if len(en) == 0 {
		t.Fatal("the English catalogue is empty")
	}
	for _, l := range Langs {
		for _, k := range en {
			if !c.Has(l, k) {
				t.Errorf("%s lacks %q", l, k)
			} else if a, want := c.Area(l, k), c.Area(English, k); a != want {
				t.Errorf("%s has %q in %s, English in %s", l, k, a, want)
			}
		}
		for _, k := range c.Keys(l) {
			if !c.Has(English, k) {
				t.Errorf("%s has %q, which English does not", l, k)
			}
		}
	}
}

var verbRe = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// A translation keeps the verbs of its key: a missing or extra %d would
// print "%!d(MISSING)" or drop a number on a page.
func TestTranslationsKeepTheirVerbs(t *testing.T) {
	c := catalogue(t)
	for _, l := range Langs {
		lo := c.Locale(l)
		for _, k := range c.Keys(l) {
			var args []any // one value of the right type per verb of the key
			for _, v := range verbRe.FindAllStringSubmatch(k, -1) {
				switch v[1] {
				case "%":
				case "s", "q":
					args = append(args, "x")
				default:
					args = append(args, 7)
				}
			}
			if got := lo.T(k, args...); strings.Contains(got, "%!") {
				t.Errorf("%s %q gives %q", l, k, got)
			}
		}
	}
}

func TestTextsAndPlurals(t *testing.T) {
	c := catalogue(t)
	en, zh, tw := c.Locale(English), c.Locale(Simplified), c.Locale(Traditional)
	for _, tc := range []struct {
		lo   *Locale
		key  string
		args []any
		want string
	}{
		{en, "%d followers", []any{1}, "1 follower"},
		{en, "%d followers", []any{1234}, "1,234 followers"},
		{zh, "%d followers", []any{1234}, "1,234 位关注者"},
		{tw, "%d followers", []any{2}, "2 位關注者"},
		{zh, "just now", nil, "刚刚"},
		{en, "Preview sent to %d follower(s).", []any{1}, "Preview sent to 1 follower."},
		{en, "Preview sent to %d follower(s).", []any{3}, "Preview sent to 3 followers."},
		{en, "The file has %d errors; nothing changed.", []any{1}, "The file has 1 error; nothing changed."},
		{en, "%d total · %d after filtering · %d sent · %d errors", []any{9, 2, 1, 1}, "9 total · 2 after filtering · 1 sent · errors: 1"},
		// A key no catalogue has shows as written.
		{zh, "Lotus Tea House has %s", []any{"x"}, "Lotus Tea House has x"},
	} {
		if got := tc.lo.T(tc.key, tc.args...); got != tc.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tc.lo.Lang, tc.key, tc.args, got, tc.want)
		}
	}
	var none *Locale
	if got := none.T("%d min ago", 3); got != "3 min ago" {
		t.Errorf("nil locale: %q", got)
	}
}

// English texts do not hedge a plural with "(s)": a count that can be 1
// has plural forms.
func TestEnglishHasNoHedgedPlurals(t *testing.T) {
	c := catalogue(t)
	lo := c.Locale(English)
	for _, k := range c.Keys(English) {
		if got := lo.Text(k); strings.Contains(strings.ReplaceAll(got, "http(s)", ""), "(s)") {
			t.Errorf("%q reads %q", k, got)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		setting, cookie, accept string
		want                    Lang
	}{
		{"", "", "", Simplified},
		{"", "", "en-US,en;q=0.9", English},
		{"", "", "zh-TW,zh;q=0.9,en;q=0.8", Traditional},
		{"", "", "zh-Hant-HK", Traditional},
		{"", "", "zh-CN,zh;q=0.9,en;q=0.8", Simplified},
		{"", "", "fr-FR,fr;q=0.9,en;q=0.5", English},
		{"", "", "de-DE", Simplified},
		{"", "en", "zh-CN", English},
		{"zh_TW", "en", "en", Traditional},
		{"klingon", "", "en", English},
	} {
		if got := Negotiate(tc.setting, tc.cookie, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q, %q) = %s, want %s", tc.setting, tc.cookie, tc.accept, got, tc.want)
		}
	}
	if l, ok := Parse("zh_CN"); !ok || l != Simplified || l.Setting() != "zh_CN" {
		t.Errorf("Parse(zh_CN) = %v %v", l, ok)
	}
}

func TestFormats(t *testing.T) {
	c := catalogue(t)
	en, zh := c.Locale(English), c.Locale(Simplified)
	shanghai := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 12, 5, 22, 30, 0, 0, time.UTC) // Dec 6, 06:30 in Shanghai
	for _, tc := range []struct{ got, want string }{
		{en.Money(123456), "¥1,234.56"},
		{en.Money(-100), "-¥1.00"},
		{zh.Money(5), "¥0.05"},
		{zh.Yuan(1230), "12.30 元"},
		{en.Yuan(1230), "12.30 yuan"},
		{en.Number(-1234567), "-1,234,567"},
		{en.Number(999), "999"},
		{en.Format(at, shanghai, "datetime"), "Dec 6, 2026 06:30"},
		{zh.Format(at, shanghai, "datetime"), "2026年12月6日 06:30"},
		{zh.Format(at, nil, "date"), "2026年12月5日"},
		{zh.Format(at, shanghai, "month"), "2026年12月"},
		{en.Format(at, shanghai, "month"), "December 2026"},
		{zh.Weekday(time.Monday), "星期一"},
		{en.Weekday(time.Monday), "Monday"},
		{zh.Ago(at.Add(-5*time.Minute), at, shanghai), "5 分钟前"},
		{en.Ago(at.Add(-3*time.Hour), at, shanghai), "3 h ago"},
		{zh.Ago(at.Add(-72*time.Hour), at, shanghai), "12月3日"},
		{en.Ago(at.AddDate(-1, 0, 0), at, shanghai), "Dec 6, 2025"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// A broken catalogue is refused whole, naming the file and the key.
func TestLoadRefusesBrokenCatalogues(t *testing.T) {
	good := `{"Follow": "Follow"}`
	for name, zh := range map[string]string{
		"not json":                `{"Follow": `,
		"empty text":              `{"Follow": ""}`,
		"no other":                `{"Follow": {"one": "x"}}`,
		"unknown form":            `{"Follow": {"other": "x", "several": "y"}}`,
		"not a text":              `{"Follow": 3}`,
		"count beyond the values": `{"Follow": {"count": 2, "other": "x"}}`,
		"count not a number":      `{"Follow": {"count": "2", "other": "x"}}`,
	} {
		fsys := fstest.MapFS{
			"l/en/common.json":    {Data: []byte(good)},
			"l/zh-CN/common.json": {Data: []byte(zh)},
			"l/zh-TW/common.json": {Data: []byte(good)},
		}
		_, err := Load(fsys, "l")
		if err == nil || !strings.Contains(err.Error(), "zh-CN/common.json") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Load(fstest.MapFS{"l/en/common.json": {Data: []byte(good)}}, "l"); err == nil {
		t.Error("a missing catalogue is accepted")
	}
}

// A language's catalogue is the union of its area files; a key in two of
// them is refused, naming both, so two translators cannot silently give
// one text two translations.
func TestAreaFilesMergeAndRefuseDuplicates(t *testing.T) {
	files := func(follower string) fstest.MapFS {
		fsys := fstest.MapFS{}
		for _, l := range Langs {
			fsys["l/"+string(l)+"/common.json"] = &fstest.MapFile{Data: []byte(`{"Follow": "F-` + string(l) + `"}`)}
			fsys["l/"+string(l)+"/follower.json"] = &fstest.MapFile{Data: []byte(`{"Chats": "C-` + string(l) + `"}`)}
		}
		fsys["l/zh-CN/follower.json"] = &fstest.MapFile{Data: []byte(follower)}
		return fsys
	}
	c, err := Load(files(`{"Chats": "聊天"}`), "l")
	if err != nil {
		t.Fatal(err)
	}
	zh := c.Locale(Simplified)
	if got := zh.T("Follow") + "|" + zh.T("Chats"); got != "F-zh-CN|聊天" {
		t.Errorf("merged catalogue gives %q", got)
	}
	_, err = Load(files(`{"Chats": "聊天", "Follow": "关注"}`), "l")
	if err == nil || !strings.Contains(err.Error(), "l/zh-CN/common.json") || !strings.Contains(err.Error(), "l/zh-CN/follower.json") {
		t.Errorf("a key in two files: %v", err)
	}
}

// A text without values, as most of a page's texts are, costs no
// allocation: pages call T dozens of times each.
func TestPlainTextsDoNotAllocate(t *testing.T) {
	zh := catalogue(t).Locale(Simplified)
	if got := zh.T("just now"); got != "刚刚" {
		t.Fatalf("T(just now) = %q", got)
	}
	if got := zh.Raw("%d min ago"); got != "%d 分钟前" {
		t.Errorf("Raw(%%d min ago) = %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = zh.T("just now"); _ = zh.T("A text no catalogue has") }); n != 0 {
		t.Errorf("T of a plain text allocates %.0f times", n)
	}
}

// Builtin reads English at once and the other languages when first asked
// for; every embedded catalogue reads without an error, and a language
// read late writes the same as one read first.
func TestBuiltinReadsEveryLanguage(t *testing.T) {
	if err := catalogue(t).Check(); err != nil {
		t.Fatal(err)
	}
	late := newCatalog(localeFiles, "locales")
	if got := late.Locale(Simplified).T("%d followers", 3); got != catalogue(t).Locale(Simplified).T("%d followers", 3) || got == "3 followers" {
		t.Errorf("zh-CN read on first use writes %q", got)
	}
	if got := late.Locale(Lang("fr")).Lang; got != English {
		t.Errorf("a language Herald does not have writes %s, want English", got)
	}
}

// English texts that are their key are not kept; English pages, messages
// and scripts read the same as from a catalogue that keeps every text.
func TestEnglishWritesEveryTextAsWritten(t *testing.T) {
	files, err := fs.Glob(localeFiles, "locales/en/*.json")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	full := catalog.NewBuilder(catalog.Fallback(language.English))
	texts := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(localeFiles, f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				texts[k] = s
				if err := full.SetString(language.English, k, s); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	want := message.NewPrinter(language.English, message.Catalog(full))
	en := catalogue(t).Locale(English)
	for k, s := range texts {
		if got := en.Raw(k); got != s {
			t.Errorf("Raw(%q) = %q, want %q", k, got, s)
		}
		if !strings.Contains(k, "%") {
			if got := en.Text(k); got != s {
				t.Errorf("Text(%q) = %q, want %q", k, got, s)
			}
			continue
		}
		if got, w := en.T(k, 1234567, 2, "x"), want.Sprintf(k, 1234567, 2, "x"); got != w {
			t.Errorf("T(%q) = %q, want %q", k, got, w)
		}
	}
}

// English never reads "1 days" or "1 followers": a count of 1 written
// before a plural noun needs plural forms chosen by that count (by the
// "count" of the forms when it is not the first value). Each number of
// every English text is set to 1 in turn (the others to 7) and the text
// checked for a 1 before a plural noun. A number the code fixes (a limit:
// "at most %d characters", "1 to %d buttons") is never 1 and not tried.
func TestEnglishNeverSaysOneWithAPluralNoun(t *testing.T) {
	c := catalogue(t)
	lo := c.Locale(English)
	oneThenPlural := regexp.MustCompile(`(?:^|[^\d.,:])1 ([a-z]+s)\b`)
	notPlural := map[string]bool{"is": true, "was": true, "has": true, "this": true, "its": true, "us": true, "as": true, "ms": true, "mass": true}
	limit := regexp.MustCompile(`(?i)(at most|up to|at least|longer than|more than|1 to|1 and|already has) $`)
	fixed := map[string][]int{ // numbers (from 1) the code fixes, for texts not worded as limits
		"How keyword %d matches": {1}, // a position; "matches" is the verb
		"%d of the %d followers it goes to will already have had %d mass sends in %s and will not receive it.":                                        {3}, // the cap per follower
		"The test is running: %d variants are on their way to %d followers.":                                                                          {1}, // a test has 2 to 5 variants
		"No clear winner: too few opens to tell (each variant needs at least %d opens and %d recipients who did not open). Variant %s leads with %s.": {2}, // a threshold
	}
	for _, k := range c.Keys(English) {
		verbs := verbRe.FindAllStringSubmatchIndex(k, -1)
		var counts []int // indexes in args of the numbers to try as 1
		var args []any
		for _, v := range verbs {
			switch verb := k[v[2]:v[3]]; verb {
			case "%":
			case "s", "q", "v":
				args = append(args, "x")
			default:
				if !limit.MatchString(k[:v[0]]) && !slices.Contains(fixed[k], len(args)+1) {
					counts = append(counts, len(args))
				}
				args = append(args, 7)
			}
		}
		for _, i := range counts {
			try := slices.Clone(args)
			try[i] = 1
			got := lo.T(k, try...)
			for _, m := range oneThenPlural.FindAllStringSubmatch(got, -1) {
				if !notPlural[m[1]] {
					t.Errorf("%q reads %q when value %d is 1", k, got, i+1)
				}
			}
		}
	}
	for _, tc := range []struct {
		key  string
		args []any
		want string
	}{
		{"Verified until %s (%d days).", []any{"Dec 9, 2026", 1}, "Verified until Dec 9, 2026 (1 day)."},
		{"Verified until %s (%d days).", []any{"Dec 9, 2026", 30}, "Verified until Dec 9, 2026 (30 days)."},
		{"%d%% of %d followers", []any{100, 1}, "100% of 1 follower"},
		{"%d%% of %d followers", []any{1, 200}, "1% of 200 followers"},
	} {
		if got := lo.T(tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %v) = %q, want %q", tc.key, tc.args, got, tc.want)
		}
	}
}
