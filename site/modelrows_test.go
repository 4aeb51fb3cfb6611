package site

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// modelRowsReference is templates/model.html's markup for the table rows
// and the reproducibility bundles as it was before RowsHTML and ReproHTML
// wrote them in Go: html/template renders it, and the Go code must write
// the same bytes.
const modelRowsReference = `{{define "warnText"}}<span class="warn" title="{{.}}" role="img" aria-label="warning: {{.}}">⚠</span>{{end}}
{{define "rows"}}{{$m := .}}
{{- range $m.Runs}}
<tr id="run-{{.ID}}"{{if eq . $m.Best}} class="best"{{end}}>
{{- range $i, $c := .Cells}}
<td{{if (index $m.Cols $i).Num}} class="num"{{end}}>{{$c}}</td>
{{- end}}
<td class="num" data-v="{{.In.Key}}">{{.In.Text}}{{with .In.Warn}}{{template "warnText" .}}{{end}}</td>
<td class="num" data-v="{{.Out.Key}}">{{.Out.Text}}{{with .Out.Warn}}{{template "warnText" .}}{{end}}</td>
<td class="num" data-v="{{.GPUs.Key}}">{{.GPUs.Text}}{{with .GPUs.Warn}}{{template "warnText" .}}{{end}}</td>
<td class="num" data-v="{{.Days.Key}}">{{.Days.Text}}</td>
<td>{{.Status}}{{with .StatusWarn}}{{template "warnText" .}}{{end}}</td>
<td><a href="runs/{{.ID}}.csv" download>CSV</a>{{if .HasTimeline}} · <a href="runs/{{.ID}}.timeline.csv" download>timeline</a>{{end}} · <a href="#repro-{{.ID}}">reproduce</a></td>
</tr>
{{- end}}{{end}}
{{define "repro"}}{{$m := .}}
{{- range $m.Runs}}
<details class="repro" id="repro-{{.ID}}"{{if eq . $m.Best}} open{{end}}>
<summary>{{.Label}}{{if eq . $m.Best}} (best){{end}}</summary>
<dl>
<dt>vLLM</dt><dd>{{or .Env.VLLMVersion "not stated"}}</dd>
<dt>GPU</dt><dd>{{or .Env.GPU "not stated"}}{{with .Env.GPUMemoryMiB}}, {{.}} MiB{{end}}, {{.Env.GPUsPerNode}} per node</dd>
<dt>Driver</dt><dd>{{or .Env.DriverVersion "not stated"}}</dd>
<dt>CUDA · PyTorch · Transformers</dt><dd>{{or .Env.CUDAVersion "—"}} · {{or .Env.PyTorchVersion "—"}} · {{or .Env.TransformersVersion "—"}}</dd>
{{- with .Run.Startup}}
<dt>Start-up</dt><dd>{{with .ModelLoadSeconds}}model load {{dec 1 .}} s; {{end}}{{with .EngineInitSeconds}}engine init {{dec 1 .}} s; {{end}}{{with .KVCacheTokens}}KV cache {{.}} tokens; {{end}}{{with .MaxConcurrency}}max concurrency {{dec 2 .}}{{end}}</dd>
{{- end}}
{{- with .Run.Metrics.Method}}
<dt>Measured from</dt><dd>{{methodText .}}</dd>
{{- end}}
{{- with .Run.Attempts}}
<dt>Attempts</dt><dd>{{range $i, $a := .}}{{if $i}}, {{end}}job <code>{{$a.JobID}}</code>{{with $a.State}} {{.}}{{end}}{{with $a.Reason}} ({{.}}){{end}}{{end}}</dd>
{{- end}}
</dl>
<div class="code-head"><span>vllm serve</span><button type="button" class="copy" data-copy="cmd-{{.ID}}" hidden>Copy</button></div>
<pre id="cmd-{{.ID}}"><code>{{.Command}}</code></pre>
<div class="code-head"><span>Normalised configuration (JSON)</span><button type="button" class="copy" data-copy="cfg-{{.ID}}" hidden>Copy</button></div>
<pre id="cfg-{{.ID}}"><code>{{.ConfigJSON}}</code></pre>
</details>
{{- end}}{{end}}`

// hostileRunsSnapshot has one model whose runs put v into every string a
// row or a bundle shows, with and without the optional parts.
func hostileRunsSnapshot(model, v string) *snapshot.Snapshot {
	env := snapshot.Environment{VLLMVersion: v, GPU: v, GPUMemoryMiB: 81559, GPUsPerNode: 8, CUDAVersion: v,
		PyTorchVersion: v, TransformersVersion: v, DriverVersion: v}
	s := &snapshot.Snapshot{ID: "s", Environment: snapshot.Environment{GPUsPerNode: 4}}
	cfg := func(tp int) snapshot.Config {
		return snapshot.Config{TP: tp, PP: 1, DP: snapshot.Ptr(1), Spec: snapshot.Ptr(v), KVCacheDtype: snapshot.Ptr(v),
			Quantization: snapshot.Ptr(v), Extra: map[string]string{v: v}, SpeculativeConfig: json.RawMessage(`{"method":` + strconvQuote(v) + `}`)}
	}
	ok := func(tp int, rate float64) snapshot.Run {
		r := snapshot.Run{Model: model, Config: cfg(tp), Label: v, Status: snapshot.Status{State: snapshot.StateOK}}
		r.Metrics.DerivePerGPU(snapshot.Ptr(rate/3), snapshot.Ptr(rate), 8)
		r.Metrics.Method = "stats_lines"
		return r
	}
	r1 := ok(1, 1000)
	r1.Environment = &env
	r1.Startup = &snapshot.Startup{KVCacheTokens: snapshot.Ptr[int64](1_843_200), MaxConcurrency: snapshot.Ptr(900.0),
		ModelLoadSeconds: snapshot.Ptr(12.4), EngineInitSeconds: snapshot.Ptr(48.9)}
	r1.Attempts = []snapshot.Attempt{{JobID: v, State: v, Reason: v}, {JobID: "2"}}
	r1.Timeline = snapshot.TimelineOf(snapshot.TimelinePoint{T: 0, GenerationTPS: 1})
	r1.Warnings = []snapshot.Warning{{Code: v, Field: "metrics.output_tps_per_gpu", Message: v},
		{Code: "c", Field: "metrics.tokens_input_per_sec", Message: v}, {Code: v, Field: "metrics.gpus_for_1b_tokens_per_hour", Message: "m"},
		{Code: "s", Field: "config.tp", Message: v}}
	r2 := ok(2, 1.5e21) // a sort key with an exponent: "1.5e+21"
	r2.Startup = &snapshot.Startup{MaxConcurrency: snapshot.Ptr(0.0)}
	r2.Metrics.Method = v
	noEnv := env
	noEnv.GPUMemoryMiB, noEnv.VLLMVersion, noEnv.GPU, noEnv.DriverVersion, noEnv.CUDAVersion = 0, "", "", "", ""
	r2.Environment = &noEnv
	r3 := snapshot.Run{Model: model, Config: cfg(4), Status: snapshot.Status{State: snapshot.StateFailed, Reason: v, Detail: v}}
	r4 := snapshot.Run{Model: model, Config: cfg(8), Status: snapshot.Status{State: snapshot.StateIncomplete}}
	s.Runs = []snapshot.Run{r1, r2, r3, r4}
	return s
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// checkModelRows renders every model of s both ways and compares.
func checkModelRows(t *testing.T, ref *template.Template, s *snapshot.Snapshot) {
	t.Helper()
	cat := &catalog.Catalog{}
	slugs := map[string]string{}
	for _, m := range s.Models() {
		slugs[m] = slugify(m, "model")
	}
	ed := newEdition(s, cat, "", slugs)
	for _, mv := range ed.Models {
		for _, part := range []struct {
			name string
			got  template.HTML
		}{{"rows", mv.RowsHTML()}, {"repro", mv.ReproHTML()}} {
			var want bytes.Buffer
			if err := ref.ExecuteTemplate(&want, part.name, mv); err != nil {
				t.Fatal(err)
			}
			if string(part.got) != want.String() {
				t.Errorf("model %q: %s written in Go differs from the template's:\n got %q\nwant %q", mv.Model, part.name, part.got, want.String())
			}
		}
	}
}

func modelRowsTemplate(t testing.TB) *template.Template {
	return template.Must(template.New("").Funcs(funcMap()).Parse(modelRowsReference))
}

var hostileValues = []string{"", "plain", `<script>alert(1)</script>`, `" onmouseover="alert(2)`, "a+b&c'd", "nul\x00byte",
	"\u2028</script><!--", "😀-ｚ-\ufffd", "bad utf-8 \xff\xfe", "1e+06", "--flag='x'", "&amp; &#43;", "\ufdd0\uffff"}

func TestModelRowsMatchTemplate(t *testing.T) {
	ref := modelRowsTemplate(t)
	for _, v := range hostileValues {
		checkModelRows(t, ref, hostileRunsSnapshot("org/"+v, v))
	}
	// Many configurations of one model, some failed, some warned.
	s := &snapshot.Snapshot{ID: "many", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Environment: snapshot.Environment{GPU: "H100", GPUsPerNode: 8}}
	for c := range 40 {
		cfg := snapshot.Config{TP: 1 << (c % 4), PP: 1 + c/32%2, DP: snapshot.Ptr(1), Spec: snapshot.Ptr([]string{"none", "ngram_4"}[c/4%2]),
			MaxNumSeqs: snapshot.Ptr(128 << (c / 16 % 2))}
		r := snapshot.Run{Model: "m/many", Config: cfg, Status: snapshot.Status{State: snapshot.StateOK}}
		if c%11 == 10 {
			r.Status = snapshot.Status{State: snapshot.StateFailed, Reason: snapshot.ReasonOOM}
		} else {
			r.Metrics.DerivePerGPU(snapshot.Ptr(float64(100+c)), snapshot.Ptr(float64(1000+c*37%500)), 8)
		}
		if c%7 == 3 {
			r.Warnings = []snapshot.Warning{{Code: "few_steady_lines", Field: "metrics.output_tps_per_gpu", Message: "only 2 steady stats lines"}}
		}
		s.Runs = append(s.Runs, r)
	}
	checkModelRows(t, ref, s)
	if !strings.Contains(string(newEdition(s, &catalog.Catalog{}, "", map[string]string{"m/many": "m"}).Models[0].RowsHTML()), `class="best"`) {
		t.Error("no row is marked best")
	}
}

func FuzzModelRowsMatchTemplate(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v)
	}
	ref := modelRowsTemplate(f)
	f.Fuzz(func(t *testing.T, v string) {
		checkModelRows(t, ref, hostileRunsSnapshot("org/m", v))
	})
}
