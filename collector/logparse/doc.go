// Package logparse reads the text that a vLLM benchmark run leaves behind:
// server logs, SLURM .out files, datatrove's stats.json and the output of
// vLLM's own benchmark scripts. Every format it reads is described, with the
// real excerpts it was built from, in /work/shared/reference/vllm-logs/ and
// /work/shared/reference/datatrove-run-layout.md (copied into testdata/).
//
// The pipeline for a server log (ParseServerLog):
//
//  1. split the stream into physical lines on '\n' (a line longer than
//     maxLineBytes is cut; its tail is skipped and counted in Dropped), then
//     into segments on '\r' (tqdm overwrites);
//  2. strip ANSI escape sequences where an ESC byte is present;
//  3. find every "Avg prompt" anchor in a segment, so prefixes of any kind
//     ("(APIServer pid=N) ", srun "0: ", journald, docker or CI timestamps,
//     compose "name | ") are skipped without being recognised, and several
//     stats lines collapsed into one physical line are all parsed
//     (ParseStatsLine);
//  4. rejoin a stats line that a terminal hard-wrapped: when the text ends
//     inside a field, the next physical line is appended (no separator) as
//     long as that makes the parse go further, up to maxJoins lines;
//  5. parse the companion lines: SpecDecoding / Speculative metrics, the V0
//     "Prefix cache hit rate: GPU: x%, CPU: y%" line, and the startup facts
//     (version, model, tp/pp/dp, KV cache size, concurrency, load times, GPU).
//
// No regular expression runs per line: the hot path is IndexByte, constant
// string comparisons and a hand-written field scanner, so a log parses at
// several hundred MB/s (BenchmarkParseServerLog, BenchmarkLogScannerSummary).
// Its shortcuts (parseV1 for the V1 line as printed, findTimestamp's skips,
// the word-wide isTimestamp, indexAnchor and indexVia instead of
// bytes.Index) each have a differential test and fuzz target against the
// plain code they replace (fastpath_test.go, FuzzV1Path).
//
// Stats lines are kept as pointer-free records while parsing (no GC write
// barriers on the hot path); ServerLog.Stats is built from them at the end.
// LogScanner.Summary is ParseServerLog + Summarize for the collector: the
// same results, with the read buffer, the summary's slices and the failure
// windows reused from one log to the next, and each stats line turned into
// its sample as it is parsed, with no record or StatsLine kept.
//
// Summarize applies the seed analyzer's headline method to the stats lines;
// ClassifyFailure applies the seed's failure patterns plus lineup's own;
// ParseStatsJSON, ParseBenchJSON and ParseBenchText read token totals.
package logparse
