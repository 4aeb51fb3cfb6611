package site

import (
	"html/template"
	"strconv"
	"strings"
)

// A model page shows every configuration twice: a row of the table and a
// reproducibility bundle. A large snapshot has ten thousand of them, and
// html/template spends most of a build on their few dozen actions each
// (every action is a field lookup and an escaper call through reflect).
// So templates/model.html takes both lists whole from RowsHTML and
// ReproHTML, written here with the same markup, each value escaped with
// htmlText exactly as html/template escapes it in these contexts (a test
// renders the original template markup and wants the same bytes).

// htmlSpecial are the bytes html/template's escaper replaces in text and
// in quoted attribute values.
const htmlSpecial = "\x00\"&'+<>"

// htmlText escapes s for HTML text or a quoted attribute value as
// html/template does there: template.HTMLEscapeString's replacements, and
// '+' as "&#43;" (html/template escapes it too, against UTF-7 sniffing).
// Run IDs also go through it in href attributes: they are slugs
// ([a-z0-9-], see slugify), which no escaper changes.
func htmlText(b *strings.Builder, s string) {
	if !strings.ContainsAny(s, htmlSpecial) {
		b.WriteString(s)
		return
	}
	b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;"))
}

// RowsHTML is the configurations table's body: one <tr> per run, each on a
// line of its own.
func (mv *modelView) RowsHTML() template.HTML {
	var b strings.Builder
	b.Grow(len(mv.Runs) * 1024)
	for _, rv := range mv.Runs {
		b.WriteString("\n<tr id=\"run-")
		htmlText(&b, rv.ID)
		b.WriteString(`"`)
		if rv == mv.Best {
			b.WriteString(` class="best"`)
		}
		b.WriteString(">")
		for i, c := range rv.Cells {
			b.WriteString("\n<td")
			if mv.Cols[i].Num {
				b.WriteString(` class="num"`)
			}
			b.WriteString(">")
			htmlText(&b, c)
			b.WriteString("</td>")
		}
		for _, m := range []*metricCell{&rv.In, &rv.Out, &rv.GPUs, &rv.Days} {
			b.WriteString("\n<td class=\"num\" data-v=\"")
			htmlText(&b, m.Key)
			b.WriteString(`">`)
			htmlText(&b, m.Text)
			warnSpan(&b, m.Warn)
			b.WriteString("</td>")
		}
		b.WriteString("\n<td>")
		htmlText(&b, rv.Status)
		warnSpan(&b, rv.StatusWarn)
		b.WriteString("</td>\n<td><a href=\"runs/")
		htmlText(&b, rv.ID)
		b.WriteString(`.csv" download>CSV</a>`)
		if rv.HasTimeline {
			b.WriteString(` · <a href="runs/`)
			htmlText(&b, rv.ID)
			b.WriteString(`.timeline.csv" download>timeline</a>`)
		}
		b.WriteString(` · <a href="#repro-`)
		htmlText(&b, rv.ID)
		b.WriteString("\">reproduce</a></td>\n</tr>")
	}
	return template.HTML(b.String())
}

// warnSpan is layout.html's "warnText": the warning sign with its text as
// a tooltip, when there is a text.
func warnSpan(b *strings.Builder, text string) {
	if text == "" {
		return
	}
	b.WriteString(`<span class="warn" title="`)
	htmlText(b, text)
	b.WriteString(`" role="img" aria-label="warning: `)
	htmlText(b, text)
	b.WriteString(`">⚠</span>`)
}

// ReproHTML is every run's reproducibility bundle: a <details> each, on a
// line of its own, the best one open.
func (mv *modelView) ReproHTML() template.HTML {
	var b strings.Builder
	b.Grow(len(mv.Runs) * 2048)
	orText := func(s, alt string) {
		if s == "" {
			s = alt
		}
		htmlText(&b, s)
	}
	for _, rv := range mv.Runs {
		best := rv == mv.Best
		b.WriteString("\n<details class=\"repro\" id=\"repro-")
		htmlText(&b, rv.ID)
		b.WriteString(`"`)
		if best {
			b.WriteString(" open")
		}
		b.WriteString(">\n<summary>")
		htmlText(&b, rv.Label())
		if best {
			b.WriteString(" (best)")
		}
		env := &rv.Env
		b.WriteString("</summary>\n<dl>\n<dt>vLLM</dt><dd>")
		orText(env.VLLMVersion, "not stated")
		b.WriteString("</dd>\n<dt>GPU</dt><dd>")
		orText(env.GPU, "not stated")
		if env.GPUMemoryMiB != 0 {
			b.WriteString(", " + strconv.Itoa(env.GPUMemoryMiB) + " MiB")
		}
		b.WriteString(", " + strconv.Itoa(env.GPUsPerNode) + " per node</dd>\n<dt>Driver</dt><dd>")
		orText(env.DriverVersion, "not stated")
		b.WriteString("</dd>\n<dt>CUDA · PyTorch · Transformers</dt><dd>")
		orText(env.CUDAVersion, missing)
		b.WriteString(" · ")
		orText(env.PyTorchVersion, missing)
		b.WriteString(" · ")
		orText(env.TransformersVersion, missing)
		b.WriteString("</dd>")
		r := rv.Run
		if st := r.Startup; st != nil {
			b.WriteString("\n<dt>Start-up</dt><dd>")
			if st.ModelLoadSeconds != nil {
				b.WriteString("model load ")
				htmlText(&b, formatDec(1, st.ModelLoadSeconds))
				b.WriteString(" s; ")
			}
			if st.EngineInitSeconds != nil {
				b.WriteString("engine init ")
				htmlText(&b, formatDec(1, st.EngineInitSeconds))
				b.WriteString(" s; ")
			}
			if st.KVCacheTokens != nil {
				b.WriteString("KV cache " + strconv.FormatInt(*st.KVCacheTokens, 10) + " tokens; ")
			}
			if st.MaxConcurrency != nil {
				b.WriteString("max concurrency ")
				htmlText(&b, formatDec(2, st.MaxConcurrency))
			}
			b.WriteString("</dd>")
		}
		if m := r.Metrics.Method; m != "" {
			b.WriteString("\n<dt>Measured from</dt><dd>")
			htmlText(&b, methodText(m))
			b.WriteString("</dd>")
		}
		if len(r.Attempts) > 0 {
			b.WriteString("\n<dt>Attempts</dt><dd>")
			for i, a := range r.Attempts {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("job <code>")
				htmlText(&b, a.JobID)
				b.WriteString("</code>")
				if a.State != "" {
					b.WriteString(" ")
					htmlText(&b, a.State)
				}
				if a.Reason != "" {
					b.WriteString(" (")
					htmlText(&b, a.Reason)
					b.WriteString(")")
				}
			}
			b.WriteString("</dd>")
		}
		b.WriteString("\n</dl>\n<div class=\"code-head\"><span>vllm serve</span><button type=\"button\" class=\"copy\" data-copy=\"cmd-")
		htmlText(&b, rv.ID)
		b.WriteString("\" hidden>Copy</button></div>\n<pre id=\"cmd-")
		htmlText(&b, rv.ID)
		b.WriteString(`"><code>`)
		htmlText(&b, rv.Command())
		b.WriteString("</code></pre>\n<div class=\"code-head\"><span>Normalised configuration (JSON)</span><button type=\"button\" class=\"copy\" data-copy=\"cfg-")
		htmlText(&b, rv.ID)
		b.WriteString("\" hidden>Copy</button></div>\n<pre id=\"cfg-")
		htmlText(&b, rv.ID)
		b.WriteString(`"><code>`)
		htmlText(&b, rv.ConfigJSON())
		b.WriteString("</code></pre>\n</details>")
	}
	return template.HTML(b.String())
}
