package diff

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// field is one setting of a snapshot.Config as the diff sees it: its short
// name (the names of the published optimisation table: mns, mnbt, gmu, ...)
// and its value, "" when the source does not state it.
type field struct {
	Name  string
	Value string
	Set   bool
}

// FieldLegend explains the short setting names used in config labels.
const FieldLegend = "mns=max-num-seqs mnbt=max-num-batched-tokens gmu=gpu-memory-utilization bs=block-size kvc=kv-cache-dtype spec=speculative decoding quant=quantization mml=max-model-len"

// joinIgnoredExtra reports whether a workload argument says where or how a
// job runs rather than what it measures, so that it takes no part in the
// join: output locations and SLURM scheduling keys.
func joinIgnoredExtra(key string) bool {
	if strings.HasPrefix(key, "output-") {
		return true
	}
	switch key {
	case "qos", "time", "partition", "account", "reservation":
		return true
	}
	return false
}

// fields lists c's settings in label order: the engine settings, then the
// workload arguments (Extra) in key order, as "extra.<key>"-less names.
func fields(c snapshot.Config) []field {
	intp := func(name string, p *int) field {
		if p == nil {
			return field{Name: name}
		}
		return field{Name: name, Value: strconv.Itoa(*p), Set: true}
	}
	strp := func(name string, p *string) field {
		if p == nil {
			return field{Name: name}
		}
		return field{Name: name, Value: *p, Set: true}
	}
	fs := []field{
		{Name: "tp", Value: strconv.Itoa(c.TP), Set: true},
		{Name: "pp", Value: strconv.Itoa(c.PP), Set: true},
		intp("dp", c.DP),
		intp("nodes", c.Nodes),
		intp("mns", c.MaxNumSeqs),
		intp("mnbt", c.MaxNumBatchedTokens),
	}
	if c.GPUMemoryUtilization != nil {
		fs = append(fs, field{Name: "gmu", Value: strconv.FormatFloat(*c.GPUMemoryUtilization, 'g', -1, 64), Set: true})
	} else {
		fs = append(fs, field{Name: "gmu"})
	}
	fs = append(fs,
		intp("bs", c.BlockSize),
		strp("kvc", c.KVCacheDtype),
		strp("spec", c.Spec),
	)
	if len(c.SpeculativeConfig) > 0 {
		// The canonical JSON given to vLLM; compacted so that formatting
		// does not split a join.
		var buf bytes.Buffer
		v := string(c.SpeculativeConfig)
		if json.Compact(&buf, c.SpeculativeConfig) == nil {
			v = buf.String()
		}
		fs = append(fs, field{Name: "speculative_config", Value: v, Set: true})
	} else {
		fs = append(fs, field{Name: "speculative_config"})
	}
	fs = append(fs,
		strp("quant", c.Quantization),
		intp("mml", c.MaxModelLen),
	)
	keys := make([]string, 0, len(c.Extra))
	for k := range c.Extra {
		if !joinIgnoredExtra(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fs = append(fs, field{Name: k, Value: c.Extra[k], Set: true})
	}
	return fs
}

// fieldMap indexes fields by name; only stated fields are kept.
func fieldMap(c snapshot.Config) (map[string]string, []string) {
	m := map[string]string{}
	var order []string
	for _, f := range fields(c) {
		if f.Set {
			m[f.Name] = f.Value
			order = append(order, f.Name)
		}
	}
	return m, order
}

// Label is the short text of a config: its stated settings as name=value,
// in a fixed order, e.g. "tp=1 pp=1 mns=512 spec=ngram_6".
func Label(c snapshot.Config) string { return labelExcept(c, nil) }

// labelExcept is Label without the workload arguments that common holds
// with the same value: settings every run shares say nothing about a row.
func labelExcept(c snapshot.Config, common map[string]string) string {
	var parts []string
	for _, f := range fields(c) {
		if v, ok := common[f.Name]; ok && v == f.Value && c.Extra[f.Name] == v {
			continue
		}
		if f.Set && f.Name != "speculative_config" {
			parts = append(parts, f.Name+"="+f.Value)
		}
	}
	return strings.Join(parts, " ")
}

// key identifies a config exactly: two configs with the same key state the
// same settings with the same values.
func key(c snapshot.Config) string {
	var b strings.Builder
	for _, f := range fields(c) {
		if f.Set {
			b.WriteString(f.Name)
			b.WriteByte('=')
			b.WriteString(strconv.Quote(f.Value))
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// Match says how two configs relate.
type Match struct {
	// Compatible is true when every setting stated by both sides has the
	// same value.
	Compatible bool
	// Exact is true when both sides state the same settings with the same
	// values.
	Exact bool
	// Compared lists the settings stated by both sides.
	Compared []string
	// OnlyOld and OnlyNew list the settings stated by one side only, as
	// name=value: they were not compared.
	OnlyOld []string
	OnlyNew []string
	// Conflicts lists settings stated by both sides with different values.
	Conflicts []string
}

// NotCompared returns the names of the settings stated by only one side.
func (m Match) NotCompared() []string {
	var out []string
	for _, kv := range append(slices.Clone(m.OnlyOld), m.OnlyNew...) {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// CompareConfigs matches an old config against a new one.
func CompareConfigs(old, new snapshot.Config) Match {
	om, oorder := fieldMap(old)
	nm, norder := fieldMap(new)
	var m Match
	for _, name := range oorder {
		nv, ok := nm[name]
		switch {
		case !ok:
			m.OnlyOld = append(m.OnlyOld, name+"="+om[name])
		case nv == om[name]:
			m.Compared = append(m.Compared, name)
		default:
			m.Compared = append(m.Compared, name)
			m.Conflicts = append(m.Conflicts, name)
		}
	}
	for _, name := range norder {
		if _, ok := om[name]; !ok {
			m.OnlyNew = append(m.OnlyNew, name+"="+nm[name])
		}
	}
	m.Compatible = len(m.Conflicts) == 0
	m.Exact = m.Compatible && len(m.OnlyOld) == 0 && len(m.OnlyNew) == 0
	return m
}
