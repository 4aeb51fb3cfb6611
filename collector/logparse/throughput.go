package logparse

import (
	"math"
	"sort"
	"time"
)

// Throughput is the seed's headline method over the stats lines.
type Throughput struct {
	// EngineInputTPS is the mean prompt throughput over the mixed samples
	// (prompt > 0); EngineOutputTPS is the mean generation throughput over
	// the steady samples (prompt == 0), or over the mixed samples when
	// there is no steady one. Both are whole-engine rates, summed over DP
	// engines per interval when the log names several engines; nil when
	// there is no sample to average.
	EngineInputTPS, EngineOutputTPS *float64
	// Engines is the number of distinct engines seen (1 if none is named;
	// N for "N Engines Aggregated" lines). The caller divides by
	// tp x pp x dp; this tells it whether the lines were already summed
	// over the dp engines.
	Engines int
	// Mixed and Steady count samples with prompt > 0 and prompt == 0. A
	// sample is a stats line, or for several engines one interval summed
	// over them. Idle samples (prompt 0 and generation 0) count as steady,
	// as in the seed: they lower the output mean, which is why a run that
	// idles at the end is worth a warning (see SteadyIdle).
	Mixed, Steady int
	// UsedSteady is true when EngineOutputTPS comes from the steady samples
	// (else it fell back to the mixed ones).
	UsedSteady bool
	// SteadyIdle counts the steady samples whose generation is 0 too.
	SteadyIdle int
	// Timeline is the samples in order, downsampled to at most
	// MaxTimelinePoints by averaging consecutive buckets.
	Timeline []TimelinePoint
}

// TimelinePoint is one (possibly averaged) sample. T is seconds since the
// first sample, from the vLLM timestamps; a sample without a timestamp is
// placed DefaultInterval after the previous one.
type TimelinePoint struct {
	T                        float64
	PromptTPS, GenerationTPS float64
	Running, Waiting         *int
	KVCacheUsagePct          *float64
}

const (
	// MaxTimelinePoints bounds Throughput.Timeline.
	MaxTimelinePoints = 200
	// DefaultInterval is vLLM V1's default stats interval in seconds.
	DefaultInterval = 10
)

// sample is one interval over all engines.
type sample struct {
	time             string
	prompt, gen      float64
	running, waiting int
	hasRun, hasWait  bool
	kv               float64
	kvN              int
}

// Summarize applies the seed analyzer's method (datatrove-run-layout.md §7)
// to stats lines in log order:
//
//   - "N Engines Aggregated" lines, when present, are the samples (vLLM has
//     already summed them over the engines); other lines are ignored.
//   - Lines of several engine ids (data parallel) are summed per interval:
//     the k-th line of every engine forms interval k (vLLM logs every
//     engine once per interval, so sequence is robust where timestamps may
//     differ by a second); intervals some engine has no line for (a
//     trailing partial interval) are left out. KV usage is averaged, the
//     queue lengths and throughputs summed.
//   - Otherwise every line is a sample.
//
// Then, as the seed: EngineInputTPS is the mean prompt throughput of the
// samples with prompt > 0 (mixed); EngineOutputTPS is the mean generation
// throughput of the samples with prompt == 0 (steady), or of the mixed ones
// when there is no steady sample. An idle sample (prompt 0 and generation 0,
// the server waiting for work) counts as steady, exactly as in the seed, so
// idle time at the start or the end of a run lowers the output mean; the
// count is in SteadyIdle for the caller's validity warning.
func Summarize(lines []StatsLine) Throughput {
	samples, engines := samplesOf(lines)
	t := Throughput{Engines: engines}
	var inSum, mixGen, steadyGen float64
	for _, s := range samples {
		if s.prompt > 0 {
			t.Mixed++
			inSum += s.prompt
			mixGen += s.gen
		} else {
			t.Steady++
			steadyGen += s.gen
			if s.gen == 0 {
				t.SteadyIdle++
			}
		}
	}
	if t.Mixed > 0 {
		t.EngineInputTPS = ptr(inSum / float64(t.Mixed))
	}
	switch {
	case t.Steady > 0:
		t.EngineOutputTPS, t.UsedSteady = ptr(steadyGen/float64(t.Steady)), true
	case t.Mixed > 0:
		t.EngineOutputTPS = ptr(mixGen / float64(t.Mixed))
	}
	t.Timeline = timeline(samples)
	return t
}

func ptr[T any](v T) *T { return &v }

func samplesOf(lines []StatsLine) ([]sample, int) {
	agg := 0
	ids := map[int]int{}
	for _, l := range lines {
		agg = max(agg, l.Aggregated)
		if l.Aggregated == 0 && l.Engine >= 0 {
			ids[l.Engine]++
		}
	}
	one := func(l StatsLine) sample {
		s := sample{time: l.Time, prompt: l.PromptTPS, gen: l.GenerationTPS}
		s.add(l)
		return s
	}
	var out []sample
	switch {
	case agg > 0:
		for _, l := range lines {
			if l.Aggregated > 0 {
				out = append(out, one(l))
			}
		}
		return out, agg
	case len(ids) <= 1:
		out = make([]sample, 0, len(lines))
		for _, l := range lines {
			out = append(out, one(l))
		}
		return out, 1
	}
	engines := make([]int, 0, len(ids))
	n := math.MaxInt
	for id, c := range ids {
		engines = append(engines, id)
		n = min(n, c)
	}
	sort.Ints(engines)
	seen := map[int]int{} // lines of each engine so far
	out = make([]sample, n)
	for _, l := range lines {
		if l.Engine < 0 || l.Aggregated > 0 {
			continue
		}
		k := seen[l.Engine]
		seen[l.Engine]++
		if k >= n {
			continue
		}
		s := &out[k]
		if s.time == "" {
			s.time = l.Time
		}
		s.prompt += l.PromptTPS
		s.gen += l.GenerationTPS
		s.add(l)
	}
	return out, len(engines)
}

func (s *sample) add(l StatsLine) {
	if l.Running != nil {
		s.running += *l.Running
		s.hasRun = true
	}
	if l.Waiting != nil {
		s.waiting += *l.Waiting
		s.hasWait = true
	}
	if l.KVCacheUsagePct != nil {
		s.kv += *l.KVCacheUsagePct
		s.kvN++
	}
}

// timeline turns samples into points, averaging buckets of consecutive
// samples down to MaxTimelinePoints.
func timeline(samples []sample) []TimelinePoint {
	if len(samples) == 0 {
		return nil
	}
	ts := make([]float64, len(samples))
	var first, prev time.Time
	years := 0
	for i, s := range samples {
		guess := 0.0 // where a sample without a timestamp goes
		if i > 0 {
			guess = ts[i-1] + DefaultInterval
		}
		at, err := time.Parse("01-02 15:04:05", s.time)
		if err != nil {
			ts[i] = guess
			continue
		}
		if first.IsZero() {
			first = at.Add(-time.Duration(guess * float64(time.Second)))
		}
		if !prev.IsZero() && at.AddDate(years, 0, 0).Before(prev.Add(-24*time.Hour)) {
			years++ // the log crossed New Year
		}
		at = at.AddDate(years, 0, 0)
		prev = at
		ts[i] = at.Sub(first).Seconds()
	}
	per := (len(samples) + MaxTimelinePoints - 1) / MaxTimelinePoints
	out := make([]TimelinePoint, 0, (len(samples)+per-1)/per)
	for i := 0; i < len(samples); i += per {
		bucket := samples[i:min(i+per, len(samples))]
		p := TimelinePoint{T: ts[i]}
		var run, wait, runN, waitN, kvN int
		var kv float64
		for _, s := range bucket {
			p.PromptTPS += s.prompt
			p.GenerationTPS += s.gen
			if s.hasRun {
				run += s.running
				runN++
			}
			if s.hasWait {
				wait += s.waiting
				waitN++
			}
			if s.kvN > 0 {
				kv += s.kv / float64(s.kvN)
				kvN++
			}
		}
		n := float64(len(bucket))
		p.PromptTPS /= n
		p.GenerationTPS /= n
		if runN > 0 {
			p.Running = ptr(int(math.Round(float64(run) / float64(runN))))
		}
		if waitN > 0 {
			p.Waiting = ptr(int(math.Round(float64(wait) / float64(waitN))))
		}
		if kvN > 0 {
			p.KVCacheUsagePct = ptr(kv / float64(kvN))
		}
		out = append(out, p)
	}
	return out
}
