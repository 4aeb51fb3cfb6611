package launcher

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

// Run states as `lineup status` shows them.
const (
	StateNotSubmitted = "not submitted"
	StatePending      = "pending"
	StateRunning      = "running"
	StateDone         = "done"
	StateFailed       = "failed"
	// StateUnknown is shown by `lineup status` when the scheduler cannot
	// be asked and the run directory does not say how the job ended.
	StateUnknown = "unknown"
)

// RunState is what is known about one run directory.
type RunState struct {
	State string `json:"state"`
	// Reason is the failure reason (OOM, timeout, server_fail, ...).
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	JobID  string `json:"job_id,omitempty"`
	// Elapsed is how long the job ran (or has been running).
	Elapsed string `json:"elapsed,omitempty"`
	// Source says where the state came from: squeue, status.json, sacct,
	// slurm log, run.json.
	Source string `json:"source,omitempty"`
}

// Label is "done", "pending", "failed:OOM", ...
func (s RunState) Label() string {
	if s.State == StateFailed {
		return StateFailed + ":" + s.Reason
	}
	return s.State
}

// observer answers questions about jobs for many runs with one squeue (and
// at most one sacct) call.
type observer struct {
	exec Executor
	// aliveErr is set when squeue failed and the caller chose to carry on
	// with the run directories alone (lineup status).
	aliveErr error
	alive    map[string]JobState
	// history is asked lazily (sacct can be slow): only runs without a
	// conclusive status.json need it.
	ctx      context.Context
	finished []string
	asked    bool
	history  map[string]JobState
	histErr  error
}

// historyOf returns the scheduler's record of a finished job.
func (o *observer) historyOf(id string) (JobState, bool) {
	if !o.asked {
		o.asked = true
		o.history, o.histErr = o.exec.History(o.ctx, o.finished)
	}
	js, ok := o.history[id]
	return js, ok
}

// newObserver asks the executor once about the jobs recorded in the
// manifests.
func newObserver(ctx context.Context, ex Executor, manifests map[string]*rundir.Manifest, tolerant bool) (*observer, error) {
	o := &observer{exec: ex, ctx: ctx}
	var ids []string
	for _, m := range manifests {
		if m != nil && len(m.Submissions) > 0 {
			if s := m.Submissions[len(m.Submissions)-1]; s.Executor == ex.Name() {
				ids = append(ids, s.JobID)
			}
		}
	}
	o.alive = map[string]JobState{}
	if len(ids) == 0 {
		return o, nil
	}
	alive, err := ex.Alive(ctx, ids)
	if err != nil {
		err = fmt.Errorf("ask %s which jobs are alive: %w", ex.Name(), err)
		if !tolerant {
			return nil, err
		}
		o.aliveErr, alive = err, map[string]JobState{}
	}
	o.alive = alive
	var finished []string
	for _, id := range ids {
		if _, ok := alive[id]; !ok {
			finished = append(finished, id)
		}
	}
	o.finished = finished
	return o, nil
}

// classify says what state the run in dir is in. m is its manifest (nil
// when it has none).
func (o *observer) classify(dir string, m *rundir.Manifest) RunState {
	if m == nil || len(m.Submissions) == 0 {
		return RunState{State: StateNotSubmitted, Source: "run.json"}
	}
	sub := m.Submissions[len(m.Submissions)-1]
	if sub.Executor == o.exec.Name() {
		if js, ok := o.alive[sub.JobID]; ok {
			st := StateRunning
			if js.State == "PENDING" || js.State == "CONFIGURING" {
				st = StatePending
			}
			return RunState{State: st, JobID: sub.JobID, Elapsed: js.Elapsed, Source: "squeue"}
		}
	}
	st, err := rundir.ReadStatus(dir)
	if err == nil && (st.JobID == "" || st.JobID == sub.JobID) {
		rs := RunState{JobID: sub.JobID, Source: "status.json", Detail: st.Detail}
		if !st.Start.IsZero() && !st.End.IsZero() {
			rs.Elapsed = st.End.Sub(st.Start).Round(time.Second).String()
		}
		if st.State == rundir.StatusOK {
			rs.State = StateDone
			return rs
		}
		rs.State, rs.Reason = StateFailed, st.Reason
		if rs.Reason == "" {
			// Killed by SIGTERM: the job cannot tell a time limit from a
			// scancel, SLURM's notice in its output can.
			if r := reasonFromLog(dir, sub.JobID); r != "" {
				rs.Reason = r
				rs.Source = "slurm log"
			} else if r := o.reasonFromHistory(sub.JobID); r != "" {
				rs.Reason = r
				rs.Source = "sacct"
			} else {
				rs.Reason = snapshot.ReasonUnknown
			}
		}
		return rs
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return RunState{State: StateFailed, Reason: snapshot.ReasonUnknown, JobID: sub.JobID, Detail: err.Error(), Source: "status.json"}
	}
	if o.aliveErr != nil && sub.Executor == o.exec.Name() {
		if _, ok := o.historyOf(sub.JobID); !ok {
			return RunState{State: StateUnknown, JobID: sub.JobID, Detail: o.aliveErr.Error(), Source: "run.json"}
		}
	}
	// The job is gone and left no status.json of its own.
	rs := RunState{State: StateFailed, JobID: sub.JobID, Detail: "job " + sub.JobID + " ended without writing " + rundir.StatusFile}
	if js, ok := o.historyOf(sub.JobID); ok {
		rs.Elapsed = js.Elapsed
	}
	switch r := reasonFromLog(dir, sub.JobID); {
	case r != "":
		rs.Reason, rs.Source = r, "slurm log"
	case o.reasonFromHistory(sub.JobID) != "":
		rs.Reason, rs.Source = o.reasonFromHistory(sub.JobID), "sacct"
	default:
		rs.Reason, rs.Source = snapshot.ReasonUnknown, "run.json"
	}
	return rs
}

func (o *observer) reasonFromHistory(id string) string {
	js, ok := o.historyOf(id)
	if !ok {
		return ""
	}
	switch js.State {
	case "TIMEOUT", "DEADLINE":
		return snapshot.ReasonTimeout
	case "OUT_OF_MEMORY":
		return snapshot.ReasonOOM
	case "NODE_FAIL":
		return snapshot.ReasonNodeFail
	case "PREEMPTED":
		return snapshot.ReasonPreempted
	case "CANCELLED":
		return snapshot.ReasonCancelled
	case "FAILED", "BOOT_FAIL", "COMPLETED":
		return snapshot.ReasonUnknown
	}
	return ""
}

// maxLogScan bounds how much of a job's output is read for SLURM's notice.
const maxLogScan = 256 << 10

// reasonFromLog reads the tail of inference/slurm_logs/<id>.out.
func reasonFromLog(dir, id string) string {
	f, err := os.Open(filepath.Join(dir, rundir.SlurmLogDir, id+".out"))
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-maxLogScan, 0)
	buf := make([]byte, fi.Size()-off)
	n, _ := f.ReadAt(buf, off)
	return rundir.ReasonFromSlurmLog(string(buf[:n]))
}
