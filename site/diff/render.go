package diff

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Formats of Write.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// Formats lists the output formats, default first.
var Formats = []string{FormatText, FormatMarkdown, FormatCSV, FormatJSON}

// Write renders d in format.
func Write(w io.Writer, d *Diff, format string) error {
	switch format {
	case FormatText:
		return WriteText(w, d)
	case FormatMarkdown:
		return WriteMarkdown(w, d)
	case FormatCSV:
		return WriteCSV(w, d)
	case FormatJSON:
		return WriteJSON(w, d)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// WriteJSON writes d as indented JSON (schema lineup.diff/v1).
func WriteJSON(w io.Writer, d *Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// FormatRate shows a throughput or GPU count with the precision it deserves:
// whole numbers from 100, then one or two decimals.
func FormatRate(v *float64) string {
	if v == nil {
		return "-"
	}
	switch x := *v; {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}

// FormatChange formats a relative change as a signed percentage, "+4.2%".
func FormatChange(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", *v*100)
}

// flagText is the flag with its reason.
func flagText(r Row) string {
	switch {
	case r.Flag == NowFixed && r.Reason != "":
		return "now fixed (was " + r.Reason + ")"
	case r.Reason != "":
		return r.Flag.Text() + ": " + r.Reason
	}
	return r.Flag.Text()
}

func (s *Side) label() string {
	if s == nil {
		return ""
	}
	if s.Config == nil {
		return "(no OK run)"
	}
	return s.ConfigLabel
}

func (s *Side) rate(get func(*Side) *float64) *float64 {
	if s == nil {
		return nil
	}
	return get(s)
}

func output(s *Side) *float64 { return s.OutputTPSPerGPU }
func input(s *Side) *float64  { return s.InputTPSPerGPU }
func gpus(s *Side) *float64   { return s.GPUsFor1BPerHour }

// newConfigCell shows "same" when the join or the best config is exact.
func newConfigCell(r Row) string {
	if r.Old != nil && r.New != nil && (r.Match == MatchExact || r.Match == BestSame) {
		return "same"
	}
	return r.New.label()
}

func matchCell(r Row) string {
	switch {
	case r.Ambiguous:
		return r.Match + ", ambiguous"
	}
	return r.Match
}

func gpusCell(r Row) string {
	o, n := r.Old.rate(gpus), r.New.rate(gpus)
	if o == nil && n == nil {
		return ""
	}
	return FormatRate(o) + " -> " + FormatRate(n)
}

// table is a rendered view: a header, rows of cells and the columns that
// hold numbers (right-aligned in text).
type table struct {
	header  []string
	rows    [][]string
	numeric []bool
}

var viewHeader = []string{"model", "old config", "new config", "match", "out/GPU old", "out/GPU new", "change", "significance", "in/GPU old", "in/GPU new", "change", "GPUs/1B/h", "flag", "notes"}
var viewNumeric = []bool{false, false, false, false, true, true, true, false, true, true, true, true, false, false}

// notes numbers distinct note texts in order of first use.
type notes struct {
	texts []string
	index map[string]int
}

func (n *notes) refs(texts []string) string {
	if n.index == nil {
		n.index = map[string]int{}
	}
	var refs []string
	for _, t := range texts {
		i, ok := n.index[t]
		if !ok {
			n.texts = append(n.texts, t)
			i = len(n.texts)
			n.index[t] = i
		}
		refs = append(refs, fmt.Sprintf("[%d]", i))
	}
	return strings.Join(refs, " ")
}

func viewTable(rows []Row, sum Summary, ns *notes) table {
	t := table{header: viewHeader, numeric: viewNumeric}
	for _, r := range rows {
		t.rows = append(t.rows, []string{
			r.Model, r.Old.label(), newConfigCell(r), matchCell(r),
			FormatRate(r.Old.rate(output)), FormatRate(r.New.rate(output)), FormatChange(r.OutputChange), r.Significance,
			FormatRate(r.Old.rate(input)), FormatRate(r.New.rate(input)), FormatChange(r.InputChange),
			gpusCell(r), flagText(r), ns.refs(r.Notes),
		})
	}
	t.rows = append(t.rows, summaryCells(sum, ns))
	return t
}

func summaryCells(s Summary, ns *notes) []string {
	var sn []string
	if s.Excluded > 0 {
		sn = append(sn, fmt.Sprintf("the geomean leaves out %d ambiguous partial match(es)", s.Excluded))
	}
	switch {
	case s.N > 0 && s.InputN == 0:
		sn = append(sn, "no input TPS/GPU geomean: no row states input TPS/GPU on both sides")
	case s.InputN < s.N:
		sn = append(sn, fmt.Sprintf("input TPS/GPU geomean over the %d of %d rows where both sides state it", s.InputN, s.N))
	}
	return []string{
		fmt.Sprintf("geomean (%d rows)", s.N), "", "", "",
		FormatRate(s.OldOutput), FormatRate(s.NewOutput), FormatChange(s.OutputChange), "",
		FormatRate(s.OldInput), FormatRate(s.NewInput), FormatChange(s.InputChange),
		"", "", ns.refs(sn),
	}
}

func envLine(e snapshot.Environment) string {
	unknown := func(s string) string {
		if s == "" {
			return "?"
		}
		return s
	}
	gpu := unknown(e.GPU)
	if e.GPUMemoryMiB > 0 {
		gpu += fmt.Sprintf(" (%d MiB)", e.GPUMemoryMiB)
	}
	return fmt.Sprintf("vLLM %s; GPU %s x%d per node; driver %s; CUDA %s; PyTorch %s; Transformers %s",
		unknown(e.VLLMVersion), gpu, e.GPUsPerNode, unknown(e.DriverVersion), unknown(e.CUDAVersion),
		unknown(e.PyTorchVersion), unknown(e.TransformersVersion))
}

func sourceLine(s snapshot.Source) string {
	switch {
	case s.Citation != "" && s.URL != "":
		return s.Kind + ": " + s.Citation + " <" + s.URL + ">"
	case s.Citation != "":
		return s.Kind + ": " + s.Citation
	case s.Root != "":
		return s.Kind + ": " + s.Root
	}
	return s.Kind
}

const (
	configViewTitle = "Configurations: runs joined on model and config (TPS per GPU, median of the runs)"
	modelViewTitle  = "Models: each model's best configuration in each snapshot (highest output TPS/GPU)"
)

func criteria(d *Diff) string {
	return fmt.Sprintf("A change of output TPS/GPU under %s is within noise; with repeated runs, a Mann-Whitney U test must also give p < %g.",
		FormatPercent(d.Threshold), d.Alpha)
}

// WriteText writes d as aligned plain text.
func WriteText(w io.Writer, d *Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "lineup diff %s -> %s\n\n", d.Old.ID, d.New.ID)
	for _, s := range []struct {
		name string
		ref  SnapshotRef
	}{{"old", d.Old}, {"new", d.New}} {
		fmt.Fprintf(&b, "%s: %s %q, created %s, %d runs of %d models\n", s.name, s.ref.ID, s.ref.Title, s.ref.Created.Format("2006-01-02"), s.ref.Runs, s.ref.Models)
		fmt.Fprintf(&b, "     source: %s\n", sourceLine(s.ref.Source))
		fmt.Fprintf(&b, "     environment: %s\n", envLine(s.ref.Environment))
	}
	if w := workloadLine(d.CommonWorkload); w != "" {
		fmt.Fprintf(&b, "workload of every run: %s\n", w)
	}
	if len(d.Warnings) > 0 {
		b.WriteString("\nComparability warnings:\n")
		for _, wr := range d.Warnings {
			fmt.Fprintf(&b, "  %s %s\n", warnMark(wr), wr.Message)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", criteria(d))
	var ns notes
	fmt.Fprintf(&b, "\n%s\n\n", configViewTitle)
	writeAligned(&b, viewTable(d.Configs, d.ConfigSummary, &ns))
	fmt.Fprintf(&b, "\n%s\n\n", modelViewTitle)
	writeAligned(&b, viewTable(d.Models, d.ModelSummary, &ns))
	if len(ns.texts) > 0 {
		b.WriteString("\nNotes:\n")
		for i, t := range ns.texts {
			fmt.Fprintf(&b, "  [%d] %s\n", i+1, t)
		}
	}
	fmt.Fprintf(&b, "\nSettings: %s\n", FieldLegend)
	_, err := io.WriteString(w, b.String())
	return err
}

func warnMark(w Warning) string {
	if w.Kind == WarnDiffers {
		return "!"
	}
	return "?"
}

func writeAligned(b *strings.Builder, t table) {
	width := make([]int, len(t.header))
	all := append([][]string{t.header}, t.rows...)
	for _, row := range all {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range all {
		var line strings.Builder
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if t.numeric[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

// mdEscape makes s safe in a markdown table cell: pipes, emphasis,
// code spans, links and raw HTML lose their meaning.
var mdSpecial = strings.NewReplacer(
	`\`, `\\`, `|`, `\|`, `*`, `\*`, `_`, `\_`, "`", "\\`",
	`[`, `\[`, `]`, `\]`, `<`, `&lt;`, "\n", " ",
)

func mdEscape(s string) string { return mdSpecial.Replace(s) }

// WriteMarkdown writes d as GitHub-flavoured markdown, to paste into a
// pull request.
func WriteMarkdown(w io.Writer, d *Diff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### lineup diff %s → %s\n\n", mdEscape(d.Old.ID), mdEscape(d.New.ID))
	b.WriteString("| | snapshot | created | runs | models | source | environment |\n|---|---|---|--:|--:|---|---|\n")
	for _, s := range []struct {
		name string
		ref  SnapshotRef
	}{{"old", d.Old}, {"new", d.New}} {
		fmt.Fprintf(&b, "| %s | %s (%s) | %s | %d | %d | %s | %s |\n", s.name, mdEscape(s.ref.ID), mdEscape(s.ref.Title),
			s.ref.Created.Format("2006-01-02"), s.ref.Runs, s.ref.Models, mdEscape(sourceLine(s.ref.Source)), mdEscape(envLine(s.ref.Environment)))
	}
	if w := workloadLine(d.CommonWorkload); w != "" {
		fmt.Fprintf(&b, "\nWorkload of every run: %s\n", mdEscape(w))
	}
	if len(d.Warnings) > 0 {
		b.WriteString("\n**Comparability warnings**\n\n")
		for _, wr := range d.Warnings {
			fmt.Fprintf(&b, "- %s %s\n", map[string]string{WarnDiffers: "⚠️", WarnUnknown: "❔"}[wr.Kind], mdEscape(wr.Message))
		}
	}
	fmt.Fprintf(&b, "\n%s\n", mdEscape(criteria(d)))
	var ns notes
	fmt.Fprintf(&b, "\n#### %s\n\n", mdEscape(configViewTitle))
	writeMarkdownTable(&b, viewTable(d.Configs, d.ConfigSummary, &ns))
	fmt.Fprintf(&b, "\n#### %s\n\n", mdEscape(modelViewTitle))
	writeMarkdownTable(&b, viewTable(d.Models, d.ModelSummary, &ns))
	if len(ns.texts) > 0 {
		b.WriteString("\n**Notes**\n\n")
		for i, t := range ns.texts {
			fmt.Fprintf(&b, "%d. %s\n", i+1, mdEscape(t))
		}
	}
	fmt.Fprintf(&b, "\nSettings: %s\n", mdEscape(FieldLegend))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdownTable(b *strings.Builder, t table) {
	b.WriteString("|")
	for _, h := range t.header {
		b.WriteString(" " + mdEscape(h) + " |")
	}
	b.WriteString("\n|")
	for _, num := range t.numeric {
		if num {
			b.WriteString("--:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteByte('\n')
	for _, row := range t.rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + mdEscape(c) + " |")
		}
		b.WriteByte('\n')
	}
}

var csvHeader = []string{"view", "model", "match", "ambiguous", "old_config", "new_config", "not_compared",
	"old_runs", "new_runs", "old_output_tps_per_gpu", "new_output_tps_per_gpu", "output_change_pct", "p_value", "significance",
	"old_input_tps_per_gpu", "new_input_tps_per_gpu", "input_change_pct",
	"old_gpus_for_1b_per_hour", "new_gpus_for_1b_per_hour", "flag", "reason", "notes"}

func csvNum(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', 10, 64)
}

func csvPct(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v*100, 'f', 4, 64)
}

// WriteCSV writes one table: the comparability warnings, the config view,
// the model view and the two geomean rows, told apart by the view column.
func WriteCSV(w io.Writer, d *Diff) error {
	cw := csv.NewWriter(w)
	write := func(cells []string) {
		safe := make([]string, len(cells))
		for i, c := range cells {
			safe[i] = snapshot.SafeCSVCell(c)
		}
		_ = cw.Write(safe) // the error sticks; Flush and Error report it
	}
	write(csvHeader)
	blank := make([]string, len(csvHeader))
	for _, wr := range d.Warnings {
		cells := append([]string(nil), blank...)
		cells[0], cells[19], cells[21] = "warning", wr.Kind, wr.Message
		write(cells)
	}
	runs := func(s *Side) string {
		if s == nil {
			return ""
		}
		return strconv.Itoa(s.Runs)
	}
	for _, v := range []struct {
		name string
		rows []Row
		sum  Summary
	}{{"config", d.Configs, d.ConfigSummary}, {"model", d.Models, d.ModelSummary}} {
		for _, r := range v.rows {
			var p string
			if r.Test != nil {
				p = strconv.FormatFloat(r.Test.P, 'g', 6, 64)
			}
			newCfg := r.New.label()
			write([]string{v.name, r.Model, r.Match, strconv.FormatBool(r.Ambiguous), r.Old.label(), newCfg,
				strings.Join(r.NotCompared, " "), runs(r.Old), runs(r.New),
				csvNum(r.Old.rate(output)), csvNum(r.New.rate(output)), csvPct(r.OutputChange), p, r.Significance,
				csvNum(r.Old.rate(input)), csvNum(r.New.rate(input)), csvPct(r.InputChange),
				csvNum(r.Old.rate(gpus)), csvNum(r.New.rate(gpus)), string(r.Flag), r.Reason, strings.Join(r.Notes, "; ")})
		}
		s := v.sum
		write([]string{v.name + "-geomean", fmt.Sprintf("geomean (%d rows)", s.N), "", "", "", "", "", "", "",
			csvNum(s.OldOutput), csvNum(s.NewOutput), csvPct(s.OutputChange), "", "",
			csvNum(s.OldInput), csvNum(s.NewInput), csvPct(s.InputChange), "", "", "", "",
			fmt.Sprintf("excluded=%d input_n=%d", s.Excluded, s.InputN)})
	}
	cw.Flush()
	return cw.Error()
}

func workloadLine(common map[string]string) string {
	keys := make([]string, 0, len(common))
	for k := range common {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + common[k]
	}
	return strings.Join(parts, " ")
}
