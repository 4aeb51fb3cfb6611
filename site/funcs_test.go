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

func TestFormatDecAndSortKey(t *testing.T) {
	tests := []struct {
		in        *float64
		dec3, key string
	}{
		{nil, "—", ""},
		{snapshot.Ptr(0.4076670097592221), "0.408", "0.4076670097592221"},
		{snapshot.Ptr(16616.0), "16616.000", "16616"},
		{snapshot.Ptr(math.NaN()), "—", ""},
		{snapshot.Ptr(math.Inf(-1)), "—", ""},
	}
	for _, tt := range tests {
		if got := formatDec(3, tt.in); got != tt.dec3 {
			t.Errorf("formatDec(3, %v) = %q, want %q", tt.in, got, tt.dec3)
		}
		if got := sortKey(tt.in); got != tt.key {
			t.Errorf("sortKey(%v) = %q, want %q", tt.in, got, tt.key)
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

func TestSizeRank(t *testing.T) {
	prev := 0
	for _, c := range []string{catalog.Compact, catalog.Small, catalog.Medium, catalog.Large, catalog.Enormous} {
		var n int
		fmt.Sscan(sizeRank(c), &n)
		if n <= prev {
			t.Errorf("sizeRank(%s) = %d, not above %d", c, n, prev)
		}
		prev = n
	}
	if sizeRank("") != "" || sizeRank("huge") != "" {
		t.Error("unknown classes must have no rank")
	}
}

func TestFormatParams(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0.135, "135M"}, {0.27, "270M"}, {1.7, "1.7B"}, {117, "117B"}, {1000, "1T"}, {1040, "1.04T"}}
	for _, tt := range tests {
		if got := formatParams(tt.in); got != tt.want {
			t.Errorf("formatParams(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStatusAndWarnText(t *testing.T) {
	r := &snapshot.Run{Status: snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonOOM}}
	if got := statusText(r); got != "failed (OOM)" {
		t.Errorf("statusText = %q", got)
	}
	ws := []snapshot.Warning{{Code: "a", Message: "first"}, {Code: "b", Message: "second"}}
	if got := warnText(ws); got != "a: first; b: second" {
		t.Errorf("warnText = %q", got)
	}
	if methodText("stats_lines") == "stats_lines" || methodText("other") != "other" {
		t.Error("methodText: known methods in words, others as they are")
	}
	runs := []*runView{{Run: &snapshot.Run{Status: snapshot.Status{State: snapshot.StateOK}, Metrics: snapshot.Metrics{OutputTPSPerGPU: snapshot.Ptr(1.0)}}}, {Run: r}}
	if okCount(runs) != 1 {
		t.Errorf("okCount = %d, want 1", okCount(runs))
	}
}

// Every function of ownFuncs renders through html/template.
func TestOwnFuncsRender(t *testing.T) {
	tpl := template.Must(template.New("t").Funcs(funcMap()).Parse(
		`<a href="{{hfURL .ID}}">{{.ID}}</a> {{tps .V}} {{dec 2 .V}} {{sortKey .V}} {{archBadge .I}} {{sizeBadge .I}} ` +
			`{{archBadgeOf "dense"}} {{sizeBadgeOf "large"}} {{sizeRank "medium"}} {{params 117.0}} ` +
			`{{warnText .W}} {{statusText .R}} {{methodText "published"}} {{okCount .Runs}} {{upper "sprig"}}`))
	var buf bytes.Buffer
	run := &snapshot.Run{Status: snapshot.Status{State: snapshot.StateOK}, Metrics: snapshot.Metrics{OutputTPSPerGPU: snapshot.Ptr(1.0)}}
	err := tpl.Execute(&buf, map[string]any{"ID": "openai/gpt-oss-20b", "V": snapshot.Ptr(6962.4),
		"I": catalog.Info{Architecture: catalog.MoE, SizeClass: catalog.Medium, Origin: catalog.FromCatalog},
		"W": []snapshot.Warning{{Code: "c", Message: "<m>"}}, "R": run, "Runs": []*runView{{Run: run}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<a href="https://huggingface.co/openai/gpt-oss-20b">openai/gpt-oss-20b</a> 6962 6962.40 6962.4 🔀 MoE 🦅 Medium ` +
		`🧱 Dense 🦖 Large 3 117B c: &lt;m&gt; ok a published table (not measured by lineup) 1 SPRIG`
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
	if len(ownFuncs()) != 14 {
		t.Errorf("ownFuncs has %d functions; add a test for the new one", len(ownFuncs()))
	}
}

func ExampleFormatInt() {
	fmt.Println(formatInt(snapshot.Ptr(239.25)), formatInt(snapshot.Ptr(1e9/(239.25*3600))), formatInt(nil))
	// Output: 239 1161 —
}
