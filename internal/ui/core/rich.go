package core

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/heraldoa/herald/internal/errs"
	"github.com/heraldoa/herald/internal/i18n"
)

// A message written for a page (a flash, a form's error, a notice) keeps
// its quotes and moments marked, so that the page shows them as elements:
// a quote (errs.Quote, content such as the rule a reviewer typed) as
// <q translate="no" lang="…">, a moment (errs.Moment) as a <time> that
// time.js writes in the viewer's zone, content written inside the
// sentence (errs.Content) as <span translate="no">. Rich turns the marks into those
// elements; the marks are private-use characters, taken out of content.
const (
	markQuote   = "\ue000"
	markMoment  = "\ue002"
	markContent = "\ue003"
	markEnd     = "\ue001"
)

var unmark = strings.NewReplacer(markQuote, "", markMoment, "", markContent, "", markEnd, "")

// PageValues writes a message's quotes and moments marked for Rich.
var PageValues = errs.Values{
	Moment:  func(t time.Time) string { return markMoment + t.UTC().Format(time.RFC3339) + markEnd },
	Quote:   func(s string) string { return markQuote + unmark.Replace(s) + markEnd },
	Content: func(s string) string { return markContent + unmark.Replace(s) + markEnd },
}

// textValues writes a message's moments for text alone (a page's title,
// a plain-text error): in l's format, in UTC, saying so. Quotes are put in
// quotation marks.
func textValues(l *i18n.Locale) errs.Values {
	return errs.Values{Moment: func(t time.Time) string { return l.Format(t, time.UTC, "datetime") + " UTC" }}
}

// MessageForPage is a user error's message in l's language, its quotes and
// moments marked for Rich.
func MessageForPage(err error, l *i18n.Locale) string { return messageWith(err, l, PageValues) }

func messageWith(err error, l *i18n.Locale, v errs.Values) string {
	var e *errs.Error
	if errors.As(err, &e) && e.Format != "" && e.Message != "" && fmt.Sprintf(e.Format, e.Args...) != e.Message {
		return e.Message
	}
	return errs.MessageWith(err, l.T, v)
}

// Rich writes a message made with PageValues as HTML: the text escaped, a
// quote as <q translate="no"> with the language of its content when it can
// be told, a moment as <time> in the viewer's zone. A message without
// marks is only escaped.
func Rich(s string) template.HTML {
	if !strings.ContainsAny(s, markQuote+markMoment+markContent) {
		return template.HTML(html.EscapeString(s))
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexAny(s, markQuote+markMoment+markContent)
		if i < 0 {
			b.WriteString(html.EscapeString(unmark.Replace(s)))
			break
		}
		b.WriteString(html.EscapeString(unmark.Replace(s[:i])))
		mark := s[i : i+len(markQuote)]
		rest := s[i+len(mark):]
		body, after, _ := strings.Cut(rest, markEnd)
		s = after
		switch mark {
		case markMoment:
			if t, err := time.Parse(time.RFC3339, body); err == nil {
				b.WriteString(string(TimeTag(t, "datetime", "")))
			}
			continue
		case markContent:
			b.WriteString(`<span translate="no">` + html.EscapeString(body) + `</span>`)
			continue
		}
		b.WriteString(`<q translate="no"`)
		if lang := ContentLang(body); lang != "" {
			b.WriteString(` lang="` + lang + `"`)
		}
		b.WriteString(`>` + html.EscapeString(body) + `</q>`)
	}
	return template.HTML(b.String())
}
