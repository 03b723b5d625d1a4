package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/message"
)

// Locale is one language's way of writing: its messages and the formats of
// numbers, money and times. A Locale is safe for concurrent use.
type Locale struct {
	Lang  Lang
	p     *message.Printer
	plain map[string]string // texts without values, looked up without formatting
	raw   map[string]string // texts as written, verbs and all
}

// Raw returns the text of key as the catalogue writes it, its verbs not
// filled in ("正在录音… %d 秒"): for a script that fills them itself. A
// key no catalogue has, or one with plural forms, is returned as it is.
func (l *Locale) Raw(key string) string {
	if l != nil {
		if s, ok := l.raw[key]; ok {
			return s
		}
	}
	return key
}

// T returns the text of key in the locale, formatted with args as
// fmt.Sprintf does (numbers grouped by the locale's rules). A text with
// plural forms is chosen by the first argument.
func (l *Locale) T(key string, args ...any) string {
	if l == nil {
		return fmt.Sprintf(key, args...)
	}
	if len(args) == 0 && !strings.Contains(key, "%") {
		// Most texts of a page take no values: no formatting, no
		// allocation. A key no catalogue has shows as written.
		if s, ok := l.plain[key]; ok {
			return s
		}
		return key
	}
	return l.p.Sprintf(key, args...)
}

// Text returns the text of key, a key without verbs that is not written
// in the code (a page title, a flash message chosen at run time).
func (l *Locale) Text(key string) string { return l.T(key, []any(nil)...) }

// Chinese reports whether the locale writes Chinese.
func (l *Locale) Chinese() bool { return l != nil && l.Lang != English }

// Number writes an integer with the locale's digit grouping: 1,234,567.
func (l *Locale) Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Money writes an amount in fen (1/100 yuan) as people read it: ¥1,234.56
// in every language Herald has (mainland and Taiwan apps write the yuan
// sign before the amount); a negative amount as -¥1.00.
func (l *Locale) Money(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, l.Number(fen/100), fen%100)
}

// Yuan writes an amount in fen in words of the currency: "12.30 yuan",
// "12.30 元".
func (l *Locale) Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	amount := fmt.Sprintf("%s%s.%02d", sign, l.Number(fen/100), fen%100)
	if l.Chinese() {
		return amount + " 元"
	}
	return amount + " yuan"
}

var weekdaysZh = [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// Weekday writes a day of the week: Monday, 星期一.
func (l *Locale) Weekday(d time.Weekday) string {
	if l.Chinese() {
		return weekdaysZh[d]
	}
	return d.String()
}

// Layouts of the formats below, per kind of language: Chinese dates are
// written with numbers and 年月日, so no month names need translating.
var layouts = map[bool]map[string]string{
	false: {
		"date":     "Jan 2, 2006",
		"datetime": "Jan 2, 2006 15:04",
		"short":    "Jan 2 15:04",
		"month":    "January 2006",
		"day":      "Jan 2",
		"time":     "15:04",
	},
	true: {
		"date":     "2006年1月2日",
		"datetime": "2006年1月2日 15:04",
		"short":    "1月2日 15:04",
		"month":    "2006年1月",
		"day":      "1月2日",
		"time":     "15:04",
	},
}

// Format writes t in zone (UTC when nil) in one of the kinds of format:
// "date" (Dec 5, 2026 · 2026年12月5日), "datetime", "short" (without the
// year), "month" (December 2026 · 2026年12月), "day" (Dec 5 · 12月5日)
// or "time" (14:03).
func (l *Locale) Format(t time.Time, zone *time.Location, kind string) string {
	if zone == nil {
		zone = time.UTC
	}
	layout, ok := layouts[l.Chinese()][kind]
	if !ok {
		layout = layouts[l.Chinese()]["datetime"]
	}
	return t.In(zone).Format(layout)
}

// Ago writes how long before now t was, as a chat list shows it: "just
// now", "5 min ago", "3 h ago", then the day, then the date.
func (l *Locale) Ago(t, now time.Time, zone *time.Location) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("just now")
	case d < time.Hour:
		return l.T("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return l.T("%d h ago", int(d/time.Hour))
	}
	if zone == nil {
		zone = time.UTC
	}
	if t.In(zone).Year() == now.In(zone).Year() {
		return l.Format(t, zone, "day")
	}
	return l.Format(t, zone, "date")
}
