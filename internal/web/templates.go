package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

// Templates holds every page, parsed once at start-up. Pages live in
// <dir>/<face>/<page>.html and are parsed together with every file in
// <dir>/layout/ (layouts and partials). A page defines "title" and
// "content"; rendering executes the layout named "layout_<face>".
type Templates struct {
	pages map[string]*template.Template
}

// ParseTemplates parses the tree under dir in fsys.
func ParseTemplates(fsys fs.FS, dir string, funcs template.FuncMap) (*Templates, error) {
	base := template.New("").Funcs(funcs)
	layouts, err := fs.Glob(fsys, path.Join(dir, "layout", "*.html"))
	if err != nil {
		return nil, err
	}
	if len(layouts) > 0 {
		if base, err = base.ParseFS(fsys, layouts...); err != nil {
			return nil, fmt.Errorf("web: parse layouts: %w", err)
		}
	}
	t := &Templates{pages: map[string]*template.Template{}}
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
			clone, err := base.Clone()
			if err != nil {
				return nil, err
			}
			page, err := clone.ParseFS(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", f, err)
			}
			name := face.Name() + "/" + strings.TrimSuffix(path.Base(f), ".html")
			t.pages[name] = page
		}
	}
	return t, nil
}

// Has reports whether a page exists.
func (t *Templates) Has(name string) bool { _, ok := t.pages[name]; return ok }

// Render executes page name ("face/page") into w with the given status. The
// page is rendered into a buffer first, so a template error becomes a clean
// 500 instead of half a page.
func (t *Templates) Render(w http.ResponseWriter, status int, name string, data any) error {
	page, ok := t.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	face, _, _ := strings.Cut(name, "/")
	layout := "layout_" + face
	if page.Lookup(layout) == nil {
		layout = "content"
	}
	buf := renderBufs.Get().(*bytes.Buffer)
	defer putRenderBuf(buf)
	if err := page.ExecuteTemplate(buf, layout, data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
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
