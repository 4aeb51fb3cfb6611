package snapshot

// Best returns, for every model with at least one OK run, its best run: the
// highest output TPS/GPU (the seed's criterion for the lineup table). Models
// come in the order of their first run in the snapshot; ties keep the
// earlier run.
func (s *Snapshot) Best() []Run {
	idx := map[string]int{}
	var out []Run
	for _, r := range s.Runs {
		if !r.OK() {
			continue
		}
		i, seen := idx[r.Model]
		if !seen {
			idx[r.Model] = len(out)
			out = append(out, r)
			continue
		}
		if *r.Metrics.OutputTPSPerGPU > *out[i].Metrics.OutputTPSPerGPU {
			out[i] = r
		}
	}
	return out
}

// Models returns the distinct model ids of the snapshot's runs, in order of
// first appearance, including models whose runs all failed.
func (s *Snapshot) Models() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range s.Runs {
		if !seen[r.Model] {
			seen[r.Model] = true
			out = append(out, r.Model)
		}
	}
	return out
}
