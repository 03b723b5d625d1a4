package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Not found is asked one way: errors.Is(err, errs.NotFound). It matches
// storage's missing row (db.ErrNotFound is of that kind) and every domain
// not-found alike, so a caller does not care which layer said it. Outside
// internal/db nothing compares with db.ErrNotFound, nothing compares a kind
// with errs.KindNotFound (a switch over every kind, as the error pages and
// errcodes do, is a mapping, not a check), and no face names db.ErrNotFound
// at all.

// notFoundChecks returns the places in src (one Go file of package pkg,
// named name) that ask "not found?" another way.
func notFoundChecks(fset *token.FileSet, pkg, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	isSel := func(e ast.Expr, x, sel string) bool {
		s, ok := ast.Unparen(e).(*ast.SelectorExpr)
		if !ok || s.Sel.Name != sel {
			return false
		}
		id, ok := s.X.(*ast.Ident)
		return ok && (x == "" || id.Name == x)
	}
	var bad []string
	report := func(n ast.Node, what string) {
		bad = append(bad, fmt.Sprintf("%s: %s; write errors.Is(err, errs.NotFound)", fset.Position(n.Pos()), what))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				break
			}
			for _, side := range []ast.Expr{n.X, n.Y} {
				if isSel(side, "db", "ErrNotFound") {
					report(n, "compares with db.ErrNotFound")
				}
				if isSel(side, "", "KindNotFound") {
					report(n, "compares a kind with KindNotFound")
				}
			}
		case *ast.CallExpr:
			if !isSel(n.Fun, "errors", "Is") && !isSel(n.Fun, "errors", "As") {
				break
			}
			for _, a := range n.Args {
				if isSel(a, "db", "ErrNotFound") {
					report(n, "asks errors.Is of db.ErrNotFound")
				}
			}
		case *ast.SelectorExpr:
			if under(faces)(pkg) && isSel(n, "db", "ErrNotFound") {
				report(n, "a face names db.ErrNotFound (return errs.NotFound or the domain's error)")
			}
		}
		return true
	})
	return bad, nil
}

func TestOneNotFoundIdiom(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var bad []string
	files := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if under(storage, []string{"internal/errs"})(pkg) {
			return nil // storage defines its value; errs defines the kinds
		}
		files++
		b, err := notFoundChecks(fset, pkg, path, nil)
		bad = append(bad, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d Go files: wrong root?", files)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// TestNotFoundCheckCatchesTheOtherIdioms shows that the check fails on
// each way of asking that the rule forbids, and passes the one it keeps.
func TestNotFoundCheckCatchesTheOtherIdioms(t *testing.T) {
	const head = "package p\n\nfunc f(err error) bool {\n"
	for _, c := range []struct {
		pkg, body string
		want      int
	}{
		{"internal/follow", "return errors.Is(err, db.ErrNotFound)", 1},
		{"internal/follow", "return err == db.ErrNotFound", 1},
		{"internal/follow", "return err != db.ErrNotFound", 1},
		{"internal/follow", "return errs.KindOf(err) == errs.KindNotFound", 1},
		{"internal/follow", "var e *errs.Error; return errors.As(err, &e) && e.Kind != errs.KindNotFound", 1},
		{"internal/ui/console", "if err == nil { return db.ErrNotFound != nil }; return false", 2},
		{"internal/ui/console", "_ = db.ErrNotFound; return false", 1},
		{"internal/follow", "return errors.Is(err, errs.NotFound)", 0},
		{"internal/follow", "_ = db.ErrNotFound; return false", 0}, // a store may return storage's value
		{"internal/web", "switch errs.KindOf(err) { case errs.KindNotFound: return true }; return false", 0},
	} {
		got, err := notFoundChecks(token.NewFileSet(), c.pkg, "p.go", head+c.body+"\n}\n")
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		if len(got) != c.want {
			t.Errorf("%s in %s: %d findings %q, want %d", c.body, c.pkg, len(got), got, c.want)
		}
	}
}
