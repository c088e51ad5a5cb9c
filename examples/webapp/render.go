package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/style.css
var styleCSS []byte

// pages holds one template set per page, each made of the layout and the page.
type pages struct{ set map[string]*template.Template }

var templateFuncs = template.FuncMap{
	"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"instant":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"includes": includes,
	"holds":    holds,
	"add":      func(a, b int) int { return a + b },
	"count":    count,
}

// count writes n with the noun, in the plural unless n is 1: "1 member", "2 members".
func count(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

// sharedPages parses the pages once per process: they are embedded, so every App has the
// same, and a parsed html/template is safe to execute from many goroutines (it escapes
// itself once, on first use). Parsing them took a fifth of the CPU of the package's
// tests, which make an App per test.
var sharedPages = sync.OnceValues(parsePages)

// parsePages parses every page under templates/ with layout.html.
func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{set: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", file)
		if err != nil {
			return nil, fmt.Errorf("webapp: template %s: %w", name, err)
		}
		p.set[name] = t
	}
	return p, nil
}

// view is what the layout needs on every page; page data embed it.
type view struct {
	Title    string
	User     demoUser
	SignedIn bool
	// Flash is the success message of the form post that led here, shown once.
	Flash string
	// Form is the page's form shown again after a refusal, or its initial values.
	Form formState
}

// view returns the layout's data for a page titled title, taking the session's flash
// message.
func (a *App) view(r *http.Request, title string) view {
	u, ok := a.auth.current(r)
	v := view{Title: title, User: u, SignedIn: ok}
	if ok {
		v.Flash = a.auth.takeFlash(r)
	}
	return v
}

// render writes page name with data and status. The page is rendered to a buffer first,
// so that a template failure becomes a clean 500 rather than half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := a.pages.set[name]
	var buf bytes.Buffer
	err := fmt.Errorf("webapp: no page %q", name)
	if ok {
		err = t.Execute(&buf, data)
	}
	if err != nil {
		a.log.Error("render", "page", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer") // the pages carry invitation and activation tokens
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// staticFiles serves the style sheet.
func staticFiles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeContent(w, r, "style.css", time.Time{}, bytes.NewReader(styleCSS))
	})
}
