package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var goldenExt = map[string]string{FormatText: "txt", FormatMarkdown: "md", FormatCSV: "csv", FormatJSON: "json"}

// TestGolden renders both example pairs in every format and compares with
// testdata/golden; -update rewrites the files, a mismatch writes *.got
// beside the golden file.
func TestGolden(t *testing.T) {
	a, b := publishedA(t), publishedB(t)
	co, cn := clusterPair(t)
	pairs := []struct {
		name     string
		old, new *snapshot.Snapshot
	}{
		{"published", a, b},
		{"cluster", co, cn},
	}
	for _, p := range pairs {
		d := Compare(p.old, p.new, DefaultOptions())
		for _, format := range Formats {
			t.Run(p.name+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Write(&buf, d, format); err != nil {
					t.Fatal(err)
				}
				file := filepath.Join("testdata", "golden", p.name+"."+goldenExt[format])
				checkGolden(t, file, buf.Bytes())
			})
		}
	}
}

func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := snapshot.WriteFileAtomic(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		if err := snapshot.WriteFileAtomic(file+".got", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s differs from the output; wrote %s.got (run go test -update if the change is intended)", file, file)
	}
}
