// Package site renders snapshots into a static website.
//
// The pipeline:
//
//  1. Load reads the catalog, site.yaml, every snapshot and every
//     content/*.md page from the content directory.
//  2. Render derives one edition per snapshot (newEdition: the lineup rows,
//     a view of every model and configuration), the front snapshot at the
//     root and every other one under snapshots/<id>/, and builds the charts
//     (go-echarts options, drawn in the browser by ECharts).
//  3. Every page goes through the shared layout (templates/layout.html) and
//     every file (pages, CSV and JSON downloads, assets) is written into a
//     staging directory beside the output, one job per CPU.
//  4. publish swaps the staging directory into the output's place: a failed
//     or cancelled build leaves the previous site untouched, and no file of
//     an earlier build survives a new one.
//
// The site's map, relative to the output directory:
//
//	index.html                       lineup of the front snapshot
//	models/index.html                its models
//	models/<slug>/index.html         one model: configurations, charts, bundles
//	models/<slug>/<slug>.csv         that model's runs
//	models/<slug>/runs/<run>.csv     one configuration (and .timeline.csv)
//	snapshots/index.html             every snapshot
//	snapshots/<id>/...               an older snapshot: the same tree
//	data/<id>.json, data/<id>.csv    every snapshot, whole
//	diffs/<old>--<new>/index.html    changes between two snapshots (diff.json, diff.csv beside)
//	compare/index.html               any two snapshots, diffed in the browser (assets/compare.js)
//	history/index.html               each model's best throughput per snapshot
//	budget/index.html                GPU budget calculator (front snapshot),
//	budget/budget.js, budget/page.js its arithmetic and its form
//	<page>.html                      content/<page>.md
//	404.html, .nojekyll, favicon.svg, sitemap.xml (with a base URL)
//	assets/                          style.css, site.js, echarts.min.js
//
// Every link is relative, so the site works under any base path (GitHub
// Pages project sites) and from the file system (but for the compare page,
// which fetches snapshot JSON and so needs the site served).
//
// Pages of other packages plug into the same frame: the diff, compare and
// history pages (site/diff) and the budget calculator (site/budget). Each
// adds its nav entry to builder.nav after "Snapshots" (Lineup · Models ·
// Snapshots · Compare · History · Budget · content pages), a page template
// defining "title" and "content", and a render step in Render that uses
// newPage, renderPage and goWrite. A page's own script goes to assets/ and
// into page.Scripts; data for it goes into a <script type="application/json">
// through jsonForScript, which cannot be broken out of. Per-pair diff pages
// belong in snapshots.html's table, one link per row. Rendering is a pure
// function of its inputs; the only I/O is reading content and writing
// files.
package site

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/opts"
	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/static"
	"github.com/lineup-dev/lineup/templates"
)

// Options configure a build.
type Options struct {
	// ContentDir holds models.yaml, snapshots/*.json, site.yaml and the
	// *.md content pages.
	ContentDir string
	// OutDir receives the site. A build replaces it whole, so it must be
	// absent, empty or an earlier build (one holding .nojekyll), and must
	// not hold the content.
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
	// ECharts is the minified ECharts file (from npm) copied to
	// assets/echarts.min.js. Empty builds the site without charts: every
	// number is in the tables anyway. A path that does not exist is an
	// error.
	ECharts string
	// BaseURL is the absolute URL the site is published at, such as
	// https://org.github.io/repo/. With it the build writes sitemap.xml
	// and gives 404.html a <base>, so that page works at any depth;
	// without it there is no sitemap (a sitemap needs absolute URLs).
	BaseURL string
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
	Pages     []ContentPage // content/*.md, by file name
}

// Load reads the catalog, the site config, every snapshot and every
// content page of dir.
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
	if c.Pages, err = loadContentPages(dir); err != nil {
		return nil, err
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
	// Slug names the model's page, RunID the best run on it.
	Slug, RunID string
	// Warn holds the run's warnings by the cell they concern.
	Warn map[string][]snapshot.Warning
}

// Lineup returns the lineup rows of s: each model's best run, in catalog
// order, then models missing from the catalog by name.
func Lineup(s *snapshot.Snapshot, cat *catalog.Catalog) []LineupRow {
	best := s.Best()
	rows := make([]LineupRow, len(best))
	for i, r := range best {
		rows[i] = LineupRow{Model: r.Model, Info: cat.Describe(r.Model), Run: r}
	}
	sort.SliceStable(rows, func(i, j int) bool { return compareModels(cat, rows[i].Model, rows[j].Model) < 0 })
	return rows
}

// navLink is an entry of the site navigation. Href is relative to the
// site root and names the section the entry stands for.
type navLink struct{ Href, Label string }

// page is what every template receives.
type page struct {
	Root    string // relative path to the site root: "", "../", ...
	Page    string // this page's path from the root
	Section string // the Nav entry this page belongs to
	Version string
	Nav     []navLink
	// BaseHref is the <base> of a page that may be served at any depth
	// (404.html), when the base URL is known.
	BaseHref string
	Snapshot *snapshot.Snapshot
	// Edition and Base (Root + Edition.Prefix) for pages of one snapshot.
	Edition *edition
	Base    string
	Charts  []chartView
	Scripts []string // script URLs the charts need, in order
	// Page-specific views.
	Rows        []LineupRow
	TPs         []int
	SizeClasses []string
	ArchLegend  any
	SizeLegend  any
	Model       *modelView
	Editions    []*edition
	Content     *ContentPage
	Budget      *budgetView
	// Methodology is the href of the methodology page when the content
	// has one, relative to the root.
	Methodology string
}

// renderer holds the parsed templates: the layout cloned once per page
// template, so pages render concurrently without parsing again.
type renderer struct {
	pages map[string]*template.Template
}

// pageTemplates are the page templates of the site; each defines "title"
// and "content".
var pageTemplates = []string{"index.html", "model.html", "models.html", "snapshots.html", "content.html", "404.html", "budget.html"}

func newRenderer(templatesDir string) (*renderer, error) {
	var src fs.FS = templates.FS
	if templatesDir != "" {
		src = os.DirFS(templatesDir)
	}
	base, err := template.New("").Funcs(funcMap()).ParseFS(src, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, name := range pageTemplates {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(src, name); err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// render executes page template name (e.g. "index.html") in the layout.
func (r *renderer) render(name string, p *page) ([]byte, error) {
	var buf bytes.Buffer
	if err := r.renderTo(&buf, name, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// renderTo is render into a buffer the caller reuses.
func (r *renderer) renderTo(buf *bytes.Buffer, name string, p *page) error {
	if err := r.pages[name].ExecuteTemplate(buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", p.Page, err)
	}
	return nil
}

// Result lists what a build wrote, relative to the output directory.
type Result struct {
	Files []string // sorted
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

// ErrNoECharts is returned (wrapped) when Options.ECharts names a file
// that does not exist.
var ErrNoECharts = errors.New("ECharts not found")

// builder is the state of one Render.
type builder struct {
	ctx     context.Context
	opts    Options
	content *Content
	r       *renderer
	nav     []navLink
	charts  bool
	g       *errgroup.Group
	// dir is the staging directory the site is written to (see publish).
	dir   string
	dirs  sync.Map // directories of dir already created
	bufs  sync.Pool
	mu    sync.Mutex
	files []string
}

// write writes one output file into the staging directory and records it.
// Plain writes suffice: the whole directory replaces the old site at once
// when the build succeeds.
func (b *builder) write(rel string, data []byte) error {
	return b.writeTo(rel, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeTo is write for a file encoded straight into it, such as a whole
// snapshot's JSON, which is then never held in memory whole.
func (b *builder) writeTo(rel string, encode func(io.Writer) error) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	file := filepath.Join(b.dir, filepath.FromSlash(rel))
	if dir := filepath.Dir(file); dir != b.dir {
		if _, done := b.dirs.Load(dir); !done {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			b.dirs.Store(dir, true)
		}
	}
	// The flags and mode of os.WriteFile.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = encode(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.files = append(b.files, rel)
	b.mu.Unlock()
	return nil
}

// buffer returns an empty buffer from the pool; release puts it back.
func (b *builder) buffer() *bytes.Buffer {
	if buf, ok := b.bufs.Get().(*bytes.Buffer); ok {
		buf.Reset()
		return buf
	}
	return new(bytes.Buffer)
}

func (b *builder) release(buf *bytes.Buffer) { b.bufs.Put(buf) }

// goWrite renders or encodes a file on the worker pool.
func (b *builder) goWrite(rel string, make func() ([]byte, error)) {
	b.g.Go(func() error {
		data, err := make()
		if err != nil {
			return err
		}
		return b.write(rel, data)
	})
}

// newPage returns the page at rel with the shared fields set.
func (b *builder) newPage(rel, section string) *page {
	root := strings.Repeat("../", strings.Count(rel, "/"))
	p := &page{Root: root, Page: rel, Section: section, Version: b.opts.Version, Nav: b.nav}
	for _, cp := range b.content.Pages {
		if cp.Slug == "methodology" {
			p.Methodology = cp.Slug + ".html"
		}
	}
	return p
}

func (b *builder) renderPage(tmpl string, p *page) {
	b.g.Go(func() error { return b.writePage(tmpl, p) })
}

// writePage renders p with template tmpl and writes it.
func (b *builder) writePage(tmpl string, p *page) error {
	buf := b.buffer()
	defer b.release(buf)
	if err := b.r.renderTo(buf, tmpl, p); err != nil {
		return err
	}
	return b.write(p.Page, buf.Bytes())
}

// withCharts attaches charts to p unless the build has no chart library.
func (b *builder) withCharts(p *page, cs []chartView) {
	if !b.charts {
		return
	}
	p.Charts = cs
	for _, c := range cs {
		for _, a := range c.Assets {
			if !slices.Contains(p.Scripts, a) {
				p.Scripts = append(p.Scripts, a)
			}
		}
	}
}

// Render renders content into opts.OutDir. The site is written to a new
// directory beside it, which then takes its place (publish): a build that
// fails or is cancelled leaves the previous site as it was, and files an
// earlier build wrote that this one does not are gone.
func Render(ctx context.Context, content *Content, opts Options) (*Result, error) {
	out, err := outputDir(opts)
	if err != nil {
		return nil, err
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("base URL %q: want an absolute http(s) URL such as https://org.github.io/repo/", opts.BaseURL)
		}
		if !strings.HasSuffix(opts.BaseURL, "/") {
			opts.BaseURL += "/"
		}
	}
	var echartsJS []byte
	if opts.ECharts != "" {
		data, err := os.ReadFile(opts.ECharts)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoECharts, err)
		}
		echartsJS = data
	}
	front, err := content.front(opts.Front)
	if err != nil {
		return nil, err
	}
	r, err := newRenderer(opts.TemplatesDir)
	if err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".build-*")
	if err != nil {
		return nil, err
	}
	published := false
	defer func() {
		if !published {
			os.RemoveAll(staging)
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	// Rendering is CPU work and the writes go to the page cache: one job
	// per CPU keeps every CPU busy.
	g.SetLimit(runtime.GOMAXPROCS(0))
	b := &builder{ctx: gctx, opts: opts, content: content, r: r, charts: echartsJS != nil, g: g, dir: staging}
	b.nav = []navLink{{"index.html", "Lineup"}, {"models/index.html", "Models"}, {"snapshots/index.html", "Snapshots"}, {"compare/index.html", "Compare"}, {"history/index.html", "History"}, {"budget/index.html", "Budget"}}
	for _, p := range content.Pages {
		b.nav = append(b.nav, navLink{p.Slug + ".html", p.Title})
	}

	// One slug per model across all snapshots, so a model keeps its page
	// name from one snapshot to the next.
	slugs := modelSlugs(content)
	var editions []*edition // newest first
	for i := len(content.Snapshots) - 1; i >= 0; i-- {
		s := content.Snapshots[i]
		prefix := "snapshots/" + s.ID + "/"
		if s == front {
			prefix = ""
		}
		editions = append(editions, newEdition(s, content.Catalog, prefix, slugs))
	}
	b.renderComparisons(editions) // first: it gives editions their diff links and models their history
	for _, ed := range editions {
		// The whole-snapshot JSON and CSV are the longest jobs: started
		// first, they do not leave one CPU working alone at the end.
		b.writeSnapshotData(ed.Snap)
		b.renderEdition(ed)
	}

	b.renderBudget(front)
	p := b.newPage("snapshots/index.html", "snapshots/index.html")
	p.Snapshot, p.Editions = front, editions
	b.renderPage("snapshots.html", p)
	for i := range content.Pages {
		cp := &content.Pages[i]
		p := b.newPage(cp.Slug+".html", cp.Slug+".html")
		p.Content = cp
		b.renderPage("content.html", p)
	}
	p = b.newPage("404.html", "")
	if opts.BaseURL != "" {
		p.BaseHref = opts.BaseURL
	}
	b.renderPage("404.html", p)
	b.goWrite(".nojekyll", func() ([]byte, error) { return nil, nil })
	if echartsJS != nil {
		b.goWrite("assets/"+echartsFile, func() ([]byte, error) { return echartsJS, nil })
	}
	if err := copyAssets(opts.StaticDir, b.goWrite); err != nil {
		g.Wait()
		return nil, err
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	b.ctx = ctx // the group's context ends with Wait
	if opts.BaseURL != "" {
		if err := b.write("sitemap.xml", sitemap(opts.BaseURL, b.files)); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := publish(staging, out); err != nil {
		return nil, err
	}
	published = true
	sort.Strings(b.files)
	return &Result{Files: b.files, Front: front}, nil
}

// echartsFile is the file name go-echarts loads ECharts from.
const echartsFile = opts.EchartsJS

// modelSlugs gives every model of every snapshot a unique page slug, in a
// fixed order (catalog order, then by name).
func modelSlugs(c *Content) map[string]string {
	seen := map[string]bool{}
	var models []string
	for _, s := range c.Snapshots {
		for _, m := range s.Models() {
			if !seen[m] {
				seen[m] = true
				models = append(models, m)
			}
		}
	}
	slices.SortStableFunc(models, func(a, b string) int { return compareModels(c.Catalog, a, b) })
	sl := newSlugger()
	sl.used["index"] = true // models/index.html
	out := make(map[string]string, len(models))
	for _, m := range models {
		out[m] = sl.slug(m, "model")
	}
	return out
}

// renderEdition writes one snapshot's lineup, models index and model
// pages with their downloads.
func (b *builder) renderEdition(ed *edition) {
	section := func(s string) string {
		if ed.Front {
			return s
		}
		return "snapshots/index.html"
	}
	p := b.newPage(ed.Prefix+"index.html", section("index.html"))
	p.Snapshot, p.Edition, p.Base = ed.Snap, ed, p.Root+ed.Prefix
	p.Rows = ed.Rows
	p.ArchLegend, p.SizeLegend = catalog.ArchLegend, catalog.SizeLegend
	p.SizeClasses = sizeClasses
	tps := map[int]bool{}
	for _, r := range ed.Rows {
		if !tps[r.Run.Config.TP] {
			tps[r.Run.Config.TP] = true
			p.TPs = append(p.TPs, r.Run.Config.TP)
		}
	}
	slices.Sort(p.TPs)
	b.withCharts(p, lineupCharts(ed.Rows, p.Root))
	b.renderPage("index.html", p)

	p = b.newPage(ed.Prefix+"models/index.html", section("models/index.html"))
	p.Snapshot, p.Edition, p.Base = ed.Snap, ed, p.Root+ed.Prefix
	b.renderPage("models.html", p)

	for _, mv := range ed.Models {
		dir := ed.Prefix + "models/" + mv.Slug + "/"
		p := b.newPage(dir+"index.html", section("models/index.html"))
		p.Snapshot, p.Edition, p.Base, p.Model = ed.Snap, ed, p.Root+ed.Prefix, mv
		// One job per model: its page (charts included, they are most of
		// its cost), its CSV and the CSVs of its configurations.
		b.g.Go(func() error {
			b.withCharts(p, modelCharts(mv, p.Root))
			if err := b.writePage("model.html", p); err != nil {
				return err
			}
			runs := make([]*snapshot.Run, len(mv.Runs))
			for i, rv := range mv.Runs {
				runs[i] = rv.Run
			}
			// The model's CSV is the header and every run's row; each
			// run's own CSV is the header and its row, cut from the same
			// encoding.
			all := b.buffer()
			defer b.release(all)
			ends := writeRunsCSV(all, ed.Snap, runs, make([]int, 0, len(runs)+1))
			data := all.Bytes()
			var file []byte
			for i, rv := range mv.Runs {
				file = append(append(file[:0], data[:ends[0]]...), data[ends[i]:ends[i+1]]...)
				if err := b.write(dir+"runs/"+rv.ID+".csv", file); err != nil {
					return err
				}
				if rv.HasTimeline {
					file = appendTimelineCSV(file[:0], rv.Run.Timeline)
					if err := b.write(dir+"runs/"+rv.ID+".timeline.csv", file); err != nil {
						return err
					}
				}
			}
			return b.write(dir+mv.Slug+".csv", data)
		})
	}
}

// writeSnapshotData writes a snapshot's JSON, as the collector wrote it,
// and its full CSV under data/.
func (b *builder) writeSnapshotData(s *snapshot.Snapshot) {
	b.g.Go(func() error {
		return b.writeTo("data/"+s.ID+".json", func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 1<<16)
			if err := snapshot.Encode(bw, s, 1); err != nil {
				return err
			}
			return bw.Flush()
		})
	})
	b.goWrite("data/"+s.ID+".csv", func() ([]byte, error) {
		runs := make([]*snapshot.Run, len(s.Runs))
		for i := range s.Runs {
			runs[i] = &s.Runs[i]
		}
		return runsCSV(s, runs), nil
	})
}

// sitemap lists every page but 404.html under base.
func sitemap(base string, files []string) []byte {
	var pages []string
	for _, f := range files {
		if strings.HasSuffix(f, ".html") && f != "404.html" {
			pages = append(pages, f)
		}
	}
	sort.Strings(pages)
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, p := range pages {
		loc := base + strings.TrimSuffix(p, "index.html")
		buf.WriteString("<url><loc>")
		xmlEscape(&buf, loc)
		buf.WriteString("</loc></url>\n")
	}
	buf.WriteString("</urlset>\n")
	return buf.Bytes()
}

// copyAssets copies the stylesheet and scripts to assets/ and the favicon
// to the root.
func copyAssets(dir string, write func(string, func() ([]byte, error))) error {
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
		rel := "assets/" + p
		if p == "favicon.svg" {
			rel = p
		}
		write(rel, func() ([]byte, error) { return data, nil })
		return nil
	})
}

// jsonForScript encodes v for a <script type="application/json"> element:
// encoding/json escapes '<', '>', '&', U+2028 and U+2029, so no value can
// end the element or the script.
func jsonForScript(v any) (template.JS, error) {
	data, err := json.Marshal(v)
	return template.JS(data), err
}

func xmlEscape(buf *bytes.Buffer, s string) {
	// xml.EscapeText writes to an io.Writer; a bytes.Buffer never fails.
	_ = xml.EscapeText(buf, []byte(s))
}
