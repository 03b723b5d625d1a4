package tmplmsg

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// keyRE matches a {{name.DATA}} slot of a template's content.
var keyRE = regexp.MustCompile(`\{\{\s*([A-Za-z][A-Za-z0-9_]*)\.DATA\s*\}\}`)

// colorRE is the colour a data item may carry (#rgb or #rrggbb).
var colorRE = regexp.MustCompile(`^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)

// Keyword is one {{key.DATA}} slot of a template with the label written
// before it on its line ("Amount: {{keyword2.DATA}}" has label "Amount";
// "{{first.DATA}}" alone has none).
type Keyword struct {
	Key   string
	Label string
}

// splitLine reads one content line: label is the text before the line's
// only slot when nothing follows it.
func splitLine(line string) (label, key string, ok bool) {
	m := keyRE.FindAllStringSubmatchIndex(line, -1)
	if len(m) != 1 || strings.TrimSpace(line[m[0][1]:]) != "" {
		return "", "", false
	}
	label = strings.TrimSpace(line[:m[0][0]])
	label = strings.TrimSpace(strings.TrimRight(label, ":："))
	return label, line[m[0][2]:m[0][3]], true
}

// Keywords lists the slots of content in order, each once.
func Keywords(content string) []Keyword {
	var out []Keyword
	seen := map[string]bool{}
	for _, line := range strings.Split(content, "\n") {
		label, key, ok := splitLine(line)
		if ok {
			if !seen[key] {
				seen[key] = true
				out = append(out, Keyword{Key: key, Label: label})
			}
			continue
		}
		for _, m := range keyRE.FindAllStringSubmatch(line, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				out = append(out, Keyword{Key: m[1]})
			}
		}
	}
	return out
}

// Pick keeps the lines of content whose keyword label is in names, and
// every line without a label (first, remark, plain text). ok is false when
// a name is not a label of content.
func Pick(content string, names []string) (string, bool) {
	if len(names) == 0 {
		return content, true
	}
	want := map[string]bool{}
	for _, n := range names {
		want[strings.TrimSpace(n)] = true
	}
	found := map[string]bool{}
	var keep []string
	for _, line := range strings.Split(content, "\n") {
		label, _, ok := splitLine(line)
		if ok && label != "" {
			if !want[label] {
				continue
			}
			found[label] = true
		}
		keep = append(keep, line)
	}
	for n := range want {
		if !found[n] {
			return "", false
		}
	}
	return strings.Join(keep, "\n"), true
}

// DataItem is one value of message/template/send's data.
type DataItem struct {
	Value string `json:"value"`
	Color string `json:"color,omitempty"`
}

// Line is one line of a template card as the follower sees it.
type Line struct {
	Label string `json:"label,omitempty"`
	Value string `json:"value"`
	Color string `json:"color,omitempty"`
}

// Render fills content with data: one Line per content line, in order.
// A labelled line keeps its label even when its value is missing; a line
// without a label that comes out empty is left out. Colours that are not
// #rgb or #rrggbb are dropped.
func Render(content string, data map[string]DataItem) []Line {
	var out []Line
	for _, line := range strings.Split(content, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if label, key, ok := splitLine(line); ok {
			it := data[key]
			l := Line{Label: label, Value: it.Value, Color: color(it.Color)}
			if l.Label == "" && strings.TrimSpace(l.Value) == "" {
				continue
			}
			out = append(out, l)
			continue
		}
		var c string
		text := keyRE.ReplaceAllStringFunc(line, func(s string) string {
			it := data[keyRE.FindStringSubmatch(s)[1]]
			if c == "" {
				c = color(it.Color)
			}
			return it.Value
		})
		if strings.TrimSpace(text) != "" {
			out = append(out, Line{Value: strings.TrimSpace(text), Color: c})
		}
	}
	return out
}

func color(c string) string {
	if colorRE.MatchString(c) {
		return c
	}
	return ""
}

// MaxValueRunes is the longest value a data item may have (longer: 47003).
const MaxValueRunes = 200

// checkData returns the key of the first value that is too long, or "".
func checkData(data map[string]DataItem) string {
	for _, k := range sortedKeys(data) {
		if utf8.RuneCountInString(data[k].Value) > MaxValueRunes {
			return k
		}
	}
	return ""
}
