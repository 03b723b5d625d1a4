package portability

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldoa/herald/internal/i18n"
)

// Every fault an archive or a follower CSV can be refused with is a text of
// domain.json in every language: the formats given to archiveErr, faultf
// and a CSV report's fault, read from this package's source.
func TestFaultsAreTextsOfTheCatalogue(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	formatArg := map[string]int{"archiveErr": 2, "faultf": 0, "fault": 1}
	formats := map[string]bool{"cannot be read: %s": true}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := c.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			i, ok := formatArg[name]
			if !ok || len(c.Args) <= i {
				return true
			}
			if lit, ok := c.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				formats[s] = true
			}
			return true
		})
	}
	if len(formats) < 40 {
		t.Fatalf("found only %d formats: is the source read?", len(formats))
	}
	for f := range formats {
		if f == "%v" || f == "%s" { // one error: written by its own format (faultText)
			continue
		}
		for _, l := range i18n.Langs {
			if !cat.Has(l, f) || cat.Area(l, f) != "domain.json" {
				t.Errorf("%s lacks %q in domain.json", l, f)
			}
		}
	}
}

// A fault found below the line (a field of a JSON line) keeps its own text
// when it reaches the archive's error; a Go error's words are quoted, not
// put in the sentence as if they were the catalogue's.
func TestArchiveFaultsAreWrittenInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Locale(i18n.Simplified)
	var ae *ArchiveError
	e := archiveErr("followers.jsonl", 3, "%v", faultf("field %q is missing", "openid"))
	if ae, _ = e.(*ArchiveError); ae == nil || ae.Msg != `field "openid" is missing` {
		t.Fatalf("%#v", e)
	}
	if got := ae.Phrase().In(zh.T); got != `缺少字段 "openid"` {
		t.Errorf("in Chinese: %q", got)
	}
	var v struct{ N int }
	jerr := json.Unmarshal([]byte(`{"N":"x"}`), &v)
	e = archiveErr("tags.jsonl", 2, "%v", strictUnmarshal([]byte(`{"N":"x"}`), &v, []string{"N"}))
	ae = e.(*ArchiveError)
	if got := ae.Phrase().In(zh.T); got != "某个值的类型不对：“"+jerr.Error()+"”" {
		t.Errorf("a decoder's words in Chinese: %q", got)
	}
	if ae.Msg != "a value has the wrong type: "+jerr.Error() {
		t.Errorf("in English: %q", ae.Msg)
	}
	e = archiveErr("media/x", 0, "%v", fs.ErrNotExist)
	if got := e.(*ArchiveError).Phrase().In(zh.T); got != "无法读取：“file does not exist”" {
		t.Errorf("an unforeseen error in Chinese: %q", got)
	}
}
