package archtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/heraldoa/herald/"

// Layers, from the outside in. Every package under internal/ that is named
// in none of these lists is a domain package, so a new package is held to
// the domain's rules until someone places it elsewhere on purpose.
var (
	// Faces turn HTTP into calls of the domain: the web UI, the
	// WeChat-compatible developer API, the Pay merchant API, the emulator.
	faces = []string{"internal/ui", "internal/wxapi", "internal/pay/wxpay", "internal/emulator"}
	// Wire formats of the WeChat protocol, for faces and push.
	wire = []string{"internal/wx"}
	// Push delivers events to developer servers.
	push = []string{"internal/push"}
	// Storage: the one database layer.
	storage = []string{"internal/db"}
	// Plumbing knows no business: ids, time, errors, HTTP helpers, buses,
	// leases, queues, limits, the outbound-request guard, configuration, charts.
	plumbing = []string{"internal/errs", "internal/id", "internal/clock", "internal/config", "internal/web",
		"internal/realtime", "internal/sse", "internal/natsbus", "internal/jobs", "internal/lease", "internal/workq",
		"internal/ratelimit", "internal/csvsafe", "internal/jsontext", "internal/jsonmemo", "internal/outbound", "internal/analytics/chart"}
	// Wiring, test support and tools may import anything.
	wiring = []string{"internal/app", "internal/apptest", "internal/cli", "internal/demo", "internal/e2e",
		"internal/archtest", "internal/publish/bench", "internal/db/dbtest", "internal/natsbus/natstest"}
)

// A rule forbids packages of one group to import packages of another.
type rule struct {
	name    string
	from    func(pkg string) bool
	to      func(imp string) bool
	allowed map[string][]string // known breaches: package → the imports it may still make
}

func under(roots ...[]string) func(string) bool {
	return func(p string) bool {
		for _, rs := range roots {
			for _, r := range rs {
				if p == r || strings.HasPrefix(p, r+"/") {
					return true
				}
			}
		}
		return false
	}
}

func isDomain(p string) bool {
	return strings.HasPrefix(p, "internal/") && !under(faces, wire, push, storage, plumbing, wiring)(p)
}

var rules = []rule{
	{
		name: "domain imports no face, wire format or push",
		from: isDomain,
		to:   under(faces, wire, push),
	},
	{
		name: "storage imports only plumbing",
		from: under(storage),
		to: func(imp string) bool {
			return !under(storage)(imp) && !under([]string{"internal/errs", "internal/id", "internal/clock"})(imp)
		},
	},
	{
		name: "push imports no web UI or API face",
		from: under(push),
		to:   under(faces),
	},
	{
		name: "wire formats import nothing of Herald but plumbing",
		from: under(wire),
		to:   func(imp string) bool { return !under(wire, plumbing)(imp) },
	},
	{
		name: "plumbing imports no domain, face or push",
		from: under(plumbing),
		to:   func(imp string) bool { return isDomain(imp) || under(faces, push)(imp) },
		// web knows the signed-in person (sessions).
		allowed: map[string][]string{"internal/web": {"internal/user"}},
	},
	{
		name: "a face imports no other face",
		from: under(faces),
		to:   under(faces),
	},
}

// sameFace: a package may import its own face's packages (internal/ui →
// internal/ui/core, internal/wxapi/mass → internal/wxapi).
func sameFace(a, b string) bool {
	for _, f := range faces {
		if under([]string{f})(a) && under([]string{f})(b) {
			return true
		}
	}
	return false
}

// check returns the breaches of rules in imports (package → its imports).
func check(imports map[string][]string) []string {
	var bad []string
	for pkg, imps := range imports {
		for _, r := range rules {
			if !r.from(pkg) {
				continue
			}
			for _, imp := range imps {
				if imp == pkg || !r.to(imp) || sameFace(pkg, imp) {
					continue
				}
				if contains(r.allowed[pkg], imp) {
					continue
				}
				bad = append(bad, fmt.Sprintf("%s: %s imports %s", r.name, pkg, imp))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readImports reads the imports of Herald's own packages in every non-test
// Go file below root.
func readImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
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
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(p, module) && !contains(out[pkg], strings.TrimPrefix(p, module)) {
				out[pkg] = append(out[pkg], strings.TrimPrefix(p, module))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLayers(t *testing.T) {
	imports := readImports(t, filepath.Join("..", ".."))
	if len(imports["internal/message"]) == 0 || len(imports["internal/ui/core"]) == 0 {
		t.Fatalf("read the imports of %d packages, without internal/message or internal/ui/core: wrong root?", len(imports))
	}
	for _, b := range check(imports) {
		t.Error(b)
	}
	// A known breach that has been mended must leave the list, so the list
	// stays the true debt.
	for _, r := range rules {
		for pkg, imps := range r.allowed {
			for _, imp := range imps {
				if !contains(imports[pkg], imp) {
					t.Errorf("%s: %s no longer imports %s: remove it from the allowed list", r.name, pkg, imp)
				}
			}
		}
	}
}

// TestLayersCatchBreaches shows that the rules fail on the arrows the
// architecture forbids.
func TestLayersCatchBreaches(t *testing.T) {
	for _, c := range []struct{ pkg, imp string }{
		{"internal/message", "internal/ui/core"},
		{"internal/tmplmsg", "internal/wxapi"},
		{"internal/publish", "internal/wx/wxmsg"},
		{"internal/pay", "internal/push"},
		{"internal/newthing", "internal/wxapi/mass"}, // an unplaced package is domain
		{"internal/db", "internal/account"},
		{"internal/push", "internal/ui"},
		{"internal/wx/wxmsg", "internal/message"},
		{"internal/web", "internal/publish"},
		{"internal/ui/follower", "internal/wxapi/mass"},
	} {
		if got := check(map[string][]string{c.pkg: {c.imp}}); len(got) != 1 {
			t.Errorf("%s → %s: breaches %q, want one", c.pkg, c.imp, got)
		}
	}
	for _, c := range []struct{ pkg, imp string }{
		{"internal/ui/follower", "internal/message"},
		{"internal/ui/follower", "internal/ui/core"},
		{"internal/wxapi/mass", "internal/wxapi"},
		{"internal/push", "internal/wx/wxmsg"},
		{"internal/message", "internal/db"},
		{"internal/db", "internal/errs"},
		{"internal/app", "internal/ui"},
	} {
		if got := check(map[string][]string{c.pkg: {c.imp}}); len(got) != 0 {
			t.Errorf("%s → %s: breaches %q, want none", c.pkg, c.imp, got)
		}
	}
}
