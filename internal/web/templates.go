package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"text/template/parse"
)

// Templates holds every page. Pages live in <dir>/<face>/<page>.html and
// are parsed together with every file in <dir>/layout/ (layouts and
// partials). A page defines "title" and "content"; rendering executes the
// layout named "layout_<face>".
//
// Every file is parsed at start-up, so a syntax error or an unknown
// function stops the start; but a page's own copy of the layouts (each
// page needs one, since html/template escapes the trees it executes in
// place) is made the first time the page is rendered. Copying the layouts
// for all ~80 pages up front was most of the start-up's template work and
// memory, and a process renders few of its pages (the emulator often
// none). The emulator's build (tag emulator) goes further: it parses a
// file only when a page that needs it is first rendered (parseAtStart),
// since the parse trees of every page were 3 MB of its heap at ready; the
// same files are parsed at every start of herald, and by its tests.
//
// Pages are rendered in a language: each language has its own copy of a
// page, whose functions (the "t" of the catalogue, the formats) are that
// language's, so templates call {{t "Follow"}} wherever they are, whatever
// their data, and rendering costs nothing more per language.
type Templates struct {
	fsys     fs.FS
	layouts  []string         // the layout files, parsed into base
	funcs    template.FuncMap // the functions the files are parsed with
	baseOnce sync.Once
	base     *template.Template
	baseErr  error
	pages    map[string]*lazyPage
	funcsFor func(lang string) template.FuncMap // nil: one language
	consts   ConstFunc                          // nil: no action is folded
}

// lazyPage is one page: its file parsed on its own (never executed; nil
// until parsed), and
// the complete template, layouts and page, built per language on first use.
type lazyPage struct {
	file  string
	src   *template.Template
	mu    sync.RWMutex
	built map[string]builtPage
}

// builtPage is a page's complete template in one language and the
// template that renders it (its face's layout, or "content").
type builtPage struct {
	tpl  *template.Template
	root string
}

// ParseTemplates parses the tree under dir in fsys (in the emulator's
// build: finds its files, and parses each when it is first needed).
func ParseTemplates(fsys fs.FS, dir string, funcs template.FuncMap) (*Templates, error) {
	layouts, err := fs.Glob(fsys, path.Join(dir, "layout", "*.html"))
	if err != nil {
		return nil, err
	}
	t := &Templates{fsys: fsys, layouts: layouts, funcs: funcs, pages: map[string]*lazyPage{}}
	if parseAtStart {
		if _, err := t.layout(); err != nil {
			return nil, err
		}
	}
	faces, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	for _, face := range faces {
		if !face.IsDir() || face.Name() == "layout" {
			continue
		}
		files, err := fs.Glob(fsys, path.Join(dir, face.Name(), "*.html"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			p := &lazyPage{file: f, built: map[string]builtPage{}}
			if parseAtStart {
				if err := t.parse(p); err != nil {
					return nil, err
				}
			}
			name := face.Name() + "/" + strings.TrimSuffix(path.Base(f), ".html")
			t.pages[name] = p
		}
	}
	return t, nil
}

// layout returns the layouts and partials parsed together, parsing them
// on first use.
func (t *Templates) layout() (*template.Template, error) {
	t.baseOnce.Do(func() {
		t.base = template.New("").Funcs(t.funcs)
		if len(t.layouts) > 0 {
			if t.base, t.baseErr = t.base.ParseFS(t.fsys, t.layouts...); t.baseErr != nil {
				t.baseErr = fmt.Errorf("web: parse layouts: %w", t.baseErr)
			}
		}
	})
	return t.base, t.baseErr
}

// parse parses a page's file on its own, once (p.mu held, or p not yet
// shared).
func (t *Templates) parse(p *lazyPage) error {
	if p.src != nil {
		return nil
	}
	src, err := template.New(path.Base(p.file)).Funcs(t.funcs).ParseFS(t.fsys, p.file)
	if err != nil {
		return fmt.Errorf("web: parse %s: %w", p.file, err)
	}
	p.src = src
	return nil
}

// Localise makes pages render in languages: funcsFor gives the functions
// of a language, which replace those of the same name given to
// ParseTemplates in that language's copy of each page. Call it before the
// first Render.
func (t *Templates) Localise(funcsFor func(lang string) template.FuncMap) { t.funcsFor = funcsFor }

// page returns the complete template of a page in a language and the
// template to execute, building them on first use.
func (t *Templates) page(name, lang string) (builtPage, error) {
	p, ok := t.pages[name]
	if !ok {
		return builtPage{}, fmt.Errorf("web: no template %q", name)
	}
	if t.funcsFor == nil {
		lang = ""
	}
	p.mu.RLock()
	b, ok := p.built[lang]
	p.mu.RUnlock()
	if ok {
		return b, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if b, ok := p.built[lang]; ok {
		return b, nil
	}
	if err := t.parse(p); err != nil {
		return builtPage{}, err
	}
	face, _, _ := strings.Cut(name, "/")
	b, err := t.build(p, face, lang)
	if err != nil {
		return builtPage{}, err
	}
	if t.consts != nil && t.fold(b.tpl, b.root, lang) != nil {
		// Escaping stopped with an error: use a copy that was never
		// escaped ahead, so that rendering fails as it would have.
		if b, err = t.build(p, face, lang); err != nil {
			return builtPage{}, err
		}
	}
	p.built[lang] = b
	return b, nil
}

// build makes a page's complete template in a language: a copy of the
// layouts with the page's own templates added, by the same rule as
// parsing the file into that copy (a definition replaces the layout's of
// the same name, unless it is empty).
func (t *Templates) build(p *lazyPage, face, lang string) (builtPage, error) {
	base, err := t.layout()
	if err != nil {
		return builtPage{}, err
	}
	clone, err := base.Clone()
	if err != nil {
		return builtPage{}, err
	}
	if t.funcsFor != nil {
		clone.Funcs(t.funcsFor(lang))
	}
	for _, st := range p.src.Templates() {
		if st.Tree == nil || (parse.IsEmptyTree(st.Tree.Root) && clone.Lookup(st.Name()) != nil) {
			continue
		}
		// Each copy escapes its trees in place when first executed, so
		// every language gets its own copy of the page's trees.
		if _, err := clone.AddParseTree(st.Name(), st.Tree.Copy()); err != nil {
			return builtPage{}, fmt.Errorf("web: build %s: %w", p.file, err)
		}
	}
	root := "layout_" + face
	if clone.Lookup(root) == nil {
		root = "content"
	}
	return builtPage{tpl: clone, root: root}, nil
}

// Has reports whether a page exists.
func (t *Templates) Has(name string) bool { _, ok := t.pages[name]; return ok }

// Render executes page name ("face/page") into w with the given status. The
// page is rendered into a buffer first, so a template error becomes a clean
// 500 instead of half a page.
func (t *Templates) Render(w http.ResponseWriter, status int, name string, data any) error {
	return t.RenderIn(w, status, name, "", data)
}

// RenderIn is Render in a language given to Localise.
func (t *Templates) RenderIn(w http.ResponseWriter, status int, name, lang string, data any) error {
	page, err := t.page(name, lang)
	if err != nil {
		return err
	}
	return WritePage(w, status, func(buf *bytes.Buffer) error {
		if err := page.tpl.ExecuteTemplate(buf, page.root, data); err != nil {
			return fmt.Errorf("web: render %s: %w", name, err)
		}
		return nil
	})
}

// WritePage writes the HTML page that write puts into a buffer with the
// given status and a page's headers, as RenderIn writes a template's (for
// a page written in Go, or partly). An error of write is returned with
// nothing written.
func WritePage(w http.ResponseWriter, status int, write func(buf *bytes.Buffer) error) error {
	buf := renderBufs.Get().(*bytes.Buffer)
	defer putRenderBuf(buf)
	if err := write(buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if h.Get("Content-Security-Policy") == "" {
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'self'; form-action 'self'")
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// ExecuteIn writes one template of a page, the one called name, in a
// language given to Localise: a part of the page rendered on its own, as
// the whole page would render it with the same data (its escaping is the
// page's, where the page calls it in HTML text). RenderIn writes whole
// pages.
func (t *Templates) ExecuteIn(w io.Writer, page, name, lang string, data any) error {
	p, err := t.page(page, lang)
	if err != nil {
		return err
	}
	if err := p.tpl.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("web: render %s of %s: %w", name, page, err)
	}
	return nil
}

// renderBufs are the buffers pages are rendered into, reused across
// requests instead of grown from empty for every page.
var renderBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putRenderBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 { // an unusually large page: let it go
		return
	}
	b.Reset()
	renderBufs.Put(b)
}

// Names lists the parsed pages (for tests).
func (t *Templates) Names() []string {
	out := make([]string, 0, len(t.pages))
	for n := range t.pages {
		out = append(out, n)
	}
	return out
}
