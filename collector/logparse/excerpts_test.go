package logparse

import (
	"strconv"
	"strings"
	"testing"
)

// TestThroughputExcerpts parses every excerpt of vllm_throughput_lines.txt.
// The expected lines are read off the excerpt by hand; "L3" is the third
// line after the excerpt's "# source:" line.
func TestThroughputExcerpts(t *testing.T) {
	set := newExcerptSet(t, "vllm_throughput_lines.txt")
	tests := []struct {
		source   string
		stats    []string
		spec     []string
		dropped  []string // "L<n> <reason>"
		rejoined int
		startup  func(t *testing.T, st Startup)
	}{
		{source: "MistralLite-7B-AWQ", stats: []string{
			// INFO 10-26 02:48:42 llm_engine.py:624] Avg prompt throughput: 109.4 tokens/s, Avg generation throughput: 1003.7 tokens/s, Running: 18 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV cache usage: 8.9%, CPU KV cache usage: 0.0%
			"L1 @10-26 02:48:42 p=109.4 g=1003.7 R=18 W=0 S=0 kv=8.9 cpu=0",
			"L3 @10-26 02:48:47 p=0 g=982.4 R=19 W=0 S=0 kv=13.7 cpu=0",
		}},
		{source: "issue #1762", stats: []string{
			"L1 @11-23 19:12:45 p=0 g=0 R=1 W=0 S=0 kv=1.4 cpu=0",
		}},
		{source: "airoboros-l2-70b", rejoined: 4, stats: []string{
			// 4 physical lines: "...3221.1 t" / "okens/s, ... S" / "wapped: ... CPU KV cac" / "he usage: 0.0%"
			"L1 @11-18 05:57:31 p=3221.1 g=65.5 R=14 W=0 S=0 kv=98.9 cpu=0 j=3",
			// "...0.0 toke" / "ns/s, Avg generation throughput: 156.8 tokens/s, Running: 15 reqs, " then nothing
			"L5 @11-18 05:59:09 p=0 g=156.8 R=15 partial j=1",
		}},
		{source: "issue #3094", stats: []string{
			"L1 @02-28 21:48:18 p=0 g=44.9 R=2 W=3 S=0 kv=82.1 cpu=0",
		}},
		{source: "issue #6689", stats: []string{
			"L1 @08-22 20:52:46 p=0 g=0 R=0 W=0 S=0 kv=0 cpu=0",
			"L2 @08-22 20:52:56 p=0 g=0 R=0 W=0 S=0 kv=0 cpu=0",
			"L3 @08-22 20:53:06 p=0 g=0 R=0 W=0 S=0 kv=0 cpu=0",
		}},
		{source: "issue #12314", stats: []string{
			"L1 @01-22 18:27:20 p=0 g=41.7 R=1 W=0 S=0 kv=2 cpu=0",
			"L2 @01-22 18:27:25 p=0 g=41.7 R=1 W=0 S=0 kv=2.1 cpu=0",
			"L3 @01-22 18:27:30 p=0 g=41.5 R=1 W=0 S=0 kv=2.1 cpu=0",
			"L4 @01-22 18:27:35 p=0 g=41.8 R=1 W=0 S=0 kv=2.2 cpu=0",
		}},
		{source: "PR #18674", stats: []string{
			// the separate "[metrics.py:502] Prefix cache hit rate: GPU: 0.00%, CPU: 90.00%" line of the same second
			"L1 @05-25 06:50:29 p=0 g=15.5 R=1 W=0 S=0 kv=0 px=0 cpu=0.1",
			"L3 @05-25 06:50:34 p=0 g=15.3 R=1 W=0 S=0 kv=0 px=0 cpu=0.1",
			"L5 @05-25 06:50:39 p=0 g=14.5 R=1 W=0 S=0 kv=0 px=0 cpu=0.2",
		}},
		{source: "tenstorrent/tt-inference-server", rejoined: 4, stats: []string{
			// "Running: 32 r" / "eqs, Swapped: ..."
			"L1 @07-03 23:23:42 p=0 g=616.1 R=32 W=0 S=0 kv=17.6 cpu=0 j=1",
			"L3 @07-03 23:23:47 p=0 g=614 R=32 W=0 S=0 kv=20.2 cpu=0 j=1",
			// "Running: 32 $INFO 07-03 23:23:58 ...": the "$" overwrite ends the first line
			"L5 @07-03 23:23:53 p=0 g=597 partial",
			"L5 @07-03 23:23:58 p=0 g=589.1 R=32 W=0 S=0 kv=24.8 cpu=0 j=1",
			"L7 @07-03 23:24:04 p=0 g=579.6 R=32 W=0 S=0 kv=27.3 cpu=0 j=1",
		}},
		{source: "issue #7540", stats: []string{
			"L1 @08-20 02:39:37 p=871.4 g=88.1 R=1 W=0 S=0 kv=0.2 cpu=0",
			"L2 @08-20 02:39:42 p=883.5 g=85.3 R=2 W=0 S=0 kv=0.4 cpu=0",
			"L3 @08-20 02:40:09 p=1134.2 g=117.6 R=2 W=0 S=0 kv=0.5 cpu=0",
			"L4 @08-20 02:40:29 p=1181.6 g=114.5 R=2 W=0 S=0 kv=0.4 cpu=0",
		}},
		{source: "issue #9539", spec: []string{
			// Draft acceptance rate: 0.642 (a fraction), Number of accepted tokens: 8547, Number of draft tokens: 13311
			"L1 rate=64.2 acc=8547 dr=13311",
		}},
		{source: "Llama-3.2-1B draft", spec: []string{
			"L1 rate=79.7 acc=197711 dr=248165",
		}},
		{source: "vllm server bad", stats: []string{
			"L3 @02-15 22:10:03 p=33.4 g=37.8 R=1 W=0 S=0 kv=0.1 cpu=0",
			"L4 @02-15 22:10:08 p=0 g=43.2 R=1 W=0 S=0 kv=0.1 cpu=0",
		}},
		{source: "Qwen2.5-VL-7B-Instruct, --tensor-parallel-size 4", stats: []string{
			"L2 @04-01 21:25:15 p=47.6 g=4.5 R=55 W=9 S=0 kv=1.1 cpu=0",
			"L3 @04-01 21:25:22 p=4597.5 g=7.2 R=64 W=0 S=0 kv=1.3 cpu=0",
		}},
		{source: "Process group watchdog", stats: []string{
			// followed on the same line by "bj4-ml-... NCCL INFO ..."
			"L1 @04-15 00:31:10 p=0 g=204.9 R=30 W=0 S=0 kv=43.5 cpu=0",
		}},
		{source: "public GitHub file, Mar 2025", stats: []string{
			// [loggers.py:80]: no "Engine 000:"
			"L5 @03-11 06:18:48 p=0 g=0 R=0 W=0 kv=0 px=0",
		}},
		{source: "zhoubin-me/tm-serve", stats: []string{
			"L1 @03-26 04:37:05 p=0 g=0 R=0 W=1 kv=0 px=0",
		}},
		{source: "Eagle3 broken", stats: []string{
			"L1 e0 @05-21 02:19:18 p=0 g=0 R=0 W=0 kv=0 px=0",
			// "... GPU KV cache usag..." (the public copy's elision)
			"L1 e0 @05-21 02:19:28 p=0 g=0 R=0 W=0 partial",
		}},
		{source: "Kubernetes \"stern\"", stats: []string{
			"L1 e0 @04-08 01:24:55 p=77.4 g=558.8 R=7 W=0 kv=0.3 px=0",
			"L2 e0 @04-08 01:26:05 p=12.6 g=191.2 R=0 W=0 kv=0 px=0",
		}},
		{source: "SharedStorageConnector", stats: []string{
			"L1 e0 @05-21 14:12:18 p=0 g=20.4 R=1 W=0 kv=19.2 px=0",
			// "GPU KV cache usage: 26.0 %, Prefix cache hit rate: 0." (cut)
			"L1 e0 @05-21 14:12:28 p=7717.9 g=48.4 R=1 W=0 kv=26 partial",
		}},
		{source: "list index out of range", stats: []string{
			"L1 e0 @06-10 17:05:23 p=11348.1 g=1905.8 R=72 W=8 kv=100 px=44.6",
		}},
		{source: "PR #21809", stats: []string{
			"L1 e0 @07-28 06:42:09 p=0 g=240.8 R=8 W=0 kv=93.9 px=0",
			"L2 e0 @07-28 06:42:19 p=0 g=241.6 R=8 W=0 kv=94.3 px=0",
			"L3 e0 @07-28 06:42:29 p=0 g=241.6 R=8 W=0 kv=94.7 px=0",
			"L4 e0 @07-28 06:42:39 p=0 g=240.8 R=8 W=0 kv=95 px=0",
		}},
		{source: "msgspec.DecodeError", stats: []string{
			// "Avg generation throughpu t: 0.0 tokens/s"
			"L1 e0 @09-11 06:22:48 p=77889.2 g=0 R=0 W=0 kv=0 px=5.5",
			"L1 e1 @09-11 06:22:48 p=78240.2 g=0 R=0 W=0 kv=0 px=5.5",
		}},
		{source: "Sample log content from actual Ray job", stats: []string{
			"L1 e0 @10-29 21:46:42 p=2800.7 g=492.2 R=38 W=0 kv=4.6 px=13.8",
			"L2 e1 @10-29 21:46:42 p=3100.5 g=489.3 R=42 W=0 kv=5.2 px=14.2",
		}},
		{source: "meta-agents-research-environments", stats: []string{
			"L1 e0 @02-04 10:01:59 p=7109.8 g=251.9 R=12 W=0 kv=21.8 px=94.9",
			"L2 e0 @02-04 10:02:09 p=0 g=296.4 R=12 W=0 kv=22.8 px=94.9",
			"L4 e0 @02-04 10:02:19 p=1440.6 g=262.3 R=11 W=0 kv=21.7 px=94.9",
		}},
		{source: "LMCache", stats: []string{
			"L2 e0 @01-28 06:26:43 p=481.2 g=5.1 R=1 W=0 kv=0.1 px=0 ext=47.9",
		}},
		{source: "PR #37307", stats: []string{
			"L1 e0 @03-17 15:38:10 p=23998.2 g=18.1 R=10 W=90 kv=19.3 px=0",
			"L2 e0 @03-17 15:38:20 p=23999.9 g=35.4 R=16 W=84 kv=30.9 px=0",
			"L3 e0 @03-17 15:38:30 p=23999.8 g=52.6 R=22 W=78 kv=42.5 px=0",
		}},
		{source: "issue #43295", stats: []string{
			"L1 e0 @05-19 10:13:11 p=0 g=1055.3 R=18 W=43 kv=95.9 px=0",
			"L2 e0 @05-19 10:13:21 p=0 g=1226.3 R=18 W=42 kv=95.5 px=0",
			"L3 e0 @05-19 10:13:31 p=12068.8 g=734.9 R=18 W=33 kv=87.7 px=0",
			"L4 e0 @05-19 10:13:41 p=18032.5 g=589.8 R=21 W=23 kv=95.9 px=0",
			"L5 e0 @05-19 10:13:51 p=0 g=1242.7 R=20 W=23 kv=98.4 px=0",
		}},
		{source: "issue #48005", stats: []string{
			"L1 e0 @07-08 22:47:50 p=0 g=273 R=2 W=0 kv=0.6 px=0",
			"L3 e0 @07-08 22:48:00 p=0 g=53.9 R=1 W=0 kv=0.3 px=0",
			"L4 e0 @07-08 22:48:10 p=0 g=47 R=1 W=0 kv=0.4 px=0",
		}},
		{source: "llava clutter", stats: []string{
			"L1 e0 @04-02 18:03:41 p=0 g=0 R=0 W=0 kv=0.1 px=50",
			"L1 e0 @04-02 18:03:51 p=0 g=0 R=0 W=0 kv=0.1 px=50",
		}, spec: []string{
			// "Draft acceptance rate: nan%, Accepted: 0 tokens, Drafted: 0 tokens"
			"L1 acc=0 dr=0",
			"L1 acc=0 dr=0",
		}},
		{source: "public GitHub file (2026-06-01)", stats: []string{
			"L3 e0 @06-01 22:00:52 p=908 g=26.9 R=1 W=0 kv=0.4 px=31.9",
		}, spec: []string{
			// "Mean acceptance length: 2.71, ..., Accepted: 169 tokens, Drafted: 198 tokens, ..., Avg Draft acceptance rate: 85.4%"
			"L4 rate=85.4 len=2.71 acc=169 dr=198",
		}},
		{source: "vllm-ascend PR #11876", stats: []string{
			"L1 e1 @07-13 17:41:54 p=0 g=34.9 R=2 W=0 kv=1 px=0 ext=100",
			"L4 e1 @07-13 17:42:04 p=0 g=5.9 R=0 W=1 D=1 kv=0.5 px=0 ext=100",
		}, spec: []string{
			"L2 rate=91.8 len=1.92 acc=167 dr=182",
			"L5 rate=90.3 len=1.9 acc=28 dr=31",
		}},
		{source: "DP=2 with external LB", stats: []string{
			"L1 e1 @05-20 10:42:11 p=0 g=2226.2 R=0 W=0 kv=0 px=99.1",
		}, dropped: []string{
			// "(APIServer_DP0 pid=2646202) INFO 05-20 10:42:11 [loggers.py:271] Engine 000: Avg prompt throug..."
			"L1 truncated",
		}},
		{source: "non-CUDA (NPU) device", stats: []string{
			"L4 e0 @07-26 15:50:29 p=115.2 g=29.5 R=1 W=0 kv=2.6 px=43.8",
			"L5 e0 @07-26 15:50:39 p=819.1 g=161.4 R=7 W=3 kv=19.9 px=8.8",
			// no prefix-cache field at all
			"L6 e0 @07-26 15:50:49 p=1023.9 g=191.3 R=9 W=0 kv=24.6",
		}, startup: func(t *testing.T, st Startup) {
			// GPU KV cache size: 43,904 tokens / Maximum concurrency for 32,768 tokens per request: 1.34x
			checkStartup(t, st, Startup{KVCacheTokens: int64p(43904), MaxConcurrency: float64p(1.34)})
		}},
		{source: "PR #8299", stats: []string{
			// "[2024-09-10T16:54:51Z] INFO 09-10 09:54:51 metrics.py:351] ..."
			"L1 @09-10 09:54:51 p=5.4 g=4 R=2 W=0 S=0 kv=0 cpu=0",
			"L2 @09-10 09:55:01 p=0 g=0 R=2 W=0 S=0 kv=0 cpu=0",
		}},
		{source: "vLLM V0 offline example", startup: func(t *testing.T, st Startup) {
			// "toks/s" tqdm bar: not a stats line
			checkStartup(t, st, Startup{MaxConcurrency: float64p(136.97), EngineInitSeconds: float64p(3.87)})
		}},
		{source: "lighteval issue #1063"},
		{source: "awsome-distributed-training", stats: []string{
			"L9 @05-03 00:53:42 p=0 g=0 R=0 W=0 S=0 kv=0 cpu=0",
			"L10 @05-03 00:53:52 p=0 g=0 R=0 W=0 S=0 kv=0 cpu=0",
			"L11 @05-03 00:54:02 p=0 g=0 R=0 W=0 S=0 kv=0 cpu=0",
		}},
		{source: "PR #38476", stats: []string{
			"L2 e0 @06-05 14:58:46 p=410.1 g=0.2 R=8 W=0 kv=16.6 px=0",
			"L3 e0 @06-05 14:58:56 p=2870.5 g=0.8 R=10 W=0 kv=20.8 px=0",
			"L4 e0 @06-05 14:59:06 p=820.2 g=30 R=10 W=0 kv=20.8 px=0",
			"L5 e0 @06-05 14:59:16 p=0 g=35 R=10 W=0 kv=21.1 px=0",
		}},
		{source: "issue #16107", startup: func(t *testing.T, st Startup) {
			// "init engine (profile, create kv cache, warmup model) took 71.33 seconds"
			checkStartup(t, st, Startup{EngineInitSeconds: float64p(71.33)})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			text := set.get(tt.source)
			log, err := ParseServerLog(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			var got, spec, dropped []string
			for _, s := range log.Stats {
				got = append(got, fmtStats(s))
			}
			for _, s := range log.Spec {
				spec = append(spec, fmtSpec(s))
			}
			for _, d := range log.Dropped {
				dropped = append(dropped, "L"+strconv.Itoa(d.LineNo)+" "+d.Reason)
				if len(d.Text) > maxDropText {
					t.Errorf("dropped text of %d bytes", len(d.Text))
				}
			}
			diffLists(t, "stats", got, tt.stats)
			diffLists(t, "spec", spec, tt.spec)
			diffLists(t, "dropped", dropped, tt.dropped)
			if log.Rejoined != tt.rejoined {
				t.Errorf("rejoined %d lines, want %d", log.Rejoined, tt.rejoined)
			}
			if want := strings.Count(text, "\n"); log.Lines != want {
				t.Errorf("Lines = %d, want %d", log.Lines, want)
			}
			if tt.startup != nil {
				tt.startup(t, log.Startup)
			}
			// ParseStatsLine agrees with ParseServerLog on every complete
			// single-line stats line.
			lines := strings.Split(text, "\n")
			perLine := map[int]int{}
			for _, s := range log.Stats {
				perLine[s.LineNo]++
			}
			for _, s := range log.Stats {
				if s.Joined > 0 || perLine[s.LineNo] > 1 {
					continue
				}
				one, ok := ParseStatsLine([]byte(lines[s.LineNo-1]))
				if !ok {
					t.Errorf("ParseStatsLine(line %d) found nothing", s.LineNo)
					continue
				}
				one.LineNo = s.LineNo
				if one.PrefixCacheHitPct == nil {
					s.PrefixCacheHitPct = nil // V0: from the separate prefix-cache line
				}
				if fmtStats(one) != fmtStats(s) {
					t.Errorf("ParseStatsLine(line %d) = %s, ParseServerLog has %s", s.LineNo, fmtStats(one), fmtStats(s))
				}
			}
		})
	}
	set.checkAllUsed()
}
