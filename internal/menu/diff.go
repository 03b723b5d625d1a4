package menu

import (
	"strconv"

	"github.com/heraldoa/herald/internal/errs"
)

// Diff describes, one line each, how the menus of snapshot to differ from
// those of from, in English (the command line): Changes, written.
func Diff(from, to Snapshot, tagName func(tagID string) string) []string {
	ch := Changes(from, to, tagName)
	out := make([]string, len(ch))
	for i, c := range ch {
		out[i] = c.String()
	}
	return out
}

// Changes describes, one phrase each, how the menus of snapshot to differ
// from those of from: menus added or removed, buttons added, removed,
// renamed, reordered or changed (what they do). Buttons are matched by
// name at each level, then by position for renames; conditional menus by
// their rule. tagName names a tag id for the reader (nil: "tag N"). Each
// change is a text of the catalogue (domain.json) with its values, for a
// face to write in the reader's language; names and keys are
// errs.Content.
func Changes(from, to Snapshot, tagName func(tagID string) string) []errs.Phrase {
	if tagName == nil {
		tagName = func(id string) string { return "tag " + id }
	}
	var out []errs.Phrase
	defaultMenu := phrase("Default menu: ")
	switch {
	case from.Menu == nil && to.Menu != nil:
		out = append(out, phrase("Default menu added: %s.", names(to.Menu.Button)))
	case from.Menu != nil && to.Menu == nil:
		out = append(out, phrase("Default menu removed."))
	case from.Menu != nil && to.Menu != nil:
		out = append(out, diffButtons(defaultMenu, from.Menu.Button, to.Menu.Button)...)
	}
	ruleName := func(r *MatchRule) errs.Phrase {
		if r == nil {
			return phrase("Conditional menu")
		}
		var platform any
		switch r.ClientPlatformType {
		case "1":
			platform = errs.Text("iOS")
		case "2":
			platform = errs.Text("Android")
		case "3":
			platform = errs.Text("other platforms")
		}
		switch {
		case r.TagID != "" && platform != nil:
			return phrase(`Menu for tag "%s" on %s`, errs.Content(tagName(r.TagID)), platform)
		case r.TagID != "":
			return phrase(`Menu for tag "%s"`, errs.Content(tagName(r.TagID)))
		case platform != nil:
			return phrase("Menu for %s", platform)
		}
		return phrase("Conditional menu")
	}
	key := func(r *MatchRule) string {
		if r == nil {
			return ""
		}
		return r.TagID + "/" + r.ClientPlatformType
	}
	old := map[string]SnapshotMenu{}
	for _, m := range from.ConditionalMenu {
		if _, dup := old[key(m.MatchRule)]; !dup {
			old[key(m.MatchRule)] = m
		}
	}
	seen := map[string]bool{}
	for _, m := range to.ConditionalMenu {
		k := key(m.MatchRule)
		if seen[k] {
			continue
		}
		seen[k] = true
		o, ok := old[k]
		if !ok {
			out = append(out, phrase("%s added: %s.", ruleName(m.MatchRule), names(m.Button)))
			continue
		}
		out = append(out, diffButtons(phrase("%s: ", ruleName(m.MatchRule)), o.Button, m.Button)...)
	}
	for _, m := range from.ConditionalMenu {
		k := key(m.MatchRule)
		if !seen[k] {
			seen[k] = true
			out = append(out, phrase("%s removed.", ruleName(m.MatchRule)))
		}
	}
	return out
}

func phrase(format string, args ...any) errs.Phrase { return errs.Phrase{Format: format, Args: args} }

// quoted is a name in quotation marks, as content.
func quoted(name string) errs.Phrase { return phrase(`"%s"`, errs.Content(name)) }

func names(bs []Button) any {
	if len(bs) == 0 {
		return errs.Text("no buttons")
	}
	q := make([]any, len(bs))
	for i, b := range bs {
		q[i] = quoted(b.Name)
	}
	return errs.Enumerate(q)
}

// Action describes what a button does, for people, in English.
func Action(b Button) string { return ActionPhrase(b).String() }

// ActionPhrase describes what a button does: a text of the catalogue with
// its values (what the button names is errs.Content).
func ActionPhrase(b Button) errs.Phrase {
	c := func(s string) errs.Content { return errs.Content(s) }
	if len(b.SubButtons) > 0 {
		return phrase("a sub-menu of %s", strconv.Itoa(len(b.SubButtons)))
	}
	switch b.Type {
	case TypeClick:
		return phrase(`a click event with key "%s"`, c(b.Key))
	case TypeView:
		return phrase("a link to %s", c(b.URL))
	case TypeMiniProgram:
		return phrase("web app %s at %s", c(b.AppID), c(b.PagePath))
	case TypeMediaID, TypeViewLimited:
		return phrase("the media %s", c(b.MediaID))
	case TypeArticleID, TypeArticleViewLimited:
		return phrase("the article %s", c(b.ArticleID))
	case TypeText:
		return phrase(`the message "%s"`, c(b.Value))
	case TypeImg:
		return phrase("the image %s", c(b.Value))
	case TypeNews:
		return phrase("the article card %s", c(b.Value))
	case "":
		return phrase("nothing")
	}
	return phrase(`%s with key "%s"`, c(b.Type), c(b.Key))
}

func sameAction(a, b Button) bool {
	return a.Type == b.Type && a.Key == b.Key && a.URL == b.URL && a.MediaID == b.MediaID && a.ArticleID == b.ArticleID &&
		a.AppID == b.AppID && a.PagePath == b.PagePath && a.Value == b.Value
}

// diffButtons compares one level of buttons; prefix says which menu (and
// which sub-menu) they are in.
func diffButtons(prefix errs.Phrase, from, to []Button) []errs.Phrase {
	var out []errs.Phrase
	oldUsed := make([]bool, len(from))
	match := make([]int, len(to)) // index in from, or -1
	for i, b := range to {
		match[i] = -1
		for j, o := range from {
			if !oldUsed[j] && o.Name == b.Name {
				match[i], oldUsed[j] = j, true
				break
			}
		}
	}
	// A new name where an unmatched old button stood is a rename.
	for i := range to {
		if match[i] == -1 && i < len(from) && !oldUsed[i] {
			match[i], oldUsed[i] = i, true
			out = append(out, phrase(`%s"%s" renamed to "%s".`, prefix, errs.Content(from[i].Name), errs.Content(to[i].Name)))
		}
	}
	for j, o := range from {
		if !oldUsed[j] {
			out = append(out, phrase(`%s"%s" removed.`, prefix, errs.Content(o.Name)))
		}
	}
	var order []int
	for i, b := range to {
		j := match[i]
		if j == -1 {
			out = append(out, phrase(`%s"%s" added (%s).`, prefix, errs.Content(b.Name), ActionPhrase(b)))
			continue
		}
		order = append(order, j)
		o := from[j]
		switch subA, subB := len(o.SubButtons) > 0, len(b.SubButtons) > 0; {
		case subA && subB:
			out = append(out, diffButtons(phrase(`%s"%s" › `, prefix, errs.Content(b.Name)), o.SubButtons, b.SubButtons)...)
		case subA != subB || !sameAction(o, b):
			out = append(out, phrase(`%s"%s" now opens %s (was %s).`, prefix, errs.Content(b.Name), ActionPhrase(b), ActionPhrase(o)))
		}
	}
	for k := 1; k < len(order); k++ {
		if order[k] < order[k-1] {
			var now []any
			for i, b := range to {
				if match[i] != -1 {
					now = append(now, quoted(b.Name))
				}
			}
			out = append(out, phrase("%sorder is now %s.", prefix, errs.Enumerate(now)))
			break
		}
	}
	return out
}
