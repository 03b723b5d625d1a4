// Package i18n translates Herald's human faces: one message catalogue per
// language (Simplified Chinese, English and Traditional Chinese), the choice
// of a person's language, and the local formats of numbers, money and times.
//
// A message's key is its English text, written where it is shown
// ("Follow", "%d followers"); a catalogue maps the key to the language's
// text. A key missing from a catalogue shows as the English text, so a
// page is never blank; tests keep the catalogues complete.
//
// The WeChat-compatible API never goes through this package: its errmsg
// texts stay exactly as WeChat sends them, whatever the language.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is a language of the human faces, as a BCP 47 tag.
type Lang string

// The languages Herald's faces are written in.
const (
	Simplified  Lang = "zh-CN" // 简体中文
	English     Lang = "en"
	Traditional Lang = "zh-TW" // 繁體中文
)

// Langs are the languages offered, in the order a switcher lists them.
var Langs = []Lang{Simplified, English, Traditional}

// Name is the language's own name for itself, as a switcher shows it.
func (l Lang) Name() string {
	switch l {
	case Simplified:
		return "简体中文"
	case Traditional:
		return "繁體中文"
	}
	return "English"
}

// Tag is the language as a language.Tag.
func (l Lang) Tag() language.Tag { return language.MustParse(string(l)) }

// Parse returns the language a stored or submitted value names: a BCP 47
// tag ("zh-CN") or a WeChat-style setting ("zh_CN"); ok is false for
// anything else.
func Parse(s string) (Lang, bool) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")) {
	case "zh-cn", "zh-hans", "zh-hans-cn", "zh":
		return Simplified, true
	case "zh-tw", "zh-hant", "zh-hant-tw", "zh-hk":
		return Traditional, true
	case "en", "en-us", "en-gb":
		return English, true
	}
	return "", false
}

// Setting is the language as a person's stored setting ("zh_CN", "en",
// "zh_TW": WeChat's spelling, which the API reports in user/info).
func (l Lang) Setting() string { return strings.ReplaceAll(string(l), "-", "_") }

var matcher = language.NewMatcher([]language.Tag{
	language.MustParse("zh-CN"), // the first is the default
	language.English,
	language.MustParse("zh-TW"),
})

// Negotiate picks the language for a request: the person's saved setting
// if there is one, then the language chosen in the switcher (a cookie),
// then the browser's Accept-Language; Simplified Chinese when none of them
// names a language Herald has.
func Negotiate(setting, cookie, acceptLanguage string) Lang {
	for _, s := range []string{setting, cookie} {
		if l, ok := Parse(s); ok {
			return l
		}
	}
	if strings.TrimSpace(acceptLanguage) == "" {
		return Simplified
	}
	tag, _ := language.MatchStrings(matcher, acceptLanguage)
	base, _ := tag.Base()
	if base.String() == "en" {
		return English
	}
	if s, _ := tag.Script(); s.String() == "Hant" {
		return Traditional
	}
	if r, _ := tag.Region(); r.String() == "TW" || r.String() == "HK" || r.String() == "MO" {
		return Traditional
	}
	return Simplified
}

//go:embed locales
var localeFiles embed.FS

// Catalog holds the messages of every language. A language's files are
// read the first time it is asked for (its Locale, Keys, Has or Area):
// Builtin reads English at once and the Chinese catalogues when a page or
// message first needs them, since a process that serves one language
// (the emulator, a test) would otherwise keep three catalogues (1 MB of
// memory each) for one. Load reads every language.
type Catalog struct {
	fsys    fs.FS
	dir     string
	builder *catalog.Builder
	langs   map[Lang]*langCatalog // one per language of Langs, never changed after newCatalog
}

// langCatalog is one language's messages, read once.
type langCatalog struct {
	once    sync.Once
	err     error
	areas   map[string]string // every key → its file ("follower.json")
	plain   map[string]string // texts without values: key → text, given without formatting
	raw     map[string]string // every text that is not plural forms, as written
	printer *message.Printer
}

func newCatalog(fsys fs.FS, dir string) *Catalog {
	c := &Catalog{fsys: fsys, dir: dir, builder: catalog.NewBuilder(catalog.Fallback(language.English)), langs: map[Lang]*langCatalog{}}
	for _, l := range Langs {
		c.langs[l] = &langCatalog{}
	}
	return c
}

// Load reads catalogues from dir in fsys: one folder per language named
// after its tag (zh-CN), holding one JSON file per area of Herald
// (common.json, follower.json, console.json, ...), so that translators of
// different areas never edit the same file. A language's files are merged;
// a key in two files of one language is an error naming both. A file is a
// JSON object from key to text; a text that depends on a count is an
// object of plural forms ("one", "other", ...) chosen by the first
// argument, or by the one its "count" names (counted from 1).
func Load(fsys fs.FS, dir string) (*Catalog, error) {
	c := newCatalog(fsys, dir)
	if err := c.Check(); err != nil {
		return nil, err
	}
	return c, nil
}

// Check reads every language's catalogue (those not read yet) and returns
// the first error.
func (c *Catalog) Check() error {
	for _, l := range Langs {
		if err := c.lang(l).err; err != nil {
			return err
		}
	}
	return nil
}

// lang returns l's messages, read on first use; nil for a language Herald
// does not have.
func (c *Catalog) lang(l Lang) *langCatalog {
	lc := c.langs[l]
	if lc == nil {
		return nil
	}
	lc.once.Do(func() { lc.err = c.read(l, lc) })
	return lc
}

// read reads l's files into lc.
func (c *Catalog) read(l Lang, lc *langCatalog) error {
	files, err := fs.Glob(c.fsys, path.Join(c.dir, string(l), "*.json"))
	if err != nil {
		return fmt.Errorf("i18n: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("i18n: no catalogue files in %s", path.Join(c.dir, string(l)))
	}
	lc.areas = map[string]string{}
	lc.plain = map[string]string{}
	lc.raw = map[string]string{}
	from := map[string]string{} // key → the file that has it
	for _, name := range files {
		b, err := fs.ReadFile(c.fsys, name)
		if err != nil {
			return fmt.Errorf("i18n: %w", err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("i18n: %s: %w", name, err)
		}
		for key, v := range raw {
			if other, dup := from[key]; dup {
				return fmt.Errorf("i18n: %q is in both %s and %s", key, other, name)
			}
			from[key] = name
			if err := c.set(l, lc, key, v); err != nil {
				return fmt.Errorf("i18n: %s: %q: %w", name, key, err)
			}
			lc.areas[key] = path.Base(name)
		}
	}
	lc.printer = message.NewPrinter(l.Tag(), message.Catalog(c.builder))
	return nil
}

var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

func (c *Catalog) set(l Lang, lc *langCatalog, key string, v json.RawMessage) error {
	var s string
	if json.Unmarshal(v, &s) == nil {
		if s == "" {
			return fmt.Errorf("empty text")
		}
		if l == English && s == key {
			// Nearly every English text is its key, and a key no catalogue
			// has is written as the key is (as the text, in Raw, and as the
			// format, in T): keeping the text would change nothing but
			// the memory (0.5 MB).
			return nil
		}
		if !strings.Contains(key, "%") && !strings.Contains(s, "%") {
			lc.plain[key] = s
		}
		lc.raw[key] = s
		return c.builder.SetString(l.Tag(), key, s)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return fmt.Errorf("a text is a string or an object of plural forms")
	}
	count := 1 // the value, counted from 1, whose number chooses the form
	if n, ok := obj["count"]; ok {
		if err := json.Unmarshal(n, &count); err != nil || count < 1 || count > strings.Count(key, "%")-2*strings.Count(key, "%%") {
			return fmt.Errorf(`"count" is the number of the value that chooses the form, from 1`)
		}
		delete(obj, "count")
	}
	forms := map[string]string{}
	for f, raw := range obj {
		var t string
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("plural form %q is not a text", f)
		}
		forms[f] = t
	}
	if forms["other"] == "" {
		return fmt.Errorf(`plural forms need "other"`)
	}
	var cases []any
	for _, f := range pluralForms {
		if t, ok := forms[f]; ok {
			cases = append(cases, f, t)
			delete(forms, f)
		}
	}
	for f := range forms {
		return fmt.Errorf("unknown plural form %q (use zero, one, two, few, many, other)", f)
	}
	return c.builder.Set(l.Tag(), key, plural.Selectf(count, "", cases...))
}

// Keys returns the keys of a language's catalogue, sorted.
func (c *Catalog) Keys(l Lang) []string {
	lc := c.lang(l)
	if lc == nil {
		return nil
	}
	var out []string
	for k := range lc.areas {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Area is the file of l's catalogue that holds key ("follower.json").
func (c *Catalog) Area(l Lang, key string) string {
	if lc := c.lang(l); lc != nil {
		return lc.areas[key]
	}
	return ""
}

// Has reports whether l's catalogue has key.
func (c *Catalog) Has(l Lang, key string) bool {
	lc := c.lang(l)
	if lc == nil {
		return false
	}
	_, ok := lc.areas[key]
	return ok
}

// Locale is one language's way of writing: its messages and formats. A
// language Herald does not have, or whose catalogue cannot be read (the
// embedded ones are checked by tests), writes English.
func (c *Catalog) Locale(l Lang) *Locale {
	lc := c.lang(l)
	if lc == nil || lc.err != nil {
		l, lc = English, c.lang(English)
	}
	return &Locale{Lang: l, p: lc.printer, plain: lc.plain, raw: lc.raw}
}

var (
	builtin     *Catalog
	builtinErr  error
	builtinOnce sync.Once
)

// Builtin returns the catalogues embedded in Herald. It reads English
// (every other language falls back to it); the others are read when first
// asked for (Check reads them all).
func Builtin() (*Catalog, error) {
	builtinOnce.Do(func() {
		c := newCatalog(localeFiles, "locales")
		if builtinErr = c.lang(English).err; builtinErr == nil {
			builtin = c
		}
	})
	return builtin, builtinErr
}
