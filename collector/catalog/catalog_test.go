package catalog_test

import (
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/catalog"
)

func TestClassOfThresholds(t *testing.T) {
	// The seed legend: Compact <4B, Small 4B-10B, Medium 10B-100B,
	// Large 100B-500B, Enormous 500B+.
	tests := []struct {
		b    float64
		want string
	}{
		{0.135, catalog.Compact}, {3.99, catalog.Compact}, {4, catalog.Small}, {9.99, catalog.Small},
		{10, catalog.Medium}, {99.9, catalog.Medium}, {100, catalog.Large}, {499, catalog.Large},
		{500, catalog.Enormous}, {1000, catalog.Enormous},
	}
	for _, tt := range tests {
		if got := catalog.ClassOf(tt.b); got != tt.want {
			t.Errorf("ClassOf(%v) = %s, want %s", tt.b, got, tt.want)
		}
	}
}

func TestFromNameOf(t *testing.T) {
	tests := []struct {
		id            string
		arch          string
		total, active float64
	}{
		{"Qwen/Qwen3-30B-A3B-Thinking-2507", catalog.MoE, 30, 3},
		{"org/Some-Model-1.7B", "", 1.7, 0},
		{"google/gemma-3-270m-it", "", 0.27, 0},
		{"x/Qwen3_30B_A3B", catalog.MoE, 30, 3},
		{"x/model-1T", "", 1000, 0},
		{"moonshotai/Kimi-K2-Instruct", "", 0, 0}, // K2 is a name, not a size
		{"x/A3B-only", "", 0, 0},                  // active without total: say nothing
		{"x/llama-2-7b-chat", "", 7, 0},
		{"x/<script>alert(1)</script>", "", 0, 0},
	}
	for _, tt := range tests {
		arch, total, active := catalog.FromNameOf(tt.id)
		if arch != tt.arch || total != tt.total || active != tt.active {
			t.Errorf("FromNameOf(%q) = %q, %v, %v; want %q, %v, %v", tt.id, arch, total, active, tt.arch, tt.total, tt.active)
		}
	}
}

func TestDescribe(t *testing.T) {
	c, err := catalog.Parse("models.yaml", []byte(`models:
  - id: google/gemma-3-4b-it
    architecture: dense
    total_params_b: 4.3
    size_class: compact
    source: card
  - id: openai/gpt-oss-20b
    architecture: moe
    total_params_b: 21
    active_params_b: 3.6
    source: card
`))
	if err != nil {
		t.Fatal(err)
	}
	g := c.Describe("google/gemma-3-4b-it")
	if g.SizeClass != catalog.Compact || !g.Pinned || g.Origin != catalog.FromCatalog {
		t.Errorf("pinned class not honoured: %+v", g)
	}
	o := c.Describe("openai/gpt-oss-20b")
	if o.Architecture != catalog.MoE || o.SizeClass != catalog.Medium || o.Pinned {
		t.Errorf("gpt-oss-20b: %+v", o)
	}
	n := c.Describe("acme/Foo-80B-A3B")
	if n.Origin != catalog.FromName || n.Architecture != catalog.MoE || n.SizeClass != catalog.Medium {
		t.Errorf("name inference: %+v", n)
	}
	u := c.Describe("acme/mystery")
	if u.Origin != catalog.Unknown || u.Architecture != "" || u.SizeClass != "" {
		t.Errorf("unknown model: %+v", u)
	}
	if got := catalog.ArchBadge(u.Architecture).String(); got != "❔ Unknown" {
		t.Errorf("unknown arch badge = %q", got)
	}
	if id, ok := c.ResolveDirName("gemma_3_4b_it"); !ok || id != "google/gemma-3-4b-it" {
		t.Errorf("ResolveDirName = %q, %v", id, ok)
	}
	if _, ok := c.ResolveDirName("nope"); ok {
		t.Error("ResolveDirName resolved an unknown directory")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown key", "models:\n  - id: a/b\n    architecure: dense\n", "m.yaml:3: field architecure not found"},
		{"bad arch", "models:\n  - id: a/b\n    architecture: sparse\n    total_params_b: 1\n    source: s\n", "m.yaml:2: models[0].architecture: \"sparse\" is not dense or moe"},
		{"moe without active", "models:\n  - id: a/b\n    architecture: moe\n    total_params_b: 10\n    source: s\n", "models[0].active_params_b"},
		{"no source", "models:\n  - id: a/b\n    architecture: dense\n    total_params_b: 1\n", "models[0].source: missing"},
		{"duplicate", "models:\n  - {id: a/b, architecture: dense, total_params_b: 1, source: s}\n  - {id: a/b, architecture: dense, total_params_b: 1, source: s}\n", "m.yaml:3: models[1].id: \"a/b\" is listed twice"},
		{"bad class", "models:\n  - {id: a/b, architecture: dense, total_params_b: 1, source: s, size_class: tiny}\n", "models[0].size_class"},
		{"not yaml", "models: [\n", "m.yaml:"},
		{"no org", "models:\n  - {id: gpt2, architecture: dense, total_params_b: 1, source: s}\n", "not a Hugging Face id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.Parse("m.yaml", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// The shipped catalog parses and covers every model of the published tables.
func TestShippedCatalog(t *testing.T) {
	c, err := catalog.Load("../../content/models.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Models) < 23 {
		t.Errorf("catalog has %d models, want the 23 of the published tables and the seed config", len(c.Models))
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("models:\n  - {id: a/b, architecture: dense, total_params_b: 1, source: s}\n"))
	f.Add([]byte("models: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := catalog.Parse("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		for _, m := range c.Models {
			_ = c.Describe(m.ID)
		}
	})
}

func FuzzFromNameOf(f *testing.F) {
	f.Add("Qwen/Qwen3-30B-A3B")
	f.Add("a/1.5e3B")
	f.Fuzz(func(t *testing.T, id string) {
		arch, total, active := catalog.FromNameOf(id)
		if active > total || (arch == catalog.MoE) != (active > 0) || total < 0 {
			t.Errorf("FromNameOf(%q) = %q %v %v", id, arch, total, active)
		}
	})
}
