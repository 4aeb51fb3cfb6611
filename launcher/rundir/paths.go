package rundir

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// A run directory sits at
//
//	{output-dir}/{experiment}/{model dir}/tp{TP}-pp{PP}-dp{DP}/spec_{spec}/{leaf}[/{extra}]
//
// where {leaf} is mns_{N}-mnbt_{M}-gmu_{P}-bs_{B}-kvc_{K}-quant_{Q} and
// {extra}, present only when a sweep varies other workload arguments, is
// {key}_{value} pairs joined by "-". Every segment is made by Segment, so no
// config value can leave the output directory.
//
// The model dir is the model id with "/" written as "--"
// ("google/gemma-3-1b-it" -> "google--gemma-3-1b-it"). Hugging Face forbids
// "--" inside ids, so ModelFromDir reverses it; run.json holds the exact
// id in any case (local paths are not reversible).

// maxSegment keeps a segment well under the 255-byte file name limit.
const maxSegment = 200

// Segment turns any text into one safe path segment: only ASCII letters,
// digits, '.', '_' and '-' survive (others become '_'), it never starts
// with '.', is never empty, and is at most 200 bytes long.
func Segment(s string) string {
	b := []byte(s)
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
			out = append(out, c)
		default:
			out = append(out, '_')
		}
	}
	if len(out) > maxSegment {
		out = out[:maxSegment]
	}
	if len(out) == 0 {
		return "_"
	}
	if out[0] == '.' {
		out[0] = '_'
	}
	return string(out)
}

// ModelDir is the directory segment of a model id or path.
func ModelDir(model string) string {
	m := strings.TrimSpace(model)
	m = strings.TrimPrefix(m, "./")
	var parts []string
	for _, p := range strings.Split(m, "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	return Segment(strings.Join(parts, "--"))
}

// ModelFromDir maps a model dir back to the Hugging Face id it came from.
func ModelFromDir(dir string) string { return strings.Replace(dir, "--", "/", 1) }

// ParallelDir is the tp{TP}-pp{PP}-dp{DP} segment.
func ParallelDir(tp, pp, dp int) string {
	return "tp" + strconv.Itoa(tp) + "-pp" + strconv.Itoa(pp) + "-dp" + strconv.Itoa(dp)
}

// GMU formats a gpu-memory-utilization as a percentage without a dot when
// it is whole: 0.95 -> "95", 0.925 -> "92.5".
func GMU(f float64) string {
	return strconv.FormatFloat(float64(int64(f*10000+0.5))/100, 'f', -1, 64)
}

// LeafDir is the mns_..-mnbt_..-gmu_..-bs_..-kvc_..-quant_.. segment of a
// normalised config whose optional fields are all set.
func LeafDir(c snapshot.Config) string {
	str := func(p *string) string {
		if p == nil {
			return "none"
		}
		return *p
	}
	num := func(p *int) string {
		if p == nil {
			return "default"
		}
		return strconv.Itoa(*p)
	}
	gmu := "default"
	if c.GPUMemoryUtilization != nil {
		gmu = GMU(*c.GPUMemoryUtilization)
	}
	return Segment("mns_" + num(c.MaxNumSeqs) + "-mnbt_" + num(c.MaxNumBatchedTokens) + "-gmu_" + gmu +
		"-bs_" + num(c.BlockSize) + "-kvc_" + str(c.KVCacheDtype) + "-quant_" + str(c.Quantization))
}

// SpecDir is the spec_{label} segment.
func SpecDir(c snapshot.Config) string {
	if c.Spec == nil {
		return "spec_none"
	}
	return Segment("spec_" + *c.Spec)
}

// SLURM's termination notices in a job's output file, e.g.
// "slurmstepd-vm: error: *** JOB 14 ON vm CANCELLED AT 2026-11-28T05:31:38 DUE TO TIME LIMIT ***"
// (see /work/shared/reference/vllm-logs/failures.txt section 6 and
// slurm-single-node.md).
var slurmCancel = regexp.MustCompile(`\*\*\* (?:JOB|STEP) [0-9.]+ ON \S+ CANCELLED AT \S+(?: DUE TO ([A-Z ,]+?))?(?:, SEE SLURMCTLD LOG FOR DETAILS)? \*\*\*`)

// ReasonFromSlurmLog classifies a job killed by SLURM from its output file:
// timeout (DUE TO TIME LIMIT), preempted, node_fail, or cancelled (scancel,
// no "DUE TO"). It returns "" when the text holds no such notice.
func ReasonFromSlurmLog(text string) string {
	ms := slurmCancel.FindAllStringSubmatch(text, -1)
	if ms == nil {
		return ""
	}
	// The JOB line and the STEP line agree; a time limit wins over the
	// generic cancellation.
	reason := snapshot.ReasonCancelled
	for _, m := range ms {
		switch strings.TrimSpace(m[1]) {
		case "TIME LIMIT":
			return snapshot.ReasonTimeout
		case "PREEMPTION":
			reason = snapshot.ReasonPreempted
		case "NODE FAILURE":
			reason = snapshot.ReasonNodeFail
		}
	}
	return reason
}
