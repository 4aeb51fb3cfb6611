package collector

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lineup-dev/lineup/collector/internal/synthtree"
)

// benchTree writes a synthetic tree of 200 runs x 400 stats lines (about
// 23 MB; `make bench` uses 2,000 runs).
func benchTree(b *testing.B) string {
	b.Helper()
	root := b.TempDir()
	if err := synthtree.Generate(root, 200, 400, 1); err != nil {
		b.Fatal(err)
	}
	return root
}

func treeBytes(b *testing.B, root string) int64 {
	dirs, _, err := discover(context.Background(), root)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, d := range dirs {
		for _, f := range d.Files {
			n += f.Size
		}
	}
	return n
}

func BenchmarkCollectCold(b *testing.B) {
	root := benchTree(b)
	b.SetBytes(treeBytes(b, root))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Collect(context.Background(), Options{Root: root, Now: fixedNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCollectCached: every run from the run cache (no tree state):
// walk, cache load, assemble and snapshot build.
func BenchmarkCollectCached(b *testing.B) {
	root := benchTree(b)
	cache := filepath.Join(b.TempDir(), DefaultCacheName)
	if _, err := Collect(context.Background(), Options{Root: root, Now: fixedNow, CacheFile: cache}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(treeBytes(b, root))
	b.ResetTimer()
	for b.Loop() {
		res, err := Collect(context.Background(), Options{Root: root, Now: fixedNow, CacheFile: cache})
		if err != nil {
			b.Fatal(err)
		}
		if res.Report.CacheHits != res.Report.RunDirs {
			b.Fatalf("%d of %d runs from the cache", res.Report.CacheHits, res.Report.RunDirs)
		}
	}
}

// BenchmarkCollectUnchanged is a re-collect of an unchanged tree as
// `lineup collect` does it: the tree state vouches for every directory and
// file with one stat each, and nothing is walked, parsed or written. Its
// time over BenchmarkCollectCold's is the incremental ratio.
func BenchmarkCollectUnchanged(b *testing.B) {
	root, out := benchTree(b), b.TempDir()
	ageTree(b, root) // finished jobs' directories are older than racyWindow
	opt := Options{Root: root, Now: fixedNow, CacheFile: filepath.Join(out, DefaultCacheName), StateFile: filepath.Join(out, DefaultStateName)}
	res, err := Collect(context.Background(), opt)
	if err != nil {
		b.Fatal(err)
	}
	w, err := Write(res, WriteOptions{OutDir: out})
	if err != nil {
		b.Fatal(err)
	}
	if err := res.SaveState(w, ""); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(treeBytes(b, root))
	b.ResetTimer()
	for b.Loop() {
		res, err := Collect(context.Background(), opt)
		if err != nil {
			b.Fatal(err)
		}
		if res.Unchanged == nil {
			b.Fatal("the tree is not found unchanged")
		}
	}
}
