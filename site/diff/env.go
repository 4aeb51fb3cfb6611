package diff

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// envField is one environment property that decides whether two snapshots
// measured the same hardware: a diff across hardware is not a vLLM diff.
type envField struct {
	name string
	get  func(snapshot.Environment) string
}

var envFields = []envField{
	{"GPU model", func(e snapshot.Environment) string { return e.GPU }},
	{"GPU memory", func(e snapshot.Environment) string {
		if e.GPUMemoryMiB == 0 {
			return ""
		}
		return strconv.Itoa(e.GPUMemoryMiB) + " MiB"
	}},
	{"GPUs per node", func(e snapshot.Environment) string {
		if e.GPUsPerNode == 0 {
			return ""
		}
		return strconv.Itoa(e.GPUsPerNode)
	}},
	{"driver", func(e snapshot.Environment) string { return e.DriverVersion }},
}

// IsWorkloadKey reports whether a workload argument (a Config.Extra key)
// is a dataset or prompt setting: it changes what is measured, so two
// snapshots that differ in it are not comparable.
func IsWorkloadKey(key string) bool {
	if joinIgnoredExtra(key) {
		return false
	}
	if strings.Contains(key, "dataset") || strings.Contains(key, "prompt") {
		return true
	}
	switch key {
	case "max-tokens", "model-max-context", "max-examples", "max-samples", "num-samples",
		"temperature", "top-p", "top-k", "seed", "input-len", "output-len":
		return true
	}
	return false
}

func envWarnings(old, new *snapshot.Snapshot) []Warning {
	var ws []Warning
	for _, f := range envFields {
		o, n := f.get(old.Environment), f.get(new.Environment)
		switch {
		case o == n:
		case o == "" || n == "":
			ws = append(ws, Warning{Kind: WarnUnknown, Field: f.name, Old: o, New: n,
				Message: fmt.Sprintf("%s is not stated in %s, so it cannot be checked (%s: %s)", f.name, sideName(o == ""), sideName(o != ""), or(o, n))})
		default:
			ws = append(ws, Warning{Kind: WarnDiffers, Field: f.name, Old: o, New: n,
				Message: fmt.Sprintf("%s differs: old %s, new %s; this is not a like-for-like vLLM comparison", f.name, o, n)})
		}
	}
	ov, nv := workloadValues(old), workloadValues(new)
	switch {
	case len(ov) == 0 && len(nv) == 0:
		ws = append(ws, Warning{Kind: WarnUnknown, Field: "dataset/prompt settings",
			Message: "neither snapshot states its dataset or prompt settings (input dataset, prompt column, max tokens), so it cannot be checked that both measured the same workload"})
	case len(ov) == 0 || len(nv) == 0:
		ws = append(ws, Warning{Kind: WarnUnknown, Field: "dataset/prompt settings",
			Message: fmt.Sprintf("the %s snapshot does not state its dataset or prompt settings, so it cannot be checked that both measured the same workload", sideName(len(ov) == 0))})
	default:
		keys := map[string]bool{}
		for k := range ov {
			keys[k] = true
		}
		for k := range nv {
			keys[k] = true
		}
		for _, k := range sortedValues(keys) {
			o, n := strings.Join(sortedValues(ov[k]), " | "), strings.Join(sortedValues(nv[k]), " | ")
			switch {
			case o == n:
			case o == "" || n == "":
				ws = append(ws, Warning{Kind: WarnUnknown, Field: k, Old: o, New: n,
					Message: fmt.Sprintf("dataset/prompt setting %s is not stated in %s (%s: %s)", k, sideName(o == ""), sideName(o != ""), or(o, n))})
			default:
				ws = append(ws, Warning{Kind: WarnDiffers, Field: k, Old: o, New: n,
					Message: fmt.Sprintf("dataset/prompt setting %s differs: old %s, new %s", k, o, n)})
			}
		}
	}
	return ws
}

// workloadValues collects, per dataset/prompt key, the values s's runs use.
func workloadValues(s *snapshot.Snapshot) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, r := range s.Runs {
		for k, v := range r.Config.Extra {
			if !IsWorkloadKey(k) {
				continue
			}
			if out[k] == nil {
				out[k] = map[string]bool{}
			}
			out[k][v] = true
		}
	}
	return out
}

// runEnvNote compares the environments of two joined runs when either run
// carries its own (a results tree measured on mixed hardware), since the
// header only compares the snapshots' environments.
func runEnvNote(old, new *snapshot.Snapshot, o, n snapshot.Run) string {
	if o.Environment == nil && n.Environment == nil {
		return ""
	}
	oe, ne := old.Environment, new.Environment
	if o.Environment != nil {
		oe = *o.Environment
	}
	if n.Environment != nil {
		ne = *n.Environment
	}
	var diffs []string
	for _, f := range envFields {
		if a, b := f.get(oe), f.get(ne); a != "" && b != "" && a != b {
			diffs = append(diffs, fmt.Sprintf("%s %s -> %s", f.name, a, b))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return "these runs were measured on different hardware: " + strings.Join(diffs, "; ")
}

func sideName(old bool) string {
	if old {
		return "old"
	}
	return "new"
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
