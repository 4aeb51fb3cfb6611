package site

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"google/gemma-3-1b-it", "google-gemma-3-1b-it"},
		{"Qwen/Qwen3.5-9B", "qwen-qwen3-5-9b"},
		{"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", "nvidia-nvidia-nemotron-3-nano-30b-a3b-fp8"},
		{"evil/<script>alert(1)</script>", "evil-script-alert-1-script"},
		{"../../etc/passwd", "etc-passwd"},
		{"---", "fallback"},
		{"", "fallback"},
		{"Ünïcödé/模型", "n-c-d"},
		{strings.Repeat("a", 200), strings.Repeat("a", maxSlug)},
	}
	for _, tt := range tests {
		if got := slugify(tt.in, "fallback"); got != tt.want {
			t.Errorf("slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSluggerUnique(t *testing.T) {
	s := newSlugger()
	var got []string
	for _, in := range []string{"a/b", "a-b", "A/B", "c"} {
		got = append(got, s.slug(in, "x"))
	}
	if strings.Join(got, " ") != "a-b a-b-2 a-b-3 c" {
		t.Errorf("slugs = %q", got)
	}
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"google/gemma-3-1b-it", "", "<>", "a--b", "Ünï/模型", strings.Repeat("ab-", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := slugify(in, "fallback")
		if !slugPattern.MatchString(got) || len(got) > maxSlug {
			t.Errorf("slugify(%q) = %q: not [a-z0-9-], trimmed, at most %d bytes", in, got, maxSlug)
		}
	})
}

// shellWord asks a real shell what word a quoted string is.
func shellWord(t *testing.T, quoted string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "printf '%s' "+quoted).Output()
	if err != nil {
		t.Fatalf("sh -c printf %s: %v", quoted, err)
	}
	return string(out)
}

func TestShellQuote(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, in := range []string{"", "auto", "Qwen/Qwen3-1.7B", `{"method":"ngram","num_speculative_tokens":6}`,
		"it's", "a b", "$(rm -rf ~)", "`id`", "x; echo pwned", "tab\there", "new\nline", "'", "\\", "*", "~"} {
		q := shellQuote(in)
		if got := shellWord(t, q); got != in {
			t.Errorf("shellQuote(%q) = %s, which sh reads as %q", in, q, got)
		}
	}
}

func FuzzShellQuote(f *testing.F) {
	for _, s := range []string{"", "auto", "it's", "$(x)", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q := shellQuote(in)
		// Either bare safe characters, or single-quoted with every ' closed,
		// escaped and reopened: nothing a shell expands.
		if q == in {
			if in == "" || strings.ContainsAny(in, " \t\n'\"$`\\;&|<>()*?[]{}~#!") {
				t.Errorf("shellQuote(%q) left it bare", in)
			}
			return
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(q, "'"), "'")
		if !strings.HasPrefix(q, "'") || !strings.HasSuffix(q, "'") || strings.ReplaceAll(inner, `'\''`, "'") != in {
			t.Errorf("shellQuote(%q) = %s: not a single-quoted word of the input", in, q)
		}
	})
}

func TestServeCommand(t *testing.T) {
	full := snapshot.Config{TP: 2, PP: 1, DP: snapshot.Ptr(1), Spec: snapshot.Ptr("ngram_6"),
		SpeculativeConfig: json.RawMessage(`{ "method": "ngram", "num_speculative_tokens": 6 }`),
		MaxNumSeqs:        snapshot.Ptr(512), MaxNumBatchedTokens: snapshot.Ptr(32768), GPUMemoryUtilization: snapshot.Ptr(0.9),
		BlockSize: snapshot.Ptr(16), KVCacheDtype: snapshot.Ptr("fp8_e4m3"), Quantization: snapshot.Ptr("bitsandbytes"), MaxModelLen: snapshot.Ptr(4096)}
	tests := []struct {
		name  string
		model string
		cfg   snapshot.Config
		want  string
	}{
		{"full", "Qwen/Qwen3-1.7B", full, `vllm serve Qwen/Qwen3-1.7B \
  --tensor-parallel-size 2 \
  --pipeline-parallel-size 1 \
  --data-parallel-size 1 \
  --speculative-config '{"method":"ngram","num_speculative_tokens":6}' \
  --max-num-seqs 512 \
  --max-num-batched-tokens 32768 \
  --gpu-memory-utilization 0.9 \
  --block-size 16 \
  --kv-cache-dtype fp8_e4m3 \
  --quantization bitsandbytes \
  --max-model-len 4096`},
		{"published table A: tp and pp only", "google/gemma-3-1b-it", snapshot.Config{TP: 1, PP: 1},
			"# not stated by the source (vLLM's defaults apply): --data-parallel-size --max-num-seqs --max-num-batched-tokens --gpu-memory-utilization --block-size --kv-cache-dtype --quantization --max-model-len\n" +
				`vllm serve google/gemma-3-1b-it \
  --tensor-parallel-size 1 \
  --pipeline-parallel-size 1`},
		{"label without JSON, no quantization", "m/x", snapshot.Config{TP: 1, PP: 2, Spec: snapshot.Ptr("suffix_32\n; rm x"), Quantization: snapshot.Ptr("none"),
			KVCacheDtype: snapshot.Ptr("auto'; reboot; '"), DP: snapshot.Ptr(2), MaxNumSeqs: snapshot.Ptr(1), MaxNumBatchedTokens: snapshot.Ptr(1),
			GPUMemoryUtilization: snapshot.Ptr(0.5), BlockSize: snapshot.Ptr(32), MaxModelLen: snapshot.Ptr(2048)},
			"# speculative decoding suffix_32 ; rm x: the source states only this label, not its --speculative-config\n" + `vllm serve m/x \
  --tensor-parallel-size 1 \
  --pipeline-parallel-size 2 \
  --data-parallel-size 2 \
  --max-num-seqs 1 \
  --max-num-batched-tokens 1 \
  --gpu-memory-utilization 0.5 \
  --block-size 32 \
  --kv-cache-dtype 'auto'\''; reboot; '\''' \
  --max-model-len 2048`},
	}
	for _, tt := range tests {
		if got := serveCommand(tt.model, tt.cfg); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	src := []byte("# The *title*\n\nText <b>bold</b> and <script>alert(1)</script>.\n\n## Formulas\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[link](javascript:alert(1))\n")
	p, err := renderMarkdown(newMarkdown(), src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "The title" {
		t.Errorf("title = %q", p.Title)
	}
	html := string(p.HTML)
	for _, want := range []string{`<h1 id="the-title">`, `<h2 id="formulas">Formulas</h2>`, "<table>", "<td>1</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered page lacks %q:\n%s", want, html)
		}
	}
	for _, bad := range []string{"<b>", "<script", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered page contains %q:\n%s", bad, html)
		}
	}
}

func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{"# t\n\nx", "<script>x</script>", "| a |\n|---|\n| <img src=x onerror=y> |", "[a](javascript:x)", "<!-- x -->"} {
		f.Add([]byte(s))
	}
	md := newMarkdown()
	f.Fuzz(func(t *testing.T, src []byte) {
		if !utf8.Valid(src) {
			return
		}
		p, err := renderMarkdown(md, src)
		if err != nil {
			t.Fatal(err)
		}
		// Raw HTML never passes through: every tag in the output is one
		// goldmark made.
		low := bytes.ToLower([]byte(p.HTML))
		for _, bad := range [][]byte{[]byte("<script"), []byte("<img src=x"), []byte("<iframe"), []byte("javascript:")} {
			if bytes.Contains(low, bad) {
				t.Errorf("markdown %q rendered %q", src, p.HTML)
			}
		}
	})
}
