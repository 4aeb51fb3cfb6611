package config

import (
	"errors"
	"strings"
	"testing"
)

// Sweep files follow the seed's format (/work/shared/seed/vllm-benchmark-README.md).
func TestParse(t *testing.T) {
	src := `script: "examples/inference/generate_data.py"
continue_on_failure: true
fixed_args:
  qos: "high"
  max_num_seqs: 256
  speculative-config: {method: ngram, num_speculative_tokens: 6}
runs:
  - name: "Qwen3-4B"
    args:
      model-name-or-path: "Qwen/Qwen3-4B-Thinking-2507"
      tp: [1, 2, 4]
      speculative-config: [None, ~]
`
	f, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if f.Script != "examples/inference/generate_data.py" || !f.ContinueOnFailure || f.RunsKey != "runs" || len(f.Runs) != 1 {
		t.Fatalf("%+v", f)
	}
	mns, ok := f.FixedArgs.Get("max-num-seqs")
	if !ok || mns.List || mns.Values[0].Text != "256" || mns.Pos != (Pos{5, 3}) {
		t.Errorf("max_num_seqs: %+v", mns)
	}
	spec, _ := f.FixedArgs.Get("speculative-config")
	if !spec.Values[0].Mapping || spec.Values[0].Text != `{"method":"ngram","num_speculative_tokens":6}` {
		t.Errorf("mapping: %+v", spec.Values[0])
	}
	tp, _ := f.Runs[0].Args.Get("tp")
	if !tp.List || len(tp.Values) != 3 || tp.Values[2].Pos != (Pos{11, 18}) {
		t.Errorf("tp: %+v", tp)
	}
	sc, _ := f.Runs[0].Args.Get("speculative-config")
	if sc.Values[0].Null || sc.Values[0].Text != "None" || !sc.Values[1].Null {
		t.Errorf("None is text, ~ is null: %+v", sc.Values)
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse("dir/s.yaml", []byte("runs:\n  - name: a\n    argz: {}\n"))
	var ce *Error
	if !errors.As(err, &ce) || ce.Pos != (Pos{3, 5}) || ce.Field != "runs[0].argz" || err.Error() != "dir/s.yaml:3:5: runs[0].argz: unknown key (want name and args)" {
		t.Errorf("%#v: %v", ce, err)
	}
	_, err = Parse("s.yaml", []byte("runs: [\n"))
	if !errors.As(err, &ce) || ce.Pos.Line != 1 || !strings.HasPrefix(err.Error(), "s.yaml:1: ") {
		t.Errorf("syntax error: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("runs:\n  - name: a\n    args: {tp: [1, 2]}\n")
	f.Add("script: x\ncontinue_on_failure: yes\nfixed_args: {a: &x 1, b: *x}\nexperiments: [{name: n, args: {}}]\n")
	f.Add("runs: [{name: a, args: {s: {k: [1, {z: 2}]}}}]")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("f.yaml", []byte(src))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "f.yaml" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if len(file.Runs) == 0 {
			t.Fatal("a parsed file has runs")
		}
		for _, r := range file.Runs {
			if r.Name == "" {
				t.Fatal("a run without a name")
			}
			for _, a := range r.Args {
				if len(a.Values) == 0 || a.Key != NormKey(a.Key) {
					t.Fatalf("arg %+v", a)
				}
			}
		}
	})
}
