package launcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lineup-dev/lineup/launcher/jobscript"
)

// Job is one submission of a run's job script.
type Job struct {
	// Name is the SLURM job name.
	Name string
	// Script is the absolute path of the rendered job script.
	Script string
	// LogDir receives the job's output file, <job id>.out.
	LogDir string
}

// JobState is what the scheduler says about a job.
type JobState struct {
	// State is SLURM's: PENDING, RUNNING, COMPLETING, COMPLETED, FAILED,
	// TIMEOUT, CANCELLED, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED...
	State string
	// Elapsed is the scheduler's elapsed time, as it prints it.
	Elapsed string
}

// ErrNoAccounting is returned by History when the cluster keeps no record
// of finished jobs (no slurmdbd and no job completion log).
var ErrNoAccounting = errors.New("no job accounting on this cluster")

// Executor submits job scripts and reports on their jobs. The SLURM one
// runs sbatch/squeue/sacct; tests replace it.
type Executor interface {
	// Name is "slurm" or "local"; it is recorded with each submission.
	Name() string
	// Command is the command line that submits job (shown by -dry-run).
	Command(job Job) []string
	// Submit submits job and returns its id. An id with an error means the
	// job exists but did not finish normally (an interrupted local job).
	Submit(ctx context.Context, job Job) (string, error)
	// Alive returns the scheduler's state of each job among ids that is
	// still pending or running; finished jobs are absent.
	Alive(ctx context.Context, ids []string) (map[string]JobState, error)
	// History returns the final state of finished jobs among ids, or
	// ErrNoAccounting.
	History(ctx context.Context, ids []string) (map[string]JobState, error)
}

// CommandError is a failed external command with its output.
type CommandError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("%s: %v", jobscript.QuoteArgs(e.Args), e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// Runner runs a command and returns its standard output.
type Runner func(ctx context.Context, args []string) ([]byte, error)

// ExecRunner runs commands with os/exec; a failure is a *CommandError.
func ExecRunner(ctx context.Context, args []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &CommandError{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// Slurm submits with sbatch and asks squeue and sacct.
type Slurm struct {
	// Run runs a command; ExecRunner when nil.
	Run Runner
}

func (s *Slurm) run(ctx context.Context, args ...string) ([]byte, error) {
	if s.Run == nil {
		return ExecRunner(ctx, args)
	}
	return s.Run(ctx, args)
}

func (s *Slurm) Name() string { return "slurm" }

func (s *Slurm) Command(job Job) []string {
	return []string{"sbatch", "--parsable", "--job-name=" + job.Name,
		"--output=" + filepath.Join(job.LogDir, "%j.out"), job.Script}
}

func (s *Slurm) Submit(ctx context.Context, job Job) (string, error) {
	out, err := s.run(ctx, s.Command(job)...)
	if err != nil {
		var ce *CommandError
		if errors.As(err, &ce) && strings.Contains(ce.Stderr, "Node count specification invalid") {
			return "", fmt.Errorf("%w (the partition has fewer nodes than this run asks for: check nodes-per-task)", err)
		}
		return "", err
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("sbatch printed %q, not a job id", strings.TrimSpace(string(out)))
	}
	return id, nil
}

// Alive lists the user's jobs that squeue still shows (pending, running,
// completing) and keeps those among ids.
func (s *Slurm) Alive(ctx context.Context, ids []string) (map[string]JobState, error) {
	out, err := s.run(ctx, "squeue", "--noheader", "--me", "--format=%i|%T|%M")
	if err != nil {
		return nil, err
	}
	return parseJobTable(out, ids), nil
}

// History asks sacct, then the job completion log (sacct -c) when the
// cluster has no accounting database.
func (s *Slurm) History(ctx context.Context, ids []string) (map[string]JobState, error) {
	if len(ids) == 0 {
		return map[string]JobState{}, nil
	}
	list := strings.Join(ids, ",")
	out, err := s.run(ctx, "sacct", "--noheader", "--parsable2", "--allocations", "--jobs="+list, "--format=JobID,State,Elapsed")
	if err == nil {
		return parseJobTable(out, ids), nil
	}
	out, err2 := s.run(ctx, "sacct", "-c", "--noheader", "--parsable2", "--jobs="+list, "--format=JobID,State,Elapsed")
	if err2 == nil {
		return parseJobTable(out, ids), nil
	}
	return nil, fmt.Errorf("%w: %v; %v", ErrNoAccounting, err, err2)
}

// parseJobTable reads "id|STATE|elapsed" lines. sacct writes states such as
// "CANCELLED by 0"; only the first word is kept. A later line for the same
// id (a requeued job) wins.
func parseJobTable(out []byte, ids []string) map[string]JobState {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	m := map[string]JobState{}
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) < 2 || f[0] == "" || !want[f[0]] {
			continue
		}
		words := strings.Fields(f[1])
		if len(words) == 0 {
			continue
		}
		st := JobState{State: words[0]}
		if len(f) > 2 {
			st.Elapsed = strings.TrimSpace(f[2])
		}
		m[f[0]] = st
	}
	return m
}

// Local runs job scripts one after another on this machine, with bash, for
// a GPU box without SLURM. Submit returns when the job has finished.
type Local struct {
	// Now gives job ids; time.Now when nil.
	Now func() time.Time
	// Env is added to the job's environment.
	Env []string
}

func (l *Local) Name() string { return "local" }

func (l *Local) Command(job Job) []string { return []string{"bash", job.Script} }

func (l *Local) Submit(ctx context.Context, job Job) (string, error) {
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	id := "local-" + strconv.FormatInt(now().UnixNano(), 10)
	if err := os.MkdirAll(job.LogDir, 0o755); err != nil {
		return "", err
	}
	logFile, err := os.Create(filepath.Join(job.LogDir, id+".out"))
	if err != nil {
		return "", err
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, "bash", job.Script)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(append(os.Environ(), l.Env...), "LINEUP_JOB_ID="+id)
	// On interrupt the job gets SIGTERM, as from scancel, so its trap
	// stops vllm and writes status.json; its process group goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	// The job's own exit status is in its status.json; only a job that
	// could not start at all is an error here.
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return "", &CommandError{Args: cmd.Args, Err: err}
		}
	}
	if err := ctx.Err(); err != nil {
		// The job ran and was stopped: it is recorded, and Launch stops.
		return id, fmt.Errorf("job %s interrupted: %w", id, err)
	}
	return id, nil
}

func (l *Local) Alive(ctx context.Context, ids []string) (map[string]JobState, error) {
	return map[string]JobState{}, nil
}

func (l *Local) History(ctx context.Context, ids []string) (map[string]JobState, error) {
	return nil, ErrNoAccounting
}
