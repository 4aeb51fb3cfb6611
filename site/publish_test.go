package site_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/site"
)

// tree reads every file under dir, by slash path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	must(t, filepathWalk(dir, func(rel string, data []byte) { files[rel] = string(data) }))
	return files
}

// leftovers lists what a build left beside out: staging or old directories.
func leftovers(t *testing.T, out string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(out))
	must(t, err)
	var names []string
	for _, e := range entries {
		if e.Name() != filepath.Base(out) {
			names = append(names, e.Name())
		}
	}
	return names
}

// A rebuild replaces the whole output: a file no build writes any more is
// gone, and the result lists exactly the files on disk.
func TestRebuildRemovesStaleFiles(t *testing.T) {
	content := contentDir(t, richSnapshot())
	out := filepath.Join(t.TempDir(), "public")
	opts := site.Options{ContentDir: content, OutDir: out, Version: "test"}
	_, err := site.Build(context.Background(), opts)
	must(t, err)
	stale := filepath.Join(out, "models", "retired-model", "index.html")
	must(t, os.MkdirAll(filepath.Dir(stale), 0o755))
	must(t, os.WriteFile(stale, []byte("old"), 0o644))
	res, err := site.Build(context.Background(), opts)
	must(t, err)
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale page survived the rebuild (stat: %v)", err)
	}
	if got := slices.Sorted(maps.Keys(tree(t, out))); !slices.Equal(got, res.Files) {
		t.Errorf("files on disk differ from the result:\n%q\n%q", got, res.Files)
	}
	if l := leftovers(t, out); len(l) != 0 {
		t.Errorf("the build left %q beside the output", l)
	}
	fi, err := os.Stat(out)
	must(t, err)
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("output directory mode %v, want 0755", fi.Mode().Perm())
	}
}

// A build that fails, or is cancelled, leaves the previous site exactly as
// it was and nothing beside it.
func TestFailedBuildKeepsPreviousSite(t *testing.T) {
	content := contentDir(t, richSnapshot())
	out := filepath.Join(t.TempDir(), "public")
	_, err := site.Build(context.Background(), site.Options{ContentDir: content, OutDir: out, Version: "test"})
	must(t, err)
	before := tree(t, out)

	// Templates that parse but fail on the model pages, after other pages
	// were written.
	broken := t.TempDir()
	entries, err := os.ReadDir("../templates")
	must(t, err)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".html" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("../templates", e.Name()))
		must(t, err)
		if e.Name() == "model.html" {
			data = []byte(strings.Replace(string(data), `{{define "content"}}`, `{{define "content"}}{{index .Rows 99}}`, 1))
		}
		must(t, os.WriteFile(filepath.Join(broken, e.Name()), data, 0o644))
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		opts site.Options
		want string
	}{
		{"template error", context.Background(), site.Options{TemplatesDir: broken}, "render models/"},
		{"cancelled", cancelled, site.Options{}, context.Canceled.Error()},
		{"missing echarts", context.Background(), site.Options{ECharts: "no/such/echarts.js"}, "ECharts not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.ContentDir, opts.OutDir, opts.Version = content, out, "other"
			_, err := site.Build(tt.ctx, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if after := tree(t, out); !maps.Equal(before, after) {
				t.Errorf("the failed build changed the previous site: %d files before, %d after", len(before), len(after))
			}
			if l := leftovers(t, out); len(l) != 0 {
				t.Errorf("the failed build left %q beside the output", l)
			}
		})
	}
}

// A build never replaces a directory that holds something other than a
// site, or the content it reads.
func TestOutputDirRefused(t *testing.T) {
	content := contentDir(t, richSnapshot())

	notSite := t.TempDir()
	must(t, os.WriteFile(filepath.Join(notSite, "thesis.tex"), []byte("precious"), 0o644))
	_, err := site.Build(context.Background(), site.Options{ContentDir: content, OutDir: notSite})
	if !errors.Is(err, site.ErrNotASite) {
		t.Errorf("non-empty directory without a site: err = %v, want ErrNotASite", err)
	}
	if data, err := os.ReadFile(filepath.Join(notSite, "thesis.tex")); err != nil || string(data) != "precious" {
		t.Errorf("the refused directory changed: %q, %v", data, err)
	}

	_, err = site.Build(context.Background(), site.Options{ContentDir: content, OutDir: filepath.Dir(content)})
	if err == nil || !strings.Contains(err.Error(), "holds the content directory") {
		t.Errorf("output around the content: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(content, "models.yaml")); err != nil {
		t.Errorf("content damaged: %v", err)
	}
}

// An output directory reached through a symlink: the link stays, the
// directory it points to gets the site.
func TestSymlinkedOutputDir(t *testing.T) {
	content := contentDir(t, richSnapshot())
	root := t.TempDir()
	target := filepath.Join(root, "sites", "lineup")
	must(t, os.MkdirAll(target, 0o755))
	link := filepath.Join(root, "public")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	_, err := site.Build(context.Background(), site.Options{ContentDir: content, OutDir: link, Version: "test"})
	must(t, err)
	fi, err := os.Lstat(link)
	must(t, err)
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a directory")
	}
	if _, err := os.Stat(filepath.Join(target, "index.html")); err != nil {
		t.Errorf("the site is not in the link's target: %v", err)
	}
}
