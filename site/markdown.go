package site

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// ContentPage is one content/*.md file rendered into the site.
type ContentPage struct {
	// Slug is the file name without .md, lower-cased and made safe; the
	// page is written to <Slug>.html.
	Slug  string
	Title string // the first level-1 heading, else the slug
	HTML  template.HTML
	File  string
}

// newMarkdown is lineup's one Markdown converter: GFM (tables,
// strikethrough, autolinks, task lists), an id on every heading, and raw
// HTML left out (goldmark's default: it is replaced by a comment), so a
// content file cannot inject markup or script.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
}

// loadContentPages renders every *.md file of dir, by file name.
func loadContentPages(dir string) ([]ContentPage, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	md := newMarkdown()
	slugs := newSlugger()
	// The site's own pages own these names.
	for _, reserved := range []string{"index", "404", "sitemap"} {
		slugs.used[reserved] = true
	}
	var pages []ContentPage
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p, err := renderMarkdown(md, src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		p.File = f
		p.Slug = slugs.slug(strings.TrimSuffix(filepath.Base(f), ".md"), "page")
		if p.Title == "" {
			p.Title = p.Slug
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// renderMarkdown converts src and finds its title.
func renderMarkdown(md goldmark.Markdown, src []byte) (ContentPage, error) {
	doc := md.Parser().Parse(text.NewReader(src))
	var p ContentPage
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering && h.Level == 1 {
			p.Title = string(plainText(h, src))
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return p, err
	}
	p.HTML = template.HTML(buf.String()) // goldmark escapes text and drops raw HTML
	return p, nil
}

// plainText is the text of n's inline children.
func plainText(n ast.Node, src []byte) []byte {
	var b []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			b = append(b, t.Segment.Value(src)...)
		case *ast.String:
			b = append(b, t.Value...)
		default:
			b = append(b, plainText(c, src)...)
		}
	}
	return b
}
