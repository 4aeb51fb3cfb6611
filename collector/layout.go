package collector

import (
	"strconv"
	"strings"
)

// Layout names the kind of results tree a run was found in.
type Layout string

// The three layouts lineup reads.
const (
	// LayoutLineup is lineup's own run directory: run.json + inference/.
	LayoutLineup Layout = "lineup"
	// LayoutSeed is the seed README's tree:
	// {root}/{model}/tp{TP}-pp{PP}-dp{DP}/{spec}/.../inference_logs/ or .../logs/inference/.
	LayoutSeed Layout = "seed"
	// LayoutDatatrove is datatrove's later tree:
	// {root}/{experiment}/{prompt}/{model}/tp..-pp..-dp../mns_N/mnbt_M/gmu_P/bs_B/kvc_K/spec_S/quant_Q/inference_logs/.
	LayoutDatatrove Layout = "datatrove"
)

// Location is what a run's path says about it. Numbers the path does not
// state are zero; strings are empty.
type Location struct {
	Layout     Layout
	Experiment string
	Prompt     string
	// ModelDir is the model directory name as written (lossy in the
	// datatrove layout: "gemma_3_1b_it").
	ModelDir string
	TP, PP   int
	DP       int
	// Spec is the label after "spec_": "none", "ngram_5", ...
	Spec string
	// The datatrove layout's further parameters; zero/empty when absent.
	MaxNumSeqs, MaxNumBatchedTokens, GMUPercent, BlockSize int
	KVCacheDtype, Quantization                             string
}

// ParsePath reads the configuration fields out of the segments of a run
// path (slash-separated, relative to the results root; inference_logs and
// the log file itself may be included or not). It reports false when no
// tp segment names the parallelism, as the seed's analyzer does.
func ParsePath(rel string) (Location, bool) {
	parts := strings.FieldsFunc(rel, func(r rune) bool { return r == '/' || r == '\\' })
	tpIdx := -1
	var loc Location
	for i, p := range parts {
		tp, pp, dp, ok := parseParallel(p)
		if ok {
			tpIdx, loc.TP, loc.PP, loc.DP = i, tp, pp, dp
			break
		}
	}
	if tpIdx < 0 {
		return Location{}, false
	}
	if tpIdx > 0 {
		loc.ModelDir = parts[tpIdx-1]
	}
	// The datatrove layout puts named parameter segments after tp..; the
	// seed layout puts the spec segment right after it.
	params := 0
	for _, p := range parts[tpIdx+1:] {
		if !loc.setParam(p) {
			break
		}
		params++
	}
	if params >= 2 {
		loc.Layout = LayoutDatatrove
		if tpIdx >= 2 {
			loc.Prompt = parts[tpIdx-2]
		}
		if tpIdx >= 3 {
			loc.Experiment = strings.Join(parts[:tpIdx-2], "/")
		}
	} else {
		loc.Layout = LayoutSeed
		if tpIdx >= 2 {
			loc.Experiment = strings.Join(parts[:tpIdx-1], "/")
		}
	}
	if loc.Spec == "" {
		loc.Spec = "none"
	}
	if loc.PP == 0 {
		loc.PP = 1
	}
	return loc, true
}

// parseParallel accepts the seed's permissive tp segment: "tp8-pp2-dp1",
// "tp_2", "tp-4", "tp2_pp1"; pp and dp are optional (zero when absent).
func parseParallel(seg string) (tp, pp, dp int, ok bool) {
	s, ok := strings.CutPrefix(seg, "tp")
	if !ok {
		return 0, 0, 0, false
	}
	tp, s, ok = leadingInt(trimSep(s))
	if !ok || tp < 1 {
		return 0, 0, 0, false
	}
	if rest, found := strings.CutPrefix(trimSep(s), "pp"); found {
		if v, r, ok := leadingInt(trimSep(rest)); ok {
			pp, s = v, r
		}
	}
	if rest, found := strings.CutPrefix(trimSep(s), "dp"); found {
		if v, r, ok := leadingInt(trimSep(rest)); ok {
			dp, s = v, r
		}
	}
	_ = s // like the seed's re.match, trailing text after the fields is allowed
	return tp, pp, dp, true
}

func trimSep(s string) string {
	if s != "" && (s[0] == '-' || s[0] == '_') {
		return s[1:]
	}
	return s
}

// leadingInt parses the decimal digits at the start of s (at most 9, so the
// value fits any int).
func leadingInt(s string) (int, string, bool) {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	v, _ := strconv.Atoi(s[:i])
	return v, s[i:], true
}

// setParam records one named segment of the datatrove layout and reports
// whether seg was one.
func (l *Location) setParam(seg string) bool {
	name, val, ok := strings.Cut(seg, "_")
	if !ok || val == "" {
		return false
	}
	num := func(dst *int) bool {
		v, rest, ok := leadingInt(val)
		if !ok || rest != "" {
			return false
		}
		*dst = v
		return true
	}
	switch name {
	case "spec":
		l.Spec = val
		return true
	case "mns":
		return num(&l.MaxNumSeqs)
	case "mnbt":
		return num(&l.MaxNumBatchedTokens)
	case "gmu":
		return num(&l.GMUPercent)
	case "bs":
		return num(&l.BlockSize)
	case "kvc":
		l.KVCacheDtype = val
		return true
	case "quant":
		l.Quantization = val
		return true
	}
	return false
}
