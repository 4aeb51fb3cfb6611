// Package diff compares two lineup snapshots, in the spirit of benchstat:
// which models and vLLM configurations got faster or slower, by how much,
// and whether the difference is more than noise.
//
// Compare is a pure function from two snapshots to a Diff; the renderers
// (WriteText, WriteMarkdown, WriteCSV, WriteJSON) turn a Diff into the
// formats of `lineup diff`, and the site renders the same value. Compare
//
//  1. groups each snapshot's runs by model and config: repeated runs of one
//     configuration are samples, summarised by their median;
//  2. joins the old and new groups of each model (the config view): first on
//     the full normalised config, then, when one side does not state a
//     setting, on the settings both state, marking the row a partial match
//     and naming the settings that were not compared; an old config that
//     partially matches several new ones is joined to each and the rows are
//     marked ambiguous;
//  3. pairs each model's best configuration (snapshot.Snapshot.Best) in the
//     two snapshots (the model view), saying whether the best config changed;
//  4. flags each row: faster, slower, within noise, new, gone, now failing,
//     now fixed, still failing. A change of output TPS/GPU under the
//     threshold is within noise; where one side has repeated runs, a
//     Mann-Whitney U test (MannWhitney) gives a p-value and a change that is
//     not significant at Options.Alpha is within noise too;
//  5. summarises each view by the geometric mean of its new/old ratios over
//     the rows both sides measured, leaving out ambiguous partial matches;
//  6. warns when the two environments make the comparison doubtful: GPU
//     model, GPUs per node, driver, or dataset/prompt settings (workload
//     arguments in Config.Extra) that differ or are not stated.
//
// Diff.Regressions is what a CI gate (`lineup diff -fail-on-regression`)
// fails on: config rows that are slower or now failing, leaving out
// ambiguous partial matches, whose old config may not be the one measured.
//
// Workload arguments that say where or how a job runs (output-*, qos, time,
// partition, account, reservation) take no part in the join.
package diff
