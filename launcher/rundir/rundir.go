// Package rundir is the on-disk contract of one run directory written by
// `lineup launch`: the run.json manifest, and the files the job script
// writes under inference/. The launcher writes these files; the collector
// reads them (run.json is its authoritative source for a run's config).
//
//	{run dir}/
//	├── run.json                         Manifest (written atomically by lineup)
//	├── job.sbatch                       the rendered job script
//	└── inference/
//	    ├── env.json                     Env (written by the job script)
//	    ├── status.json                  Status (written by the job script)
//	    ├── slurm_logs/<jobid>.out       sbatch --output
//	    ├── server_logs/server_rank_0.log vllm serve output
//	    └── bench_result.json            vllm bench serve --save-result
package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Paths inside a run directory.
const (
	ManifestFile  = "run.json"
	JobScriptFile = "job.sbatch"
	InferenceDir  = "inference"
	EnvFile       = "inference/env.json"
	StatusFile    = "inference/status.json"
	SlurmLogDir   = "inference/slurm_logs"
	ServerLogDir  = "inference/server_logs"
	ServerLogFile = "inference/server_logs/server_rank_0.log"
	BenchResult   = "inference/bench_result.json"
)

// ManifestSchema identifies run.json documents.
const ManifestSchema = "lineup.run/v1"

// Manifest is run.json: the full normalised configuration of one run and
// every submission of it.
type Manifest struct {
	Schema     string `json:"schema"`
	Experiment string `json:"experiment"`
	Name       string `json:"name"`
	// Model is the full Hugging Face id (or local path) given to vLLM.
	Model  string          `json:"model"`
	Config snapshot.Config `json:"config"`
	// Workload holds every argument passed to the workload, as strings.
	Workload map[string]string `json:"workload,omitempty"`
	// Slurm holds the SLURM keys consumed by the launcher.
	Slurm       map[string]string `json:"slurm,omitempty"`
	Submissions []Submission      `json:"submissions,omitempty"`
	// LineupVersion is the version of lineup that last wrote the manifest.
	LineupVersion string `json:"lineup_version"`
}

// Submission is one sbatch (or local) execution of a run.
type Submission struct {
	JobID    string    `json:"job_id"`
	Time     time.Time `json:"time"`
	Executor string    `json:"executor"` // "slurm" or "local"
	Command  []string  `json:"command"`
}

// Job states written to status.json.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Status is inference/status.json, written by the job script when the
// workload ends.
type Status struct {
	State    string    `json:"state"`
	ExitCode int       `json:"exit_code"`
	Reason   string    `json:"reason,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	JobID    string    `json:"job_id,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// GPU is one line of `nvidia-smi --query-gpu=name,memory.total,driver_version
// --format=csv,noheader`.
type GPU struct {
	Name      string `json:"name"`
	MemoryMiB int    `json:"memory_mib,omitempty"`
	Driver    string `json:"driver,omitempty"`
}

// Env is inference/env.json, the environment recorded by the job script.
type Env struct {
	Hostnames   []string          `json:"hostnames,omitempty"`
	Slurm       map[string]string `json:"slurm,omitempty"`
	GPUs        []GPU             `json:"gpus,omitempty"`
	VLLMVersion string            `json:"vllm_version,omitempty"`
}

// ReadManifest reads dir/run.json.
func ReadManifest(dir string) (*Manifest, error) {
	var m Manifest
	if err := readJSON(filepath.Join(dir, ManifestFile), &m); err != nil {
		return nil, err
	}
	if m.Schema != ManifestSchema {
		return nil, fmt.Errorf("%s: schema %q is not %q", filepath.Join(dir, ManifestFile), m.Schema, ManifestSchema)
	}
	return &m, nil
}

// WriteManifest writes dir/run.json atomically.
func WriteManifest(dir string, m *Manifest) error {
	m.Schema = ManifestSchema
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return snapshot.WriteFileAtomic(filepath.Join(dir, ManifestFile), append(data, '\n'), 0o644)
}

// ReadStatus reads dir/inference/status.json.
func ReadStatus(dir string) (*Status, error) {
	var s Status
	if err := readJSON(filepath.Join(dir, StatusFile), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ReadEnv reads dir/inference/env.json.
func ReadEnv(dir string) (*Env, error) {
	var e Env
	if err := readJSON(filepath.Join(dir, EnvFile), &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
