package logparse_test

import (
	"fmt"
	"strings"

	"github.com/lineup-dev/lineup/collector/logparse"
)

// Lines of vllm_throughput_lines.txt §C (issue #43295), the first one
// hard-wrapped by a terminal.
func Example() {
	text := `(APIServer pid=3646) INFO 05-19 10:13:11 [loggers.py:271] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1055.3 tokens/s, Running: 18 r
eqs, Waiting: 43 reqs, GPU KV cache usage: 95.9%, Prefix cache hit rate: 0.0%
(APIServer pid=3646) INFO 05-19 10:13:21 [loggers.py:271] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 1226.3 tokens/s, Running: 18 reqs, Waiting: 42 reqs, GPU KV cache usage: 95.5%, Prefix cache hit rate: 0.0%
(APIServer pid=3646) INFO 05-19 10:13:31 [loggers.py:271] Engine 000: Avg prompt throughput: 12068.8 tokens/s, Avg generation throughput: 734.9 tokens/s, Running: 18 reqs, Waiting: 33 reqs, GPU KV cache usage: 87.7%, Prefix cache hit rate: 0.0%
`
	log, err := logparse.ParseServerLog(strings.NewReader(text))
	if err != nil {
		panic(err)
	}
	t := logparse.Summarize(log.Stats)
	fmt.Printf("%d stats lines (%d rejoined), %d mixed, %d steady\n", len(log.Stats), log.Rejoined, t.Mixed, t.Steady)
	fmt.Printf("input %.1f tok/s, output %.1f tok/s over %d engine(s)\n", *t.EngineInputTPS, *t.EngineOutputTPS, t.Engines)
	// Output:
	// 3 stats lines (1 rejoined), 1 mixed, 2 steady
	// input 12068.8 tok/s, output 1140.8 tok/s over 1 engine(s)
}
