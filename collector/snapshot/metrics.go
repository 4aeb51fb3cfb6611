package snapshot

// The seed's derived metrics. This file is the one place they are defined;
// the collector, the example snapshots, the site and the budget calculator
// all call these functions.

// SecondsPerDay and SecondsPerHour keep the formulas readable.
const (
	SecondsPerDay  = 86400
	SecondsPerHour = 3600
	// OneBillion is the token count the headline metrics are sized for.
	OneBillion = 1e9
)

// PerGPU divides an engine-level rate by the number of GPUs that produced it
// (tp x pp for one replica; tp x pp x dp when data-parallel engine lines are
// summed per interval).
func PerGPU(engineTPS float64, gpus int) float64 {
	if gpus < 1 {
		gpus = 1
	}
	return engineTPS / float64(gpus)
}

// GPUDaysFor1B is the GPU-days needed to generate 1e9 output tokens at the
// given output tokens/s per GPU: 1e9 / output_tps_per_gpu / 86400.
func GPUDaysFor1B(outputTPSPerGPU float64) float64 {
	return OneBillion / outputTPSPerGPU / SecondsPerDay
}

// NodeDaysFor1B is GPUDaysFor1B divided by the GPUs of one node.
func NodeDaysFor1B(outputTPSPerGPU float64, gpusPerNode int) float64 {
	if gpusPerNode < 1 {
		gpusPerNode = DefaultGPUsPerNode
	}
	return GPUDaysFor1B(outputTPSPerGPU) / float64(gpusPerNode)
}

// GPUsFor1BPerHour is the (continuous) number of GPUs that generate 1e9
// output tokens in one hour: 1e9 / (output_tps_per_gpu x 3600).
func GPUsFor1BPerHour(outputTPSPerGPU float64) float64 {
	return OneBillion / (outputTPSPerGPU * SecondsPerHour)
}

// Derive fills the per-GPU and sizing metrics from whole-run rates.
// engineIn and engineOut are tokens/s summed over all gpus GPUs of the run;
// either may be nil when unmeasured. Method is left as it is.
func (m *Metrics) Derive(engineIn, engineOut *float64, gpus, gpusPerNode int) {
	m.TokensInputPerSec, m.TokensOutputPerSec = engineIn, engineOut
	var in, out *float64
	if engineIn != nil {
		in = Ptr(PerGPU(*engineIn, gpus))
	}
	if engineOut != nil {
		out = Ptr(PerGPU(*engineOut, gpus))
	}
	m.DerivePerGPU(in, out, gpusPerNode)
}

// DerivePerGPU fills the sizing metrics from per-GPU rates, as published
// tables state them. A zero or missing output rate leaves the sizing
// metrics nil rather than infinite.
func (m *Metrics) DerivePerGPU(inPerGPU, outPerGPU *float64, gpusPerNode int) {
	m.InputTPSPerGPU, m.OutputTPSPerGPU = inPerGPU, outPerGPU
	m.GPUDaysToProcess1BTokens, m.NodeDaysToProcess1BTokens, m.GPUsFor1BTokensPerHour = nil, nil, nil
	if outPerGPU == nil || *outPerGPU <= 0 {
		return
	}
	o := *outPerGPU
	m.GPUDaysToProcess1BTokens = Ptr(GPUDaysFor1B(o))
	m.NodeDaysToProcess1BTokens = Ptr(NodeDaysFor1B(o, gpusPerNode))
	m.GPUsFor1BTokensPerHour = Ptr(GPUsFor1BPerHour(o))
}
