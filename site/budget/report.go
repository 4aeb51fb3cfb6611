package budget

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Row is one engine's line of a budget: its Estimate, or why it cannot meet
// the plan.
type Row struct {
	Estimate
	ErrorCode string `json:"error_code,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Rows sizes every engine for p. An engine that cannot meet the plan gives a
// row with an Error; an invalid plan or engine is the returned error.
func Rows(engines []Engine, p Plan) ([]Row, error) {
	rows := make([]Row, 0, len(engines))
	for _, e := range engines {
		est, err := Compute(e, p)
		var be *Error
		switch {
		case errors.As(err, &be):
			rows = append(rows, Row{Estimate: est, ErrorCode: be.Code, Error: be.Msg})
		case err != nil:
			return nil, err
		default:
			rows = append(rows, Row{Estimate: est})
		}
	}
	return rows, nil
}

// Sort orders.
const (
	SortCost = "cost" // GPU-hours, which is cost at one price
	SortGPUs = "gpus"
)

// Sort orders rows by cost (GPU-hours) or by GPUs, cheaper first, then by
// model and configuration; rows with an error go last, in their order.
func Sort(rows []Row, by string) error {
	var key func(a, b Row) int
	switch by {
	case SortCost:
		key = func(a, b Row) int { return cmp.Compare(a.GPUHours, b.GPUHours) }
	case SortGPUs:
		key = func(a, b Row) int {
			return cmp.Or(cmp.Compare(a.GPUs, b.GPUs), cmp.Compare(a.GPUHours, b.GPUHours))
		}
	default:
		return fmt.Errorf("sort %q: want %s or %s", by, SortCost, SortGPUs)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if (a.Error == "") != (b.Error == "") {
			if a.Error == "" {
				return -1
			}
			return 1
		}
		if a.Error != "" {
			return 0
		}
		return cmp.Or(key(a, b), cmp.Compare(a.Model, b.Model), cmp.Compare(a.Config, b.Config), cmp.Compare(a.Run, b.Run))
	})
	return nil
}

// Report is the output of `lineup budget`.
type Report struct {
	Snapshot struct {
		ID      string    `json:"id"`
		Title   string    `json:"title"`
		Created time.Time `json:"created"`
	} `json:"snapshot"`
	Plan Plan  `json:"plan"`
	Rows []Row `json:"rows"`
}

// NewReport sizes engines for p, sorted by sortBy, as a Report on s.
func NewReport(s *snapshot.Snapshot, engines []Engine, p Plan, sortBy string) (*Report, error) {
	rows, err := Rows(engines, p)
	if err != nil {
		return nil, err
	}
	if err := Sort(rows, sortBy); err != nil {
		return nil, err
	}
	r := &Report{Plan: p, Rows: rows}
	r.Snapshot.ID, r.Snapshot.Title, r.Snapshot.Created = s.ID, s.Title, s.Created
	return r, nil
}

// Failed returns the first row's error when no engine can meet the plan.
func (r *Report) Failed() error {
	for _, row := range r.Rows {
		if row.Error == "" {
			return nil
		}
	}
	if len(r.Rows) == 0 {
		return errors.New("no engines to size")
	}
	row := r.Rows[0]
	return &Error{Code: row.ErrorCode, Msg: fmt.Sprintf("%s (%s): %s", row.Model, row.Config, row.Error)}
}

// Formats are the output formats of Write.
var Formats = []string{"text", "csv", "json", "markdown"}

// Write prints the report in format.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "text":
		return r.writeText(w)
	case "csv":
		return r.writeCSV(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown":
		return r.writeMarkdown(w)
	}
	return fmt.Errorf("format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// Summary says in one sentence what was asked.
func (r *Report) Summary() string {
	p := r.Plan
	var b strings.Builder
	fmt.Fprintf(&b, "%s output tokens", FormatTokens(p.Tokens))
	if p.Hours > 0 {
		fmt.Fprintf(&b, " within %s", hours(p.Hours))
	} else {
		fmt.Fprintf(&b, " on at most %d GPUs", p.GPUs)
	}
	if p.GPUsPerNode > 0 {
		fmt.Fprintf(&b, ", %d-GPU nodes", p.GPUsPerNode)
	}
	if p.OverheadSeconds != nil {
		fmt.Fprintf(&b, ", %s start-up per replica", seconds(*p.OverheadSeconds))
	}
	if p.PricePerGPUHour > 0 {
		fmt.Fprintf(&b, ", %s per GPU-hour", num(p.PricePerGPUHour))
	}
	if p.WholeHours {
		b.WriteString(", billed in whole hours")
	}
	fmt.Fprintf(&b, "; snapshot %s", r.Snapshot.ID)
	if r.Snapshot.Title != "" {
		fmt.Fprintf(&b, " (%s)", r.Snapshot.Title)
	}
	return b.String()
}

// notes explains the columns under the text and Markdown tables.
const notes = `GPUs/1B/h is the seed's continuous figure, 1e9 / (output TPS/GPU x 3600); "whole" is the same rate in whole replicas.
Wall hours include the start-up overhead (measured model load + engine init; "*" marks the default %s when none was measured).
GPU-hours reserve every GPU of every replica for the wall time%s.
`

func (r *Report) notes() string {
	billed := ""
	if r.Plan.WholeHours {
		billed = ", rounded up to whole hours"
	}
	return fmt.Sprintf(notes, seconds(DefaultOverhead.Seconds()), billed)
}

var textHeader = []string{"model", "run", "config", "TPS/GPU", "GPUs/1B/h", "whole", "overhead", "replicas", "GPUs", "nodes", "wall h", "GPU-h", "cost"}

// cells formats one row for the text and Markdown tables.
func (r *Report) cells(row Row) []string {
	c := []string{row.Model, row.Run, row.Config, num(row.OutputTPSPerGPU), fixed(row.GPUsFor1BPerHour, 1), num(row.GPUsFor1BPerHourWhole), overhead(row.Estimate)}
	if row.Error != "" {
		return append(c, "-", "-", "-", "-", "-", "-", row.Error)
	}
	cost := "-"
	if row.Cost != nil {
		cost = fixed(*row.Cost, 2)
	}
	return append(c, strconv.Itoa(row.Replicas), strconv.Itoa(row.GPUs), strconv.Itoa(row.Nodes), fixed(row.WallHours, 2), fixed(row.GPUHours, 1), cost)
}

func overhead(e Estimate) string {
	s := seconds(e.OverheadSeconds)
	if !e.OverheadMeasured && e.OverheadSeconds == DefaultOverhead.Seconds() {
		s += "*"
	}
	return s
}

func (r *Report) hasErrors() bool {
	return slices.ContainsFunc(r.Rows, func(row Row) bool { return row.Error != "" })
}

func (r *Report) writeText(w io.Writer) error {
	header := textHeader
	if r.hasErrors() {
		header = append(slices.Clip(header), "note")
	}
	table := [][]string{header}
	for _, row := range r.Rows {
		table = append(table, r.cells(row))
	}
	width := make([]int, len(header))
	for _, line := range table {
		for i, c := range line {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", r.Summary())
	for _, line := range table {
		var l strings.Builder
		for i, c := range line {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				l.WriteString("  ")
			}
			// Names and the note read left to right; numbers line up
			// on the right.
			if i < 3 || i == len(textHeader) {
				l.WriteString(c + pad)
			} else {
				l.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	b.WriteString("\n" + r.notes())
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "%s\n\n", r.Summary())
	header := textHeader
	if r.hasErrors() {
		header = append(slices.Clip(header), "note")
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	align := make([]string, len(header))
	for i := range align {
		align[i] = "--:"
		if i < 3 || i == len(textHeader) {
			align[i] = ":--"
		}
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(align, " | "))
	for _, row := range r.Rows {
		c := r.cells(row)
		for i := range c {
			c[i] = strings.ReplaceAll(c[i], "|", `\|`)
		}
		if len(c) < len(header) {
			c = append(c, "")
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(c, " | "))
	}
	fmt.Fprintln(w)
	for _, line := range strings.Split(strings.TrimSpace(r.notes()), "\n") {
		fmt.Fprintf(w, "%s  \n", line)
	}
	return nil
}

// csvHeader names the CSV columns as the JSON keys of a Row.
var csvHeader = []string{"model", "run", "config", "tp", "pp", "dp", "output_tps_per_gpu", "engine_tps", "gpus_per_replica", "gpus_per_node",
	"nodes_per_replica", "replicas_per_node", "overhead_seconds", "overhead_measured", "gpus_for_1b_tokens_per_hour", "gpus_for_1b_tokens_per_hour_whole",
	"replicas", "gpus", "nodes", "wall_hours", "billed_hours", "gpu_hours", "cost", "error_code", "error"}

func (r *Report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, row := range r.Rows {
		cost := ""
		if row.Cost != nil {
			cost = num(*row.Cost)
		}
		e := row.Estimate
		rec := []string{e.Model, e.Run, e.Config, strconv.Itoa(e.TP), strconv.Itoa(e.PP), strconv.Itoa(e.DP), num(e.OutputTPSPerGPU), num(e.EngineTPS),
			strconv.Itoa(e.GPUsPerReplica), strconv.Itoa(e.GPUsPerNode), strconv.Itoa(e.NodesPerReplica), strconv.Itoa(e.ReplicasPerNode),
			num(e.OverheadSeconds), strconv.FormatBool(e.OverheadMeasured), num(e.GPUsFor1BPerHour), num(e.GPUsFor1BPerHourWhole),
			strconv.Itoa(e.Replicas), strconv.Itoa(e.GPUs), strconv.Itoa(e.Nodes), num(e.WallHours), num(e.BilledHours), num(e.GPUHours), cost,
			row.ErrorCode, row.Error}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// num writes v with all its digits and no exponent.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func fixed(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
