package logparse

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func readRef(t testing.TB, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "reference", file))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dumpLog renders a parse result as indented JSON (pointers as values).
func dumpLog(l *ServerLog) string {
	out, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(out)
}

// TestGolden parses each whole reference file (its comment lines included,
// as noise a real log could hold) and compares the result and its summary
// with testdata/golden; -update rewrites them, a mismatch writes *.got.
func TestGolden(t *testing.T) {
	for _, file := range []string{"vllm_throughput_lines.txt", "vllm_startup_lines.txt", "failures.txt", "vllm_bench_outputs.txt"} {
		t.Run(file, func(t *testing.T) {
			log, err := ParseServerLog(bytes.NewReader(readRef(t, file)))
			if err != nil {
				t.Fatal(err)
			}
			sum := Summarize(log.Stats)
			got, err := json.MarshalIndent(struct {
				Log     *ServerLog
				Summary Throughput
			}{log, sum}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", file+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				if err := os.WriteFile(golden+".got", got, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Errorf("%s differs from %s (wrote %s.got)", file, golden, golden)
			}
		})
	}
}
