// Package collector turns a results tree into lineup snapshots.
//
// A collect runs these steps:
//
//  0. unchanged?: with a tree state (Options.StateFile), one stat of every
//     directory and run file the last collect saw; all as recorded, with
//     the same options and its outputs in place, the collect ends with
//     Result.Unchanged and nothing is walked, parsed or written
//     (treestate.go; the stats are planned when the state is saved,
//     statplan.go).
//  1. discover: walk the root (following directory links, never twice) and
//     recognise run directories of the three layouts: lineup's own
//     (run.json + inference/), the seed's ({model}/tp..-pp..-dp../{spec}/
//     .../inference_logs or logs/inference) and datatrove's
//     ({experiment}/{prompt}/{model}/tp../mns_../.../quant_../inference_logs).
//     What is not a run (an empty directory, a link loop) is a Skip. A
//     directory whose mtime is the one the tree state recorded is not read
//     again.
//  2. parse, by a pool of GOMAXPROCS workers fed by the walk as it finds
//     runs, each with a logparse.LogScanner whose buffers it reuses: every file of a run
//     directory through collector/logparse (server log streamed, .out files
//     searched tail first for failure patterns, stats.json, bench result),
//     or the incremental cache when the files' paths, sizes and mtimes are
//     unchanged.
//  3. assemble: one record per run directory (configuration, status,
//     totals, metrics by the seed's method through snapshot.Metrics.Derive,
//     the token-count cross-check and the validity gate's warnings).
//  4. dedup: run directories of one configuration become one run; the
//     others are its attempts.
//  5. build: one snapshot (or one per vLLM version with Split), its
//     environment settled by majority with warnings where runs disagree.
//
// Write then writes the snapshots (never over an existing one unless
// forced) and the CSV summaries; PrintTables and PrintSummary report in
// the terminal. Explain shows how one run's numbers were derived.
package collector
