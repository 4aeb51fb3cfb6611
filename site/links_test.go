package site_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// filepathWalk calls fn with every file under dir, by slash path.
func filepathWalk(dir string, fn func(rel string, data []byte)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fn(filepath.ToSlash(rel), data)
		return nil
	})
}

// reference is one URL a page uses, and what for.
type reference struct {
	tag, attr, rel, url string
}

func references(data []byte) (refs []reference, ids map[string]bool) {
	ids = map[string]bool{}
	z := html.NewTokenizer(bytes.NewReader(data))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return refs, ids
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, more := z.TagName()
		attrs := map[string]string{}
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			attrs[string(k)] = string(v)
		}
		if id, ok := attrs["id"]; ok {
			ids[id] = true
		}
		for _, a := range []string{"href", "src"} {
			if v, ok := attrs[a]; ok {
				refs = append(refs, reference{string(name), a, attrs["rel"], v})
			}
		}
	}
}

// checkLinks fails t for every relative link or resource of a page under
// dir that names no file, and every #fragment that names no element of
// its page.
func checkLinks(t testing.TB, dir string) {
	t.Helper()
	pages := map[string][]byte{}
	files := map[string]bool{}
	must(t, filepathWalk(dir, func(rel string, data []byte) {
		files[rel] = true
		if strings.HasSuffix(rel, ".html") {
			pages[rel] = data
		}
	}))
	idsOf := map[string]map[string]bool{}
	refsOf := map[string][]reference{}
	for rel, data := range pages {
		refsOf[rel], idsOf[rel] = references(data)
	}
	for rel, refs := range refsOf {
		for _, r := range refs {
			u, err := url.Parse(r.url)
			if err != nil {
				t.Errorf("%s: <%s %s=%q>: %v", rel, r.tag, r.attr, r.url, err)
				continue
			}
			if u.Scheme != "" || u.Host != "" {
				continue // external links are checked by checkNoExternalRefs
			}
			target := rel
			if u.Path != "" {
				target = path.Join(path.Dir(rel), u.Path)
				if strings.HasSuffix(u.Path, "/") {
					target += "/index.html"
				}
			}
			if strings.HasPrefix(target, "../") || !files[target] {
				t.Errorf("%s: <%s %s=%q> names %s, which the build did not write", rel, r.tag, r.attr, r.url, target)
				continue
			}
			if u.Fragment != "" && strings.HasSuffix(target, ".html") && !idsOf[target][u.Fragment] {
				t.Errorf("%s: <%s %s=%q>: %s has no element #%s", rel, r.tag, r.attr, r.url, target, u.Fragment)
			}
		}
	}
}

var cssURL = regexp.MustCompile(`(?i)(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]*)`)

// checkNoExternalRefs fails t for any file under dir that makes a browser
// fetch from another host: a script, stylesheet, icon, image, media or
// frame source, or a CSS url()/@import (fonts included), that is absolute
// (http://, https:// or protocol-relative //). Links a reader clicks
// (<a href>) may leave the site.
func checkNoExternalRefs(t testing.TB, dir string) {
	t.Helper()
	must(t, filepathWalk(dir, func(rel string, data []byte) {
		switch path.Ext(rel) {
		case ".html":
			refs, _ := references(data)
			for _, r := range refs {
				if r.tag == "a" || r.tag == "base" { // <base> loads nothing: it is the site's own address
					continue
				}
				if external(r.url) {
					t.Errorf("%s: <%s %s=%q> loads from another host", rel, r.tag, r.attr, r.url)
				}
			}
			for _, m := range cssURL.FindAllSubmatch(data, -1) {
				t.Errorf("%s: inline style loads %s", rel, m[1])
			}
		case ".css":
			for _, m := range cssURL.FindAllSubmatch(data, -1) {
				t.Errorf("%s loads %s", rel, m[1])
			}
		}
	}))
}

func external(raw string) bool {
	s := strings.ToLower(strings.TrimSpace(raw))
	return strings.HasPrefix(s, "http:") || strings.HasPrefix(s, "https:") || strings.HasPrefix(s, "//")
}

// The checkers catch what they are for.
func TestCheckersDetect(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte(`<!DOCTYPE html><html><head>
<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/s.css">
<style>@font-face{src:url(https://fonts.example/f.woff2)}</style></head>
<body><a href="missing.html">x</a><a href="index.html#nope">y</a><img src="http://img.example/i.png"></body></html>`), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "s.css"), []byte(`@import "https://x.example/a.css";`), 0o644))
	rec := &recorder{TB: t}
	checkLinks(rec, dir)
	checkNoExternalRefs(rec, dir)
	want := []string{"missing.html", "no element #nope", "cdn.example/x.js", "//cdn.example/s.css", "fonts.example", "img.example", "x.example/a.css"}
	all := strings.Join(rec.errs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("checkers missed %q; reported:\n%s", w, all)
		}
	}
}

// recorder collects the errors a checker reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, strings.TrimSpace(sprintf(format, args...)))
}
func (r *recorder) Helper() {}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
