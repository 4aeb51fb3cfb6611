package logparse

import (
	"math"
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

// sample is one interval over all engines (or one stats line).
type sample struct {
	clock            clock // of the interval's first line that has a timestamp
	prompt, gen      float64
	running, waiting int
	hasRun, hasWait  bool
	kv               float64
	kvN              int
}

// lineTag is what samplesOf needs of a stats line besides its sample.
type lineTag struct {
	engine, aggregated int
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
	var sm summarizer
	sm.tags = make([]lineTag, len(lines))
	sm.lines = make([]sample, len(lines))
	for i := range lines {
		l := &lines[i]
		sm.tags[i] = lineTag{engine: l.Engine, aggregated: l.Aggregated}
		x := &sm.lines[i]
		*x = sample{prompt: l.PromptTPS, gen: l.GenerationTPS}
		if l.Time != "" {
			x.clock = parseClock(l.Time)
		}
		if l.Running != nil {
			x.running, x.hasRun = *l.Running, true
		}
		if l.Waiting != nil {
			x.waiting, x.hasWait = *l.Waiting, true
		}
		if l.KVCacheUsagePct != nil {
			x.kv, x.kvN = *l.KVCacheUsagePct, 1
		}
	}
	return sm.summarize()
}

// summarizer holds Summarize's working slices, which a LogScanner reuses
// from one log to the next. A LogScanner's parser adds every stats line
// to it as it reads the line (add), while the line's text is still in the
// cache, instead of keeping a record for Summarize to read back.
type summarizer struct {
	tags    []lineTag // of every stats line, in log order
	lines   []sample  // of every stats line, in log order
	samples []sample  // intervals summed over engines, or the aggregated lines
	tl      timelineBuf
	ids     []int // lines per engine id, then lines seen so far (samplesOf)
	// clocks holds the clock of the last timestamp read; a clock depends
	// on the timestamp alone, so it holds from one log to the next.
	clocks clockCache
}

// reset forgets the stats lines of the previous log.
func (sm *summarizer) reset() {
	sm.tags, sm.lines = sm.tags[:0], sm.lines[:0]
}

// add appends the stats line of a parser record.
func (sm *summarizer) add(r *statsRec) {
	sm.tags = append(sm.tags, lineTag{engine: r.engine, aggregated: r.aggregated})
	sm.lines = append(sm.lines, sample{})
	recSample(r, &sm.lines[len(sm.lines)-1], &sm.clocks)
}

// recSample is the sample of one record.
func recSample(r *statsRec, x *sample, clocks *clockCache) {
	*x = sample{prompt: r.prompt, gen: r.gen}
	if r.hasTime {
		x.clock = clocks.parse(&r.time)
	}
	if r.set&(1<<(kRunning-kRunning)) != 0 {
		x.running, x.hasRun = r.vals.ints[kRunning-kRunning], true
	}
	if r.set&(1<<(kWaiting-kRunning)) != 0 {
		x.waiting, x.hasWait = r.vals.ints[kWaiting-kRunning], true
	}
	if r.set&(1<<setKV) != 0 {
		x.kv, x.kvN = r.vals.floats[kGPUKV-kGPUKV], 1
	}
}

// clockCache remembers the last timestamp parsed: the engines of a
// data-parallel log print the same one, line after line.
type clockCache struct {
	time  [timestampLen]byte
	clock clock
	valid bool
}

// parse is timestampClock(t), t a statsRec.time.
func (cc *clockCache) parse(t *[timestampLen]byte) clock {
	if !cc.valid || *t != cc.time {
		cc.time, cc.clock, cc.valid = *t, timestampClock(t), true
	}
	return cc.clock
}

// summarize applies the method to sm.lines.
func (sm *summarizer) summarize() Throughput {
	samples, engines := sm.samplesOf(sm.tags, sm.lines)
	return sm.finish(samples, engines)
}

// finish applies the method to the samples of engines engines.
func (sm *summarizer) finish(samples []sample, engines int) Throughput {
	t := Throughput{Engines: engines}
	var inSum, mixGen, steadyGen float64
	for i := range samples {
		s := &samples[i]
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
	t.Timeline = timeline(samples, &sm.tl)
	return t
}

func ptr[T any](v T) *T { return &v }

// maxSliceEngine bounds the engine ids samplesOf counts in a slice (vLLM
// numbers its engines from 0); larger ones are counted in a map.
const maxSliceEngine = 1 << 10

// samplesOf returns the samples of the stats lines (tags[i], lines[i]):
// lines itself when every line is a sample, else sm.samples filled.
func (sm *summarizer) samplesOf(tags []lineTag, lines []sample) ([]sample, int) {
	agg := 0
	first, several := -1, false // engine ids: the first one, and whether another shows up
	maxID := 0
	for i := range tags {
		l := &tags[i]
		agg = max(agg, l.aggregated)
		if l.aggregated == 0 && l.engine >= 0 {
			maxID = max(maxID, l.engine)
			if first < 0 {
				first = l.engine
			} else if l.engine != first {
				several = true
			}
		}
	}
	out := sm.samples[:0]
	switch {
	case agg > 0:
		for i := range tags {
			if tags[i].aggregated > 0 {
				out = append(out, lines[i])
			}
		}
		sm.samples = out
		return out, agg
	case !several:
		return lines, 1
	}
	var count func(id int) *int // the counter of engine id
	if maxID < maxSliceEngine {
		sm.ids = append(sm.ids[:0], make([]int, maxID+1)...)
		ids := sm.ids
		count = func(id int) *int { return &ids[id] }
	} else {
		ids := map[int]*int{}
		count = func(id int) *int {
			c := ids[id]
			if c == nil {
				c = new(int)
				ids[id] = c
			}
			return c
		}
	}
	// lines per engine: the intervals are the first n lines of each
	var engineIDs []int
	for i := range tags {
		if l := &tags[i]; l.aggregated == 0 && l.engine >= 0 {
			c := count(l.engine)
			if *c == 0 {
				engineIDs = append(engineIDs, l.engine)
			}
			*c++
		}
	}
	n := math.MaxInt
	for _, id := range engineIDs {
		n = min(n, *count(id))
		*count(id) = 0 // from now on: the engine's lines seen so far
	}
	out = append(out, make([]sample, n)...)
	for i := range tags {
		l := &tags[i]
		if l.engine < 0 || l.aggregated > 0 {
			continue
		}
		c := count(l.engine)
		k := *c
		*c++
		if k >= n {
			continue
		}
		ls := &lines[i]
		s := &out[k]
		if s.clock.state == clockNone {
			s.clock = ls.clock
		}
		s.prompt += ls.prompt
		s.gen += ls.gen
		s.add(ls)
	}
	sm.samples = out
	return out, len(engineIDs)
}

// add sums the queue lengths and KV usage of a line into s.
func (s *sample) add(l *sample) {
	if l.hasRun {
		s.running += l.running
		s.hasRun = true
	}
	if l.hasWait {
		s.waiting += l.waiting
		s.hasWait = true
	}
	if l.kvN > 0 {
		s.kv += l.kv
		s.kvN++
	}
}

// timelineBuf is the memory of a timeline, kept from one log to the next
// by a LogScanner: a collect summarizes thousands of logs, and the points
// were a fifth of the bytes it allocated.
type timelineBuf struct {
	ts     []float64 // scratch: every sample's time
	pts    []TimelinePoint
	counts []int     // what the points' Running and Waiting point to
	kvs    []float64 // what their KVCacheUsagePct points to
}

// timeline turns samples into points, averaging buckets of consecutive
// samples down to MaxTimelinePoints. The points live in buf until the next
// call with it.
func timeline(samples []sample, buf *timelineBuf) []TimelinePoint {
	if len(samples) == 0 {
		return nil
	}
	ts := append(buf.ts[:0], make([]float64, len(samples))...)
	buf.ts = ts
	// Times are nanoseconds since 0000-01-01 UTC (time.Parse's year 0),
	// the arithmetic time.Time would do, without its cost per sample.
	var first, prev int64
	haveFirst, havePrev := false, false
	years := 0
	var days dayCache
	for i := range samples {
		c := &samples[i].clock
		guess := 0.0 // where a sample without a timestamp goes
		if i > 0 {
			guess = ts[i-1] + DefaultInterval
		}
		if c.state != clockValid {
			ts[i] = guess
			continue
		}
		if !haveFirst {
			first, haveFirst = days.at(c, 0)-int64(time.Duration(guess*float64(time.Second))), true
		}
		at := days.at(c, years)
		if havePrev && at < prev-int64(24*time.Hour) {
			years++ // the log crossed New Year
			if years > 200 {
				// ns since year 0 would not fit in an int64 for long
				slowTimes(samples, ts)
				break
			}
			at = days.at(c, years)
		}
		// time.Time.IsZero: 0001-01-01 00:00:00, a year 0 (leap) after the
		// origin, did not count as a previous sample.
		prev, havePrev = at, at != year1
		ts[i] = time.Duration(at - first).Seconds()
	}
	per := (len(samples) + MaxTimelinePoints - 1) / MaxTimelinePoints
	n := (len(samples) + per - 1) / per
	// The points' optional values point into counts and kvs, which hold
	// all of them: they must not grow while the points are made.
	if cap(buf.pts) < n {
		buf.pts = make([]TimelinePoint, 0, n)
		buf.counts = make([]int, 0, 2*n)
		buf.kvs = make([]float64, 0, n)
	}
	out, counts, kvs := buf.pts[:0], buf.counts[:0], buf.kvs[:0]
	for i := 0; i < len(samples); i += per {
		bucket := samples[i:min(i+per, len(samples))]
		p := TimelinePoint{T: ts[i]}
		var run, wait, runN, waitN, kvN int
		var kv float64
		for j := range bucket {
			s := &bucket[j]
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
		nb := float64(len(bucket))
		p.PromptTPS = centi(p.PromptTPS / nb)
		p.GenerationTPS = centi(p.GenerationTPS / nb)
		if runN > 0 {
			counts = append(counts, int(math.Round(float64(run)/float64(runN))))
			p.Running = &counts[len(counts)-1]
		}
		if waitN > 0 {
			counts = append(counts, int(math.Round(float64(wait)/float64(waitN))))
			p.Waiting = &counts[len(counts)-1]
		}
		if kvN > 0 {
			kvs = append(kvs, centi(kv/float64(kvN)))
			p.KVCacheUsagePct = &kvs[len(kvs)-1]
		}
		out = append(out, p)
	}
	return out
}

// centi rounds a timeline value to hundredths. vLLM logs throughput and
// KV cache usage with one decimal; the sums over data-parallel engines and
// the means over a bucket carry binary noise (3729.8500000000004), which
// a chart does not show but the snapshot would store, in 18 characters,
// and encode the slow way. The headline metrics do not come from the
// timeline.
func centi(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) >= 1e15 {
		return v
	}
	return math.Round(v*100) / 100
}

// slowTimes fills ts as timeline does, with time.Time arithmetic, for the
// logs that cross New Year hundreds of times (only made-up ones do).
func slowTimes(samples []sample, ts []float64) {
	var first, prev time.Time
	years := 0
	for i := range samples {
		c := &samples[i].clock
		guess := 0.0
		if i > 0 {
			guess = ts[i-1] + DefaultInterval
		}
		if c.state != clockValid {
			ts[i] = guess
			continue
		}
		date := func(y int) time.Time {
			return time.Date(y, time.Month(c.month()), int(c.day()), int(c.secs/3600), int(c.secs/60%60), int(c.secs%60), int(c.nsec), time.UTC)
		}
		if first.IsZero() {
			first = date(0).Add(-time.Duration(guess * float64(time.Second)))
		}
		if !prev.IsZero() && date(years).Before(prev.Add(-24*time.Hour)) {
			years++
		}
		at := date(years)
		prev = at
		ts[i] = at.Sub(first).Seconds()
	}
}

// clock is a vLLM timestamp "MM-DD HH:MM:SS" read as time.Parse reads it
// with the layout "01-02 15:04:05" (year 0, UTC), without its cost.
// It has four fields, so that the compiler keeps one in registers: with
// more, a clock is built in memory a byte at a time and copied a word at a
// time, and every copy waits for the bytes to be written.
type clock struct {
	monthDay uint16 // month<<8 | day
	state    uint8  // clockNone, clockInvalid or clockValid
	secs     int32  // hour*3600 + minute*60 + second
	nsec     int32
}

func (c clock) month() uint8 { return uint8(c.monthDay >> 8) }
func (c clock) day() uint8   { return uint8(c.monthDay) }

const (
	clockNone    = iota // no timestamp
	clockInvalid        // a timestamp time.Parse refuses
	clockValid
)

const clockLayout = "01-02 15:04:05"

// parseClock reads s as time.Parse(clockLayout, s) would: the common
// 14-byte form by hand, with the same range checks (year 0 is a leap year),
// anything else through time.Parse.
func parseClock[T string | []byte](s T) clock {
	if len(s) == timestampLen && s[2] == '-' && s[5] == ' ' && s[8] == ':' && s[11] == ':' &&
		isDigit(s[0]) && isDigit(s[1]) && isDigit(s[3]) && isDigit(s[4]) && isDigit(s[6]) &&
		isDigit(s[7]) && isDigit(s[9]) && isDigit(s[10]) && isDigit(s[12]) && isDigit(s[13]) {
		return newClock((s[0]-'0')*10+s[1]-'0', (s[3]-'0')*10+s[4]-'0', (s[6]-'0')*10+s[7]-'0',
			(s[9]-'0')*10+s[10]-'0', (s[12]-'0')*10+s[13]-'0')
	}
	t, err := time.Parse(clockLayout, string(s))
	if err != nil {
		return clock{state: clockInvalid}
	}
	return clock{monthDay: uint16(t.Month())<<8 | uint16(t.Day()), secs: int32(t.Hour()*3600 + t.Minute()*60 + t.Second()),
		nsec: int32(t.Nanosecond()), state: clockValid}
}

// timestampClock is parseClock(t[:]) for a t that isTimestamp accepts,
// as every statsRec.time is: the digits and separators need no check.
func timestampClock(t *[timestampLen]byte) clock {
	return newClock((t[0]-'0')*10+t[1]-'0', (t[3]-'0')*10+t[4]-'0', (t[6]-'0')*10+t[7]-'0',
		(t[9]-'0')*10+t[10]-'0', (t[12]-'0')*10+t[13]-'0')
}

// newClock is the clock of the fields of an "MM-DD HH:MM:SS", invalid when
// time.Parse would refuse them.
func newClock(month, day, hour, min, sec uint8) clock {
	c := clock{monthDay: uint16(month)<<8 | uint16(day), secs: int32(hour)*3600 + int32(min)*60 + int32(sec), state: clockValid}
	if month < 1 || month > 12 || day < 1 || int(day) > daysIn0(month) || hour >= 24 || min >= 60 || sec >= 60 {
		c.state = clockInvalid
	}
	return c
}

// daysIn0 is the number of days of month m in year 0, a leap year.
func daysIn0(m uint8) int {
	switch m {
	case 2:
		return 29
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// dayCache remembers the start of the last day a clock fell on, so that a
// log's samples (most on a few days) cost one time.Date per day.
type dayCache struct {
	years    int
	monthDay uint16 // as in clock
	valid    bool
	start    int64 // ns since 0000-01-01 UTC
}

// origin is time.Parse's year 0, where clock times start.
var origin = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)

// year1 is the zero time.Time, 0001-01-01, in ns since origin.
const year1 = int64(366 * 24 * time.Hour)

// at is the clock's time in year `years` (time.Parse's year 0 moved by
// AddDate(years, 0, 0)) in ns since origin: time.Date normalises Feb 29 of
// a common year to Mar 1 as AddDate does, and within a UTC day the time of
// day adds.
func (d *dayCache) at(c *clock, years int) int64 {
	if !d.valid || d.years != years || d.monthDay != c.monthDay {
		d.years, d.monthDay, d.valid = years, c.monthDay, true
		d.start = int64(time.Date(years, time.Month(c.month()), int(c.day()), 0, 0, 0, 0, time.UTC).Sub(origin))
	}
	return d.start + int64(time.Duration(c.secs)*time.Second) + int64(c.nsec)
}
