package web

import (
	"html/template"
	"io"
	"strconv"
	"strings"
	"text/template/parse"
	"unicode/utf8"
)

// ConstFunc gives the value of a template function that depends only on
// the page's language and its literal arguments, {{t "Follow"}} or
// {{asset "app.js"}}: ok is false for a function or arguments whose value
// is not fixed. The value is a plain string, escaped as the action's
// place in the page requires, as the function's result would be.
type ConstFunc func(lang, name string, args []string) (value string, ok bool)

// Constants makes the templates fold constant actions: when a page is
// built in a language, it is escaped at once, and every action whose
// value is fixed (a function consts knows, called with string literals
// only, or a string literal) and whose escaping is known here becomes the
// escaped text itself, so that rendering writes it instead of calling
// the function and its escapers through reflection for every page (most
// of a page's allocations were such calls of the catalogue's "t"). The
// output is unchanged. Call it before the first Render.
func (t *Templates) Constants(consts ConstFunc) { t.consts = consts }

// escapeProbe is the template added to a page's copy to escape it without
// rendering it: it calls the page's root template where nothing runs, and
// html/template escapes every template a call reaches, in the context of
// the call (here the start of a page, as when the root is executed).
const escapeProbe = "web: escape ahead"

// fold escapes tpl from root and replaces its constant actions by text.
// An escaping error is returned, with nothing folded.
func (t *Templates) fold(tpl *template.Template, root, lang string) error {
	probe, err := tpl.New(escapeProbe).Parse(`{{if false}}{{template ` + strconv.Quote(root) + ` .}}{{end}}`)
	if err != nil {
		return err
	}
	if err := probe.Execute(io.Discard, nil); err != nil {
		return err
	}
	// Calls of templates that are text alone ({{template "icon"}}) become
	// their text, pass after pass while some were: a template made of
	// such calls and text becomes text too.
	f := folder{consts: t.consts, lang: lang, tpl: tpl}
	for f.inlined = true; f.inlined; {
		f.inlined = false
		for _, st := range tpl.Templates() {
			if st.Tree != nil && st.Tree.Root != nil {
				f.list(st.Tree.Root)
			}
		}
	}
	return nil
}

type folder struct {
	consts  ConstFunc
	lang    string
	tpl     *template.Template
	inlined bool // a call was replaced by its text in this pass
}

// text is the text of a template that is text alone, for a call of it
// with no data; ok is false otherwise. A call escaped in another context
// than the start of a page names a copy of the template made for that
// context, which is not among tpl's templates, and is left as it is.
func (f folder) text(call *parse.TemplateNode) ([]byte, bool) {
	if call.Pipe != nil {
		return nil, false
	}
	t := f.tpl.Lookup(call.Name)
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		return nil, false
	}
	var b []byte
	for _, n := range t.Tree.Root.Nodes {
		tn, ok := n.(*parse.TextNode)
		if !ok {
			return nil, false
		}
		b = append(b, tn.Text...)
	}
	return b, true
}

// list folds the actions of a list and its branches, replaces calls of
// templates that are text alone by their text, and joins adjacent texts.
func (f *folder) list(l *parse.ListNode) {
	if l == nil {
		return
	}
	for i, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			if s, ok := f.value(n.Pipe); ok {
				l.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: []byte(s)}
			}
		case *parse.TemplateNode:
			if b, ok := f.text(n); ok {
				l.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: n.Pos, Text: b}
				f.inlined = true
			}
		case *parse.IfNode:
			f.list(n.List)
			f.list(n.ElseList)
		case *parse.RangeNode:
			f.list(n.List)
			f.list(n.ElseList)
		case *parse.WithNode:
			f.list(n.List)
			f.list(n.ElseList)
		}
	}
	out := l.Nodes[:0]
	for _, n := range l.Nodes {
		if tn, ok := n.(*parse.TextNode); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(*parse.TextNode); ok {
				joined := make([]byte, 0, len(prev.Text)+len(tn.Text))
				joined = append(append(joined, prev.Text...), tn.Text...)
				out[len(out)-1] = &parse.TextNode{NodeType: parse.NodeText, Pos: prev.Pos, Text: joined}
				continue
			}
		}
		out = append(out, n)
	}
	clear(l.Nodes[len(out):])
	l.Nodes = out
}

// value is the output of an escaped action whose value is fixed: its first
// command a string literal or a constant function of string literals, the
// rest the escapers html/template added, each of which is applied here.
// An action that html/template has not escaped has no escaper, and is
// never folded.
func (f *folder) value(p *parse.PipeNode) (string, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) < 2 || len(p.Cmds[0].Args) == 0 {
		return "", false
	}
	var v string
	switch fn := p.Cmds[0].Args[0].(type) {
	case *parse.StringNode:
		if len(p.Cmds[0].Args) != 1 {
			return "", false
		}
		v = fn.Text
	case *parse.IdentifierNode:
		args := make([]string, 0, len(p.Cmds[0].Args)-1)
		for _, a := range p.Cmds[0].Args[1:] {
			s, ok := a.(*parse.StringNode)
			if !ok {
				return "", false
			}
			args = append(args, s.Text)
		}
		var ok bool
		if v, ok = f.consts(f.lang, fn.Ident, args); !ok {
			return "", false
		}
	default:
		return "", false
	}
	for _, c := range p.Cmds[1:] {
		if len(c.Args) != 1 {
			return "", false
		}
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok {
			return "", false
		}
		if v, ok = escapeConst(id.Ident, v); !ok {
			return "", false
		}
	}
	return v, true
}

// escapeConst applies one of html/template's escapers to a plain string
// (not template.HTML or another typed content), for the escapers whose
// result is known here; ok is false for the others, and for URLs this
// does not know to be left as they are.
func escapeConst(escaper, s string) (string, bool) {
	switch escaper {
	case "_html_template_htmlescaper", "_html_template_attrescaper", "_html_template_rcdataescaper":
		// Text, a quoted attribute's value, or the text of <title> or
		// <textarea>: the three escape a plain string alike.
		return htmlReplace(s), true
	case "_html_template_urlfilter", "_html_template_urlnormalizer":
		// Both leave a path of these characters as it is (no scheme, nothing
		// to normalise).
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/._~-", c) >= 0) {
				return "", false
			}
		}
		return s, true
	}
	return "", false
}

// htmlReplacements are the characters html/template replaces in a plain
// string in text, quoted attributes and RCDATA (its htmlReplacementTable).
var htmlReplacements = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

func htmlReplace(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if int(r) < len(htmlReplacements) && htmlReplacements[r] != "" {
			b.WriteString(s[written:i])
			b.WriteString(htmlReplacements[r])
			written = i + w
		}
		i += w
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}
