// Package slurmtest holds what the tests that submit real SLURM jobs share.
// It does not import package launcher, whose own tests use it.
package slurmtest

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/launcher/rundir"
)

// JobIDs lists the SLURM job ids recorded in the run manifests under dir.
func JobIDs(dir string) []string {
	var ids []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == rundir.ManifestFile {
			if m, err := rundir.ReadManifest(filepath.Dir(p)); err == nil {
				for _, s := range m.Submissions {
					if s.Executor == "slurm" {
						ids = append(ids, s.JobID)
					}
				}
			}
		}
		return nil
	})
	return ids
}

// CancelJobs scancels every SLURM job recorded under dir that squeue still
// shows, and waits (up to 30 s) until squeue shows none of them: a
// cancelled job still writes its status.json, which would race with the
// removal of a test's temporary directory.
func CancelJobs(t testing.TB, dir string) {
	t.Helper()
	ids := JobIDs(dir)
	if alive := queued(ids); len(alive) > 0 {
		if out, err := exec.Command("scancel", alive...).CombinedOutput(); err != nil {
			t.Logf("scancel %v: %v %s", alive, err, out)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if len(queued(ids)) == 0 {
			return
		}
	}
	t.Logf("jobs %v still in the queue 30 s after scancel", ids)
}

// queued is the ids among ids that squeue shows for this user; none when
// squeue fails (no cluster: nothing to wait for).
func queued(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out, err := exec.Command("squeue", "--noheader", "--me", "--format=%i").Output()
	if err != nil {
		return nil
	}
	var alive []string
	for _, id := range strings.Fields(string(out)) {
		if slices.Contains(ids, id) {
			alive = append(alive, id)
		}
	}
	return alive
}
