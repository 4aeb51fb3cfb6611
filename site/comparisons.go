package site

// The pages that compare snapshots: a diff page per pair worth comparing
// (diffpages.go), the compare page that diffs any two in the browser
// (compare.go) and the history of each model's best throughput
// (history.go). They render through the shared layout with their own page
// templates, parsed here so that the site's core knows nothing of them
// but one call.

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"

	"github.com/lineup-dev/lineup/static"
	"github.com/lineup-dev/lineup/templates"
)

// comparisonPage is what the comparison templates receive: the shared
// page fields and the view of one page.
type comparisonPage struct {
	*page
	Diff    *diffPage
	Compare *comparePage
	History *historyPage
}

// comparisonTemplates are the page templates of the comparison pages.
var comparisonTemplates = []string{"diff.html", "compare.html", "history.html"}

// comparisonAssets are the comparison pages' own files in static/.
var comparisonAssets = []string{"diff.css", "compare.js"}

// comparisonRenderer holds the comparison templates, each in a clone of
// the layout.
type comparisonRenderer struct {
	pages map[string]*template.Template
}

// newComparisonRenderer parses the layout and the comparison templates
// from dir (Options.TemplatesDir) when set, as newRenderer does; a
// comparison template missing from dir comes from the embedded set, so a
// templates folder made before these pages existed still builds.
func newComparisonRenderer(dir string) (*comparisonRenderer, error) {
	var src fs.FS = templates.FS
	if dir != "" {
		src = os.DirFS(dir)
	}
	base, err := template.New("").Funcs(funcMap()).ParseFS(src, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	r := &comparisonRenderer{pages: map[string]*template.Template{}}
	for _, name := range comparisonTemplates {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		from := src
		if _, err := fs.Stat(src, name); errors.Is(err, fs.ErrNotExist) {
			from = templates.FS
		}
		if t, err = t.ParseFS(from, name); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		r.pages[name] = t
	}
	return r, nil
}

func (r *comparisonRenderer) render(name string, p *comparisonPage) ([]byte, error) {
	var buf bytes.Buffer
	if err := r.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", p.Page, err)
	}
	return buf.Bytes(), nil
}

// renderComparisons renders the diff, compare and history pages. It runs
// before the editions render: it gives every edition its diff links (the
// snapshots page) and every model view its history (the model pages).
// Errors reach the build through its group.
func (b *builder) renderComparisons(editions []*edition) {
	r, err := newComparisonRenderer(b.opts.TemplatesDir)
	if err != nil {
		b.g.Go(func() error { return err })
		return
	}
	// A static folder made before these pages existed lacks their
	// assets: the embedded ones stand in.
	if b.opts.StaticDir != "" {
		for _, name := range comparisonAssets {
			if _, err := fs.Stat(os.DirFS(b.opts.StaticDir), name); errors.Is(err, fs.ErrNotExist) {
				b.goWrite("assets/"+name, func() ([]byte, error) { return fs.ReadFile(static.FS, name) })
			}
		}
	}
	b.renderDiffs(r, editions)
	b.renderCompare(r, editions)
	b.renderHistory(r, editions)
}
