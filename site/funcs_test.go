package site

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"testing"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

func TestFormatInt(t *testing.T) {
	tests := []struct {
		in   *float64
		want string
	}{
		{nil, "—"},
		{snapshot.Ptr(16616.0), "16616"},
		{snapshot.Ptr(16.71748782966886), "17"},
		{snapshot.Ptr(0.5), "1"},
		{snapshot.Ptr(1160.49), "1160"},
		{snapshot.Ptr(math.NaN()), "—"},
		{snapshot.Ptr(math.Inf(1)), "—"},
	}
	for _, tt := range tests {
		if got := formatInt(tt.in); got != tt.want {
			t.Errorf("formatInt(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHFURL(t *testing.T) {
	tests := []struct{ id, want string }{
		{"google/gemma-3-1b-it", "https://huggingface.co/google/gemma-3-1b-it"},
		{"a/b c", "https://huggingface.co/a/b%20c"},
		{"../../evil.com", "https://huggingface.co/../../evil.com"}, // stays on huggingface.co
		{"x/?q=<script>", "https://huggingface.co/x/%3Fq=%3Cscript%3E"},
	}
	for _, tt := range tests {
		if got := string(hfURL(tt.id)); got != tt.want {
			t.Errorf("hfURL(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestBadges(t *testing.T) {
	tests := []struct {
		info       catalog.Info
		arch, size string
	}{
		{catalog.Info{Architecture: catalog.MoE, SizeClass: catalog.Large, Origin: catalog.FromCatalog}, "🔀 MoE", "🦖 Large"},
		{catalog.Info{Architecture: catalog.MoE, SizeClass: catalog.Medium, Origin: catalog.FromName}, "🔀 MoE*", "🦅 Medium*"},
		{catalog.Info{SizeClass: catalog.Compact, Origin: catalog.FromName}, "❔ Unknown", "🐣 Compact*"},
		{catalog.Info{Origin: catalog.Unknown}, "❔ Unknown", "❔ Unknown"},
	}
	for _, tt := range tests {
		if a, s := archBadge(tt.info), sizeBadge(tt.info); a != tt.arch || s != tt.size {
			t.Errorf("badges(%+v) = %q %q, want %q %q", tt.info, a, s, tt.arch, tt.size)
		}
	}
}

// Every function of ownFuncs renders through html/template.
func TestOwnFuncsRender(t *testing.T) {
	tpl := template.Must(template.New("t").Funcs(funcMap()).Parse(
		`<a href="{{hfURL .ID}}">{{.ID}}</a> {{tps .V}} {{archBadge .I}} {{sizeBadge .I}} {{upper "sprig"}}`))
	var buf bytes.Buffer
	err := tpl.Execute(&buf, map[string]any{"ID": "openai/gpt-oss-20b", "V": snapshot.Ptr(6962.4),
		"I": catalog.Info{Architecture: catalog.MoE, SizeClass: catalog.Medium, Origin: catalog.FromCatalog}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<a href="https://huggingface.co/openai/gpt-oss-20b">openai/gpt-oss-20b</a> 6962 🔀 MoE 🦅 Medium SPRIG`
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
	if len(ownFuncs()) != 4 {
		t.Errorf("ownFuncs has %d functions; add a test for the new one", len(ownFuncs()))
	}
}

func ExampleFormatInt() {
	fmt.Println(formatInt(snapshot.Ptr(239.25)), formatInt(snapshot.Ptr(1e9/(239.25*3600))), formatInt(nil))
	// Output: 239 1161 —
}
