// Package launcher submits a sweep of vLLM benchmark runs to SLURM (or runs
// them locally), idempotently:
//
//  1. read the sweep file and expand it into runs (packages config, sweep);
//  2. lock each output directory, so two launches never act at once;
//  3. classify every run from its run directory and the scheduler: done,
//     pending, running, failed (with a reason) or not submitted;
//  4. submit what is neither done, nor alive, nor failed for a reason the
//     user chose to skip: render the job script (package jobscript), write
//     run.json (package rundir), sbatch it, record the job id;
//  5. report a summary.
//
// `lineup status` runs steps 1 and 3 only.
package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/config"
	"github.com/lineup-dev/lineup/launcher/jobscript"
	"github.com/lineup-dev/lineup/launcher/rundir"
	"github.com/lineup-dev/lineup/launcher/sweep"
)

// DefaultSkipReasons are the failure reasons a re-run does not retry: the
// run would fail the same way again.
var DefaultSkipReasons = []string{snapshot.ReasonOOM, snapshot.ReasonTimeout, snapshot.ReasonServerFail}

// ParseSkipReasons reads the -skip-failure-reasons flag: a comma-separated
// list, or "none" to retry every failure.
func ParseSkipReasons(s string) []string {
	if strings.TrimSpace(strings.ToLower(s)) == "none" {
		return []string{}
	}
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Options configure Launch and Status.
type Options struct {
	// Config is the sweep file.
	Config string
	// DryRun prints decisions and commands, writes and submits nothing.
	DryRun bool
	// Verbose adds the job script to the dry-run output.
	Verbose  bool
	Executor Executor
	// Template is a job script template file ("" for the embedded one).
	Template string
	// SkipReasons are failure reasons not retried; nil means
	// DefaultSkipReasons, empty retries every failure.
	SkipReasons []string
	// LockWait is how long to wait for another launch's lock.
	LockWait time.Duration
	// WorkDir resolves relative output dirs; the current directory if "".
	WorkDir string
	Stdout  io.Writer
	// Stderr gets the progress line (when Progress) and lock messages.
	Stderr   io.Writer
	Progress bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Decision is what Launch did, or would do, with one run.
type Decision struct {
	Run   *sweep.Run
	Dir   string
	State RunState
	// Submit is true when the run is (to be) submitted.
	Submit bool
	// Why explains a skip: "done", "running", "failed:OOM", ...
	Why     string
	Command []string
	JobID   string
	Err     error
}

// Summary counts what Launch did.
type Summary struct {
	Runs      int
	Submitted int
	// Skipped counts skipped runs by why.
	Skipped map[string]int
	// Failed are the runs whose submission failed.
	Failed    []Decision
	Decisions []Decision
}

func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d runs: submitted %d", s.Runs, s.Submitted)
	if n := sumValues(s.Skipped); n > 0 {
		fmt.Fprintf(&b, ", skipped %d (", n)
		for i, k := range slices.Sorted(maps.Keys(s.Skipped)) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d", k, s.Skipped[k])
		}
		b.WriteString(")")
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(&b, ", failed to submit %d", len(s.Failed))
	}
	return b.String()
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// plan is an expanded sweep with its run directories resolved.
type plan struct {
	sweep   *sweep.Sweep
	workDir string
	dirs    []string // absolute run directory of each run
	roots   []string // absolute output directories, sorted
	rootOf  []string
}

func load(o *Options) (*plan, error) {
	f, err := config.ReadFile(o.Config)
	if err != nil {
		return nil, err
	}
	s, err := sweep.Expand(f)
	if err != nil {
		return nil, err
	}
	wd := o.WorkDir
	if wd == "" {
		if wd, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	p := &plan{sweep: s, workDir: wd}
	roots := map[string]bool{}
	for i := range s.Runs {
		root := s.Runs[i].OutputDir
		if !filepath.IsAbs(root) {
			root = filepath.Join(wd, root)
		}
		root = filepath.Clean(root)
		roots[root] = true
		p.rootOf = append(p.rootOf, root)
		p.dirs = append(p.dirs, filepath.Join(root, filepath.FromSlash(s.Runs[i].Rel)))
	}
	p.roots = slices.Sorted(maps.Keys(roots))
	return p, nil
}

func (p *plan) manifests() map[string]*rundir.Manifest {
	ms := make(map[string]*rundir.Manifest, len(p.dirs))
	for _, d := range p.dirs {
		m, err := rundir.ReadManifest(d)
		if err != nil {
			m = nil
		}
		ms[d] = m
	}
	return ms
}

// Launch classifies every run of the sweep and submits those that need it.
// It returns an error when a submission failed (after the others when
// continue_on_failure is true).
func Launch(ctx context.Context, o Options) (*Summary, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	p, err := load(&o)
	if err != nil {
		return nil, err
	}
	tmpl, err := jobscript.Load(o.Template)
	if err != nil {
		return nil, err
	}
	if !o.DryRun {
		for _, root := range p.roots {
			l, err := acquireLock(ctx, root, o.LockWait, o.Stderr)
			if err != nil {
				return nil, err
			}
			defer l.release()
		}
	}
	ms := p.manifests()
	obs, err := newObserver(ctx, o.Executor, ms, false)
	if err != nil {
		return nil, err
	}
	skip := o.SkipReasons
	if skip == nil {
		skip = DefaultSkipReasons
	}
	version := snapshot.ToolVersion().Version
	sum := &Summary{Runs: len(p.sweep.Runs), Skipped: map[string]int{}}
	stopped, rendered := false, false
	for i := range p.sweep.Runs {
		r := &p.sweep.Runs[i]
		dir := p.dirs[i]
		d := Decision{Run: r, Dir: dir}
		d.State = obs.classify(dir, ms[dir])
		switch st := d.State; {
		case st.State == StateDone, st.State == StatePending, st.State == StateRunning:
			d.Why = st.State
		case st.State == StateFailed && slices.Contains(skip, st.Reason):
			d.Why = st.Label()
		case ctx.Err() != nil:
			d.Why = "interrupted"
		case stopped:
			d.Why = "stopped after a failed submission"
		default:
			d.Submit = true
		}
		job := Job{Name: "lineup_" + r.Name, Script: filepath.Join(dir, rundir.JobScriptFile), LogDir: filepath.Join(dir, rundir.SlurmLogDir)}
		d.Command = o.Executor.Command(job)
		var script []byte
		// A dry run without -v renders one script, to check the template,
		// not ten thousand.
		if d.Submit && (!o.DryRun || o.Verbose || !rendered) {
			rendered = true
			data := jobscript.NewData(r, p.sweep.Script, dir, p.workDir, p.rootOf[i], version)
			script, d.Err = tmpl.Render(data)
			if d.Err == nil && !o.DryRun {
				d.JobID, d.Err = submit(ctx, o.Executor, job, r, dir, script, ms[dir], version, now)
			}
		}
		switch {
		case !d.Submit:
			sum.Skipped[d.Why]++
		case d.Err != nil:
			sum.Failed = append(sum.Failed, d)
			if !p.sweep.ContinueOnFailure {
				stopped = true
			}
		default:
			sum.Submitted++
		}
		if o.Progress && !o.DryRun && i > 0 {
			fmt.Fprint(o.Stderr, "\r\033[K") // clear the progress line
		}
		printDecision(o.Stdout, &d, o.DryRun)
		if o.DryRun && o.Verbose && d.Submit && d.Err == nil {
			fmt.Fprintf(o.Stdout, "%s\n", indent(string(script)))
		}
		if o.Progress && !o.DryRun {
			fmt.Fprintf(o.Stderr, "\r[%d/%d] submitted %d, skipped %d, failed %d", i+1, sum.Runs, sum.Submitted, sumValues(sum.Skipped), len(sum.Failed))
		}
		sum.Decisions = append(sum.Decisions, d)
	}
	if o.Progress && !o.DryRun {
		fmt.Fprintln(o.Stderr)
	}
	if o.DryRun {
		fmt.Fprintf(o.Stdout, "dry run: %s (nothing written, nothing submitted)\n", strings.Replace(sum.String(), "submitted", "would submit", 1))
	} else {
		fmt.Fprintln(o.Stdout, sum.String())
	}
	if len(sum.Failed) > 0 {
		errs := make([]error, 0, len(sum.Failed))
		for _, f := range sum.Failed {
			errs = append(errs, fmt.Errorf("run %s: %w", f.Run.Name, f.Err))
		}
		return sum, errors.Join(errs...)
	}
	return sum, nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func printDecision(w io.Writer, d *Decision, dry bool) {
	switch {
	case d.Err != nil:
		fmt.Fprintf(w, "FAILED %s: %v\n", d.Run.Name, d.Err)
	case d.Submit && dry:
		why := d.State.Label()
		fmt.Fprintf(w, "submit %s (%s)\n    %s\n", d.Run.Name, why, jobscript.QuoteArgs(d.Command))
	case d.Submit:
		fmt.Fprintf(w, "submit %s: job %s\n", d.Run.Name, d.JobID)
	default:
		job := ""
		if d.State.JobID != "" {
			job = " (job " + d.State.JobID + ")"
		}
		fmt.Fprintf(w, "skip   %s: %s%s\n", d.Run.Name, d.Why, job)
	}
}

// submit writes the job script and run.json, submits, and records the job.
func submit(ctx context.Context, ex Executor, job Job, r *sweep.Run, dir string, script []byte, m *rundir.Manifest, version string, now func() time.Time) (string, error) {
	if err := os.MkdirAll(filepath.Join(dir, rundir.SlurmLogDir), 0o755); err != nil {
		return "", err
	}
	if err := snapshot.WriteFileAtomic(job.Script, script, 0o755); err != nil {
		return "", err
	}
	// A status.json left by an earlier attempt would describe this one.
	for _, f := range []string{rundir.StatusFile, rundir.EnvFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	if m == nil {
		m = &rundir.Manifest{}
	}
	m.Experiment, m.Name, m.Model = r.Experiment, r.Name, r.Model
	m.Config, m.Workload, m.Slurm = r.Config, r.Workload, r.Slurm
	m.LineupVersion = version
	if len(m.Slurm) == 0 {
		m.Slurm = nil
	}
	// run.json exists before the job does, so a job never runs without it.
	if err := rundir.WriteManifest(dir, m); err != nil {
		return "", err
	}
	t := now().UTC()
	id, err := ex.Submit(ctx, job)
	if id == "" {
		return "", err
	}
	m.Submissions = append(m.Submissions, rundir.Submission{JobID: id, Time: t, Executor: ex.Name(), Command: ex.Command(job)})
	if werr := rundir.WriteManifest(dir, m); werr != nil {
		return id, fmt.Errorf("job %s submitted but not recorded: %w", id, werr)
	}
	return id, err
}

// StatusRow is one run in `lineup status`.
type StatusRow struct {
	Experiment string `json:"experiment"`
	Name       string `json:"name"`
	Dir        string `json:"dir"`
	RunState
}

// Status classifies every run of the sweep without changing anything.
func Status(ctx context.Context, o Options) ([]StatusRow, error) {
	p, err := load(&o)
	if err != nil {
		return nil, err
	}
	ms := p.manifests()
	// Status carries on without squeue: the run directories still tell
	// what ended; what did not is shown as unknown.
	obs, err := newObserver(ctx, o.Executor, ms, true)
	if err != nil {
		return nil, err
	}
	if obs.aliveErr != nil && o.Stderr != nil {
		fmt.Fprintf(o.Stderr, "warning: %v; states come from the run directories only\n", obs.aliveErr)
	}
	rows := make([]StatusRow, len(p.dirs))
	for i, dir := range p.dirs {
		r := &p.sweep.Runs[i]
		rows[i] = StatusRow{Experiment: r.Experiment, Name: r.Name, Dir: dir, RunState: obs.classify(dir, ms[dir])}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Experiment < rows[j].Experiment })
	return rows, nil
}
