// Package site renders snapshots into a static website.
//
// The pipeline: load the catalog and the snapshots from the content
// directory (Load), derive each page's view (lineup rows and the rest), and
// render every page through the shared layout into the output directory
// (Build). Rendering is a pure function of its inputs; the only I/O is
// reading content and writing files, each written atomically.
package site

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/static"
	"github.com/lineup-dev/lineup/templates"
)

// Options configure a build.
type Options struct {
	// ContentDir holds models.yaml, snapshots/*.json and site.yaml.
	ContentDir string
	// OutDir receives the site.
	OutDir string
	// TemplatesDir and StaticDir, when set, replace the embedded templates
	// and assets.
	TemplatesDir string
	StaticDir    string
	// Front is the id of the snapshot shown on the front page; empty means
	// site.yaml's front_snapshot, else the newest snapshot.
	Front string
	// Version is stamped into every page's footer.
	Version string
}

// Config is content/site.yaml.
type Config struct {
	// FrontSnapshot pins the snapshot of the front page.
	FrontSnapshot string `yaml:"front_snapshot"`
}

// Content is everything a site is rendered from.
type Content struct {
	Catalog   *catalog.Catalog
	Snapshots []*snapshot.Snapshot // oldest first
	Config    Config
}

// Load reads the catalog, the site config and every snapshot of dir.
func Load(dir string) (*Content, error) {
	cat, err := catalog.Load(filepath.Join(dir, "models.yaml"))
	if err != nil {
		return nil, err
	}
	snaps, err := snapshot.LoadDir(filepath.Join(dir, "snapshots"))
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		return nil, fmt.Errorf("%s: no snapshots (*.json) to render", filepath.Join(dir, "snapshots"))
	}
	c := &Content{Catalog: cat, Snapshots: snaps}
	cfgFile := filepath.Join(dir, "site.yaml")
	data, err := os.ReadFile(cfgFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&c.Config); err != nil {
			return nil, fmt.Errorf("%s: %w", cfgFile, err)
		}
	}
	return c, nil
}

// Snapshot returns the snapshot with the given id.
func (c *Content) Snapshot(id string) (*snapshot.Snapshot, bool) {
	for _, s := range c.Snapshots {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// front picks the front page's snapshot.
func (c *Content) front(id string) (*snapshot.Snapshot, error) {
	if id == "" {
		id = c.Config.FrontSnapshot
	}
	if id == "" {
		return c.Snapshots[len(c.Snapshots)-1], nil
	}
	s, ok := c.Snapshot(id)
	if !ok {
		return nil, fmt.Errorf("front snapshot %q not found among %d snapshots", id, len(c.Snapshots))
	}
	return s, nil
}

// LineupRow is one row of the lineup table: a model's best configuration.
type LineupRow struct {
	Model string
	Info  catalog.Info
	Run   snapshot.Run
}

// Lineup returns the lineup rows of s: each model's best run, in catalog
// order, then models missing from the catalog by name.
func Lineup(s *snapshot.Snapshot, cat *catalog.Catalog) []LineupRow {
	best := s.Best()
	rows := make([]LineupRow, len(best))
	for i, r := range best {
		rows[i] = LineupRow{Model: r.Model, Info: cat.Describe(r.Model), Run: r}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := cat.Index(rows[i].Model), cat.Index(rows[j].Model)
		switch {
		case a >= 0 && b >= 0:
			return a < b
		case a >= 0 || b >= 0:
			return a >= 0
		}
		return rows[i].Model < rows[j].Model
	})
	return rows
}

// navLink is an entry of the site navigation.
type navLink struct{ Href, Label string }

// page is what every template receives.
type page struct {
	Root     string // relative path to the site root: "", "../", ...
	Page     string // this page's path from the root
	Version  string
	Nav      []navLink
	Snapshot *snapshot.Snapshot
	// Page-specific views.
	Rows       []LineupRow
	ArchLegend any
	SizeLegend any
}

// renderer holds the parsed templates.
type renderer struct {
	base   *template.Template
	source fs.FS
}

func newRenderer(templatesDir string) (*renderer, error) {
	var src fs.FS = templates.FS
	if templatesDir != "" {
		src = os.DirFS(templatesDir)
	}
	base, err := template.New("").Funcs(funcMap()).ParseFS(src, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return &renderer{base: base, source: src}, nil
}

// render executes page template name (e.g. "index.html") in the layout.
func (r *renderer) render(name string, p *page) ([]byte, error) {
	t, err := r.base.Clone()
	if err != nil {
		return nil, err
	}
	if t, err = t.ParseFS(r.source, name); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", p.Page, err)
	}
	return buf.Bytes(), nil
}

// Result lists what a build wrote, relative to the output directory.
type Result struct {
	Files []string
	Front *snapshot.Snapshot
}

// Build renders the site described by opts.
func Build(ctx context.Context, opts Options) (*Result, error) {
	content, err := Load(opts.ContentDir)
	if err != nil {
		return nil, err
	}
	return Render(ctx, content, opts)
}

// Render renders content into opts.OutDir.
func Render(ctx context.Context, content *Content, opts Options) (*Result, error) {
	if opts.OutDir == "" {
		return nil, errors.New("no output directory")
	}
	front, err := content.front(opts.Front)
	if err != nil {
		return nil, err
	}
	r, err := newRenderer(opts.TemplatesDir)
	if err != nil {
		return nil, err
	}
	res := &Result{Front: front}
	write := func(rel string, data []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := snapshot.WriteFileAtomic(filepath.Join(opts.OutDir, filepath.FromSlash(rel)), data, 0o644); err != nil {
			return err
		}
		res.Files = append(res.Files, rel)
		return nil
	}
	nav := []navLink{{"index.html", "Lineup"}}
	base := func(rel string) *page {
		depth := len(splitPath(path.Dir(rel)))
		root := ""
		for range depth {
			root += "../"
		}
		return &page{Root: root, Page: rel, Version: opts.Version, Nav: nav}
	}

	// The front page: the lineup table of the front snapshot.
	p := base("index.html")
	p.Snapshot = front
	p.Rows = Lineup(front, content.Catalog)
	p.ArchLegend, p.SizeLegend = catalog.ArchLegend, catalog.SizeLegend
	html, err := r.render("index.html", p)
	if err != nil {
		return nil, err
	}
	if err := write("index.html", html); err != nil {
		return nil, err
	}
	if err := copyAssets(opts.StaticDir, write); err != nil {
		return nil, err
	}
	return res, nil
}

// copyAssets copies the stylesheet and scripts to assets/ and the favicon
// to the root.
func copyAssets(dir string, write func(string, []byte) error) error {
	var src fs.FS = static.FS
	if dir != "" {
		src = os.DirFS(dir)
	}
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".go" {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		if p == "favicon.svg" {
			return write(p, data)
		}
		return write("assets/"+p, data)
	})
}

func splitPath(p string) []string {
	if p == "." || p == "" {
		return nil
	}
	var out []string
	for p != "." && p != "/" && p != "" {
		out = append(out, path.Base(p))
		p = path.Dir(p)
	}
	return out
}
