package menu

import (
	"fmt"
	"strings"
)

// Diff describes, one line each, how the menus of snapshot to differ from
// those of from: menus added or removed, buttons added, removed, renamed,
// reordered or changed (what they do). Buttons are matched by name at
// each level, then by position for renames; conditional menus by their
// rule. tagName names a tag id for the reader (nil: "tag N").
func Diff(from, to Snapshot, tagName func(tagID string) string) []string {
	if tagName == nil {
		tagName = func(id string) string { return "tag " + id }
	}
	var out []string
	switch {
	case from.Menu == nil && to.Menu != nil:
		out = append(out, fmt.Sprintf("Default menu added: %s.", names(to.Menu.Button)))
	case from.Menu != nil && to.Menu == nil:
		out = append(out, "Default menu removed.")
	case from.Menu != nil && to.Menu != nil:
		out = append(out, diffButtons("Default menu: ", from.Menu.Button, to.Menu.Button)...)
	}
	ruleName := func(r *MatchRule) string {
		if r == nil {
			return "conditional menu"
		}
		var parts []string
		if r.TagID != "" {
			parts = append(parts, fmt.Sprintf("tag %q", tagName(r.TagID)))
		}
		switch r.ClientPlatformType {
		case "1":
			parts = append(parts, "iOS")
		case "2":
			parts = append(parts, "Android")
		case "3":
			parts = append(parts, "other platforms")
		}
		return "Menu for " + strings.Join(parts, " on ")
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
			out = append(out, fmt.Sprintf("%s added: %s.", ruleName(m.MatchRule), names(m.Button)))
			continue
		}
		out = append(out, diffButtons(ruleName(m.MatchRule)+": ", o.Button, m.Button)...)
	}
	for _, m := range from.ConditionalMenu {
		k := key(m.MatchRule)
		if !seen[k] {
			seen[k] = true
			out = append(out, ruleName(m.MatchRule)+" removed.")
		}
	}
	return out
}

func names(bs []Button) string {
	if len(bs) == 0 {
		return "no buttons"
	}
	q := make([]string, len(bs))
	for i, b := range bs {
		q[i] = fmt.Sprintf("%q", b.Name)
	}
	return strings.Join(q, ", ")
}

// Action describes what a button does, for people.
func Action(b Button) string {
	if len(b.SubButtons) > 0 {
		return fmt.Sprintf("a sub-menu of %d", len(b.SubButtons))
	}
	switch b.Type {
	case TypeClick:
		return fmt.Sprintf("a click event with key %q", b.Key)
	case TypeView:
		return "a link to " + b.URL
	case TypeMiniProgram:
		return fmt.Sprintf("web app %s at %s", b.AppID, b.PagePath)
	case TypeMediaID, TypeViewLimited:
		return "the media " + b.MediaID
	case TypeArticleID, TypeArticleViewLimited:
		return "the article " + b.ArticleID
	case TypeText:
		return fmt.Sprintf("the message %q", b.Value)
	case TypeImg:
		return "the image " + b.Value
	case TypeNews:
		return "the article card " + b.Value
	case "":
		return "nothing"
	}
	return fmt.Sprintf("%s with key %q", b.Type, b.Key)
}

func sameAction(a, b Button) bool {
	return a.Type == b.Type && a.Key == b.Key && a.URL == b.URL && a.MediaID == b.MediaID && a.ArticleID == b.ArticleID &&
		a.AppID == b.AppID && a.PagePath == b.PagePath && a.Value == b.Value
}

// diffButtons compares one level of buttons.
func diffButtons(prefix string, from, to []Button) []string {
	var out []string
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
			out = append(out, fmt.Sprintf("%s%q renamed to %q.", prefix, from[i].Name, to[i].Name))
		}
	}
	for j, o := range from {
		if !oldUsed[j] {
			out = append(out, fmt.Sprintf("%s%q removed.", prefix, o.Name))
		}
	}
	var order []int
	for i, b := range to {
		j := match[i]
		if j == -1 {
			out = append(out, fmt.Sprintf("%s%q added (%s).", prefix, b.Name, Action(b)))
			continue
		}
		order = append(order, j)
		o := from[j]
		switch subA, subB := len(o.SubButtons) > 0, len(b.SubButtons) > 0; {
		case subA && subB:
			out = append(out, diffButtons(fmt.Sprintf("%s%q › ", prefix, b.Name), o.SubButtons, b.SubButtons)...)
		case subA != subB || !sameAction(o, b):
			out = append(out, fmt.Sprintf("%s%q now opens %s (was %s).", prefix, b.Name, Action(b), Action(o)))
		}
	}
	for k := 1; k < len(order); k++ {
		if order[k] < order[k-1] {
			var now []string
			for i, b := range to {
				if match[i] != -1 {
					now = append(now, fmt.Sprintf("%q", b.Name))
				}
			}
			out = append(out, fmt.Sprintf("%sorder is now %s.", prefix, strings.Join(now, ", ")))
			break
		}
	}
	return out
}
