package sweep

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/launcher/config"
)

// FuzzExpand parses and expands arbitrary sweep files: no panic, errors
// are *config.Error with a file name, and every run directory stays
// inside the output directory.
func FuzzExpand(f *testing.F) {
	f.Add(seedSample)
	f.Add("runs:\n  - name: a\n    args:\n      model-name-or-path: [m/a, m/b]\n      tp: [1, 2]\n      speculative-config: ['{\"method\": \"ngram\", \"num_speculative_tokens\": 3}', ngram:4]\n")
	f.Add("experiments:\n  - name: ../x\n    args: {model-name-or-path: ../../y, max-tokens: [1, 2]}\n")
	f.Add("fixed_args: {tp: [1, 2]}\nruns:\n  - {name: a, args: {model-name-or-path: &m x/y, pp: 2}}\n  - {name: b, args: {model-name-or-path: *m}}\n")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := config.Parse("f.yaml", []byte(src))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		// Keep huge products out of the fuzzer's way.
		n := 1
		for _, r := range file.Runs {
			m := 1
			for _, a := range append(append(config.Args{}, file.FixedArgs...), r.Args...) {
				m *= len(a.Values)
			}
			n += m
		}
		if n > 5000 {
			return
		}
		s, err := Expand(file)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, r := range s.Runs {
			if !filepath.IsLocal(r.Rel) {
				t.Fatalf("run dir %q escapes", r.Rel)
			}
			if r.Config.SpeculativeConfig != nil && !json.Valid(r.Config.SpeculativeConfig) {
				t.Fatalf("invalid speculative config %s", r.Config.SpeculativeConfig)
			}
			if r.GPUs > r.Nodes*r.GPUsPerNode {
				t.Fatalf("%d GPUs on %d x %d", r.GPUs, r.Nodes, r.GPUsPerNode)
			}
		}
	})
}

// FuzzParseSpec: a spec either fails or has a label that is a safe path
// segment and, unless none, valid canonical JSON that parses back to the
// same label.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"None", "ngram:5", "suffix:32", `{"method": "ngram", "num_speculative_tokens": 6}`, `{"model": "a/b-c", "num_speculative_tokens": 2}`, "", "ngram:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSpec(in, false)
		if err != nil {
			return
		}
		if s.Label == "" || strings.ContainsAny(s.Label, "/ ") || strings.HasPrefix(s.Label, ".") {
			t.Fatalf("label %q", s.Label)
		}
		if s.None() {
			return
		}
		if !json.Valid(s.JSON) {
			t.Fatalf("invalid JSON %s", s.JSON)
		}
		again, err := ParseSpec(string(s.JSON), false)
		if err != nil || again.Label != s.Label || string(again.JSON) != string(s.JSON) {
			t.Fatalf("canonical %s re-parses to %q %s (%v)", s.JSON, again.Label, again.JSON, err)
		}
	})
}
