package site

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// shellQuote quotes s for a POSIX shell: words of safe characters stay
// bare; anything else goes in single quotes, each embedded quote closed,
// backslash-escaped and reopened.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_@%+=:,./-", r):
		default:
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// serveCommand is the `vllm serve` command line that reproduces c for
// model, one flag per line, every value shell-quoted. Settings the source
// does not state are left to vLLM's defaults and listed in a comment, and
// a speculative decoding label without its JSON is said, not guessed.
func serveCommand(model string, c snapshot.Config) string {
	type flag struct{ name, value string }
	var flags []flag
	var unstated []string
	add := func(name, value string, ok bool) {
		if ok {
			flags = append(flags, flag{name, value})
		} else {
			unstated = append(unstated, name)
		}
	}
	add("--tensor-parallel-size", strconv.Itoa(c.TP), true)
	add("--pipeline-parallel-size", strconv.Itoa(c.PP), true)
	add("--data-parallel-size", intText(c.DP), c.DP != nil)
	var notes []string
	switch {
	case len(c.SpeculativeConfig) > 0:
		add("--speculative-config", compactJSON(c.SpeculativeConfig), true)
	case c.Spec != nil && *c.Spec != "none" && *c.Spec != "":
		notes = append(notes, "speculative decoding "+oneLine(*c.Spec)+": the source states only this label, not its --speculative-config")
	}
	add("--max-num-seqs", intText(c.MaxNumSeqs), c.MaxNumSeqs != nil)
	add("--max-num-batched-tokens", intText(c.MaxNumBatchedTokens), c.MaxNumBatchedTokens != nil)
	add("--gpu-memory-utilization", floatText(c.GPUMemoryUtilization), c.GPUMemoryUtilization != nil)
	add("--block-size", intText(c.BlockSize), c.BlockSize != nil)
	add("--kv-cache-dtype", strText(c.KVCacheDtype), c.KVCacheDtype != nil)
	if c.Quantization == nil || *c.Quantization != "none" {
		add("--quantization", strText(c.Quantization), c.Quantization != nil)
	}
	add("--max-model-len", intText(c.MaxModelLen), c.MaxModelLen != nil)

	var b strings.Builder
	for _, n := range notes {
		b.WriteString("# " + n + "\n")
	}
	if len(unstated) > 0 {
		b.WriteString("# not stated by the source (vLLM's defaults apply): " + strings.Join(unstated, " ") + "\n")
	}
	b.WriteString("vllm serve " + shellQuote(model))
	for _, f := range flags {
		b.WriteString(" \\\n  " + f.name + " " + shellQuote(f.value))
	}
	return b.String()
}

// compactJSON re-encodes raw JSON without insignificant space; invalid
// JSON is returned as it is (it is quoted for the shell either way).
func compactJSON(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// oneLine keeps a value from breaking out of a shell comment.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// configJSON is the normalised configuration as indented JSON, the form
// the snapshot stores it in.
func configJSON(c snapshot.Config) string {
	out, _ := json.MarshalIndent(c, "", "  ")
	return string(out)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
