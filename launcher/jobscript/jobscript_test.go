package jobscript

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/launcher/config"
	"github.com/lineup-dev/lineup/launcher/rundir"
	"github.com/lineup-dev/lineup/launcher/sweep"
)

var update = flag.Bool("update", false, "rewrite the golden job scripts")

// Sweep files below follow the seed's format
// (/work/shared/seed/vllm-benchmark-README.md, "Prepare a Configuration").
func runs(t *testing.T, src string) (*sweep.Sweep, []sweep.Run) {
	t.Helper()
	f, err := config.Parse("sweep.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.Expand(f)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Runs
}

func render(t *testing.T, s *sweep.Sweep, r *sweep.Run, outRoot string) []byte {
	t.Helper()
	tmpl, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := path.Join(outRoot, r.Rel)
	b, err := tmpl.Render(NewData(r, s.Script, dir, "/work/sweeps", outRoot, "v0.0.0-test"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(file+".got", got, 0o644)
		t.Errorf("%s differs from the golden file; wrote %s.got (go test -update accepts it)", file, file)
	}
}

func TestGoldenScripts(t *testing.T) {
	tests := []struct {
		golden, src string
	}{
		{"builtin_random.sbatch", `fixed_args:
  qos: high
  time: "1:00:00"
  model-max-context: 2048
  max-tokens: 1024
  random-input-len: 512
runs:
  - name: gemma
    args:
      model-name-or-path: google/gemma-3-1b-it
      tp: 2
      speculative-config: "ngram:6"
`},
		{"builtin_hf_dataset.sbatch", `fixed_args:
  partition: gpu
  account: proj-1
  exclusive: true
  mem: 200G
  cpus-per-task: 16
  max-tokens: 1024
  input-dataset-name: "simplescaling/s1K-1.1"
  input-dataset-split: train
  prompt-column: question
  num-prompts: 1000
  max-concurrency: 256
  trust-remote-code: true
runs:
  - name: qwen
    args:
      model-name-or-path: Qwen/Qwen3-30B-A3B-Thinking-2507
      quantization: fp8
      kv-cache-dtype: fp8
      max-num-seqs: 512
`},
		{"builtin_multinode.sbatch", `runs:
  - name: kimi
    args:
      model-name-or-path: moonshotai/Kimi-K2-Instruct
      tp: 8
      pp: 2
      input-dataset-path: /datasets/prompts.jsonl
      max-tokens: 512
`},
		{"script_seed.sbatch", `script: "examples/inference/generate_data.py"
fixed_args:
  qos: "high"
  time: "1:00:00"
  model-max-context: 2048
  max-tokens: 1024
  input-dataset-name: "simplescaling/s1K-1.1"
  prompt-column: "question"
  output-dataset-name: "s1K-1.1-benchmark"
  output-dir: "data"
runs:
  - name: "Qwen3-4B"
    args:
      model-name-or-path: "Qwen/Qwen3-4B-Thinking-2507"
      tp: 2
      speculative-config: "ngram:5"
`},
		{"hostile.sbatch", `script: "$(touch /tmp/lineup-pwned).py"
runs:
  - name: "'; rm -rf ~ #"
    args:
      model-name-or-path: "$(touch /tmp/lineup-pwned)"
      prompt-column: "'; rm -rf ~ #"
      output-dir: "../out $(id)"
`},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			s, rs := runs(t, tt.src)
			got := render(t, s, &rs[0], "/data/out")
			golden(t, tt.golden, got)
			cmd := exec.Command("bash", "-n")
			cmd.Stdin = bytes.NewReader(got)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("bash -n: %v\n%s", err, out)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "plain", "a b", "it's", "$(touch x)", "`id`", "'; rm -rf ~ #", "a\nb", `back\slash`, "--flag=v", "~", "*", "{a,b}", "!x", `"`} {
		out, err := exec.Command("bash", "-c", "printf '%s' "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("Quote(%q) = %s: %v", s, Quote(s), err)
		}
		if string(out) != s {
			t.Errorf("bash read Quote(%q) = %s back as %q", s, Quote(s), out)
		}
	}
}

// scriptFunc extracts a bash function from the rendered template.
func scriptFunc(t *testing.T, script, name string) string {
	t.Helper()
	i := strings.Index(script, "\n"+name+"() {")
	if i < 0 {
		t.Fatalf("no function %s in the script", name)
	}
	j := strings.Index(script[i:], "\n}\n")
	return script[i : i+j+3]
}

func jsonStr(t testing.TB, fn, s string) ([]byte, error) {
	cmd := exec.Command("bash", "-c", fn+"\njson_str \"$1\"", "_", s)
	return cmd.Output()
}

func TestJSONStr(t *testing.T) {
	s, rs := runs(t, "runs:\n  - name: a\n    args: {model-name-or-path: m/m}\n")
	fn := scriptFunc(t, string(render(t, s, &rs[0], "/o")), "json_str")
	for _, in := range []string{"", "plain", `quote " and \ backslash`, "new\nline\r\ttab", "\x01\x02\x1f\x7f", "\b\f\v", "ünïcødé ✓", "NVIDIA H200", `\u0000`, "\\\"\\"} {
		out, err := jsonStr(t, fn, in)
		if err != nil {
			t.Fatalf("json_str %q: %v", in, err)
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("json_str %q printed %s: %v", in, out, err)
		}
		if got != in {
			t.Errorf("json_str %q round-trips to %q", in, got)
		}
	}
}

func FuzzJSONStr(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\\", "\n\t\x01", "✓"} {
		f.Add(s)
	}
	s, rs := func() (*sweep.Sweep, []sweep.Run) {
		fl, _ := config.Parse("s.yaml", []byte("runs:\n  - name: a\n    args: {model-name-or-path: m/m}\n"))
		s, _ := sweep.Expand(fl)
		return s, s.Runs
	}()
	tmpl, _ := Load("")
	b, _ := tmpl.Render(NewData(&rs[0], s.Script, "/o/a", "/w", "/o", "v"))
	script := string(b)
	i := strings.Index(script, "\njson_str() {")
	fn := script[i : i+strings.Index(script[i:], "\n}\n")+3]
	f.Fuzz(func(t *testing.T, in string) {
		if strings.ContainsRune(in, 0) || !validUTF8(in) {
			t.Skip("bash strings hold no NUL; invalid UTF-8 is replaced by the JSON reader")
		}
		out, err := jsonStr(t, fn, in)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("json_str %q printed %s: %v", in, out, err)
		}
		if got != in {
			t.Fatalf("json_str %q round-trips to %q", in, got)
		}
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// TestRunHostileScript executes a rendered script whose values are shell
// code, with a stand-in vllm that records its arguments and dies: nothing
// runs, the values arrive verbatim, status.json and env.json parse.
func TestRunHostileScript(t *testing.T) {
	tmp := t.TempDir()
	marker := filepath.Join(tmp, "pwned")
	evil := "$(touch " + marker + ")"
	src := "runs:\n  - name: \"'; touch " + marker + " #\"\n    args:\n      model-name-or-path: \"" + evil + "\"\n      input-dataset-path: \"`touch " + marker + "`\"\n"
	s, rs := runs(t, src)
	bin := filepath.Join(tmp, "bin")
	os.Mkdir(bin, 0o755)
	// Stand-in vllm (bash, for this unit test only): `--version` prints a
	// version, serve records argv and prints a real CUDA OOM line from
	// /work/shared/reference/vllm-logs/failures.txt (dots.ocr issue #196).
	stub := `#!/bin/bash
if [ "$1" = --version ]; then echo 0.15.1; exit 0; fi
printf '%s\n' "$@" > "` + filepath.Join(tmp, "argv") + `"
echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 74.16 GiB. GPU 0 has a total capacity of 44.40 GiB of which 29.89 GiB is free.'
exit 1
`
	os.WriteFile(filepath.Join(bin, "vllm"), []byte(stub), 0o755)
	os.WriteFile(filepath.Join(bin, "nvidia-smi"), []byte("#!/bin/bash\necho 'NVIDIA H200, 143771 MiB, 580.159.04'\n"), 0o755)
	out := filepath.Join(tmp, "out")
	dir := filepath.Join(out, filepath.FromSlash(rs[0].Rel))
	tmpl, _ := Load("")
	b, err := tmpl.Render(NewData(&rs[0], s.Script, dir, tmp, out, "v"))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(tmp, "job.sbatch")
	os.WriteFile(script, b, 0o755)
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "LINEUP_JOB_ID=local-1", "SLURM_JOB_ID=", "SLURM_JOB_NODELIST=")
	cmd.Dir = tmp
	done := make(chan struct{})
	var outb []byte
	go func() { outb, _ = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("job script did not finish")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("a config value was executed as shell code\n%s", outb)
	}
	argv, err := os.ReadFile(filepath.Join(tmp, "argv"))
	if err != nil {
		t.Fatalf("vllm serve not run: %v\n%s", err, outb)
	}
	if first := strings.SplitN(string(argv), "\n", 3)[1]; first != evil {
		t.Errorf("vllm got model %q, want %q", first, evil)
	}
	st, err := rundir.ReadStatus(dir)
	if err != nil {
		t.Fatalf("status.json: %v\n%s", err, outb)
	}
	if st.State != rundir.StatusFailed || st.Reason != "OOM" || st.ExitCode != 1 || st.JobID != "local-1" || st.End.Before(st.Start) {
		t.Errorf("status %+v", st)
	}
	if !strings.Contains(st.Detail, "CUDA out of memory") {
		t.Errorf("detail %q lacks the server log's last lines", st.Detail)
	}
	env, err := rundir.ReadEnv(dir)
	if err != nil {
		t.Fatalf("env.json: %v", err)
	}
	if len(env.GPUs) != 1 || env.GPUs[0] != (rundir.GPU{Name: "NVIDIA H200", MemoryMiB: 143771, Driver: "580.159.04"}) || env.VLLMVersion != "0.15.1" || len(env.Hostnames) != 1 {
		t.Errorf("env %+v", env)
	}
}
