// Command vllm is a stand-in for vLLM in lineup's launcher integration
// tests (vLLM cannot run without GPUs). The tests build it into a temporary
// directory put first on PATH. It implements
//
//	vllm --version                 prints a version
//	vllm serve MODEL [flags]       prints vLLM's startup lines, serves /health,
//	                               /v1/models and /v1/completions on --host:--port,
//	                               prints a stats line every 250 ms while busy,
//	                               exits 0 on SIGTERM
//	vllm bench serve [flags]       sends --num-prompts completions, prints the
//	                               result block, writes the --save-result JSON
//
// The text it prints is real vLLM output (startup.txt, oom.txt, stats.txt,
// bench.txt cite their sources). The model name steers failures: a model
// containing "oom" dies at startup with a CUDA OOM traceback; one
// containing "hang" never becomes healthy; one containing "portclash"
// finds its port taken on its first start in a run directory. (The bind
// error line is the stand-in's own; the reference logs hold none.)
//
// Environment variables let a test stand in for another vLLM build
// (sbatch passes the submitting environment on to the job):
//
//	LINEUP_STANDIN_VLLM_VERSION  the version --version and the startup
//	                             banner report (default 0.15.1)
//	LINEUP_STANDIN_GPU_TPS       the generation rate in tokens/s per GPU:
//	                             a number for every model, or a list such as
//	                             "gemma=30000,qwen=12000,20000" where the
//	                             first entry whose name is part of the
//	                             (lower-cased) model applies and a bare
//	                             number is the default (default 20000)
//	LINEUP_STANDIN_STATS_INTERVAL  how often serve prints a stats line, as
//	                             a Go duration (default 250ms)
package main

import (
	"bufio"
	_ "embed"
	"encoding/json"

	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// statsInterval is how often serve prints a stats line unless
// LINEUP_STANDIN_STATS_INTERVAL says otherwise (vLLM: 10 s; short here so
// that test runs of a second or two print some).
const statsInterval = 250 * time.Millisecond

// defaultVersion is what `vllm --version` prints unless
// LINEUP_STANDIN_VLLM_VERSION says otherwise (the v0.14+ banner of
// vllm_startup_lines.txt line 162 shows "version 0.15.1").
const defaultVersion = "0.15.1"

// defaultGPUTPS is the generation rate per GPU, in tokens/s, unless
// LINEUP_STANDIN_GPU_TPS says otherwise.
const defaultGPUTPS = 20000

func version() string {
	if v := strings.TrimSpace(os.Getenv("LINEUP_STANDIN_VLLM_VERSION")); v != "" {
		return v
	}
	return defaultVersion
}

// gpuTPS reads LINEUP_STANDIN_GPU_TPS for model: "N" or
// "name=N,name=N,...,N" (first matching name wins, a bare N is the default).
func gpuTPS(spec, model string) (float64, error) {
	rate, matched := float64(defaultGPUTPS), false
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, num, named := strings.Cut(item, "=")
		if !named {
			num = name
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("LINEUP_STANDIN_GPU_TPS=%q: %q is not a positive number of tokens/s", spec, num)
		}
		switch {
		case !named:
			if !matched {
				rate = v
			}
		case !matched && strings.Contains(strings.ToLower(model), strings.ToLower(strings.TrimSpace(name))):
			rate, matched = v, true
		}
	}
	return rate, nil
}

var (
	//go:embed startup.txt
	startupText string
	//go:embed oom.txt
	oomText string
	//go:embed stats.txt
	statsText string
	//go:embed bench.txt
	benchText string
)

func main() {
	args := os.Args[1:]
	switch {
	case len(args) >= 1 && (args[0] == "--version" || args[0] == "-v"):
		fmt.Println(version())
	case len(args) >= 1 && args[0] == "serve":
		os.Exit(serve(args[1:]))
	case len(args) >= 2 && args[0] == "bench" && args[1] == "serve":
		os.Exit(bench(args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "stand-in vllm: unsupported arguments %q\n", args)
		os.Exit(2)
	}
}

// flags reads "--name value" and "--name=value" pairs; a flag followed by
// another flag (or nothing) is a boolean.
func flags(args []string) (positional []string, f map[string]string) {
	f = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			positional = append(positional, a)
			continue
		}
		name, val, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok {
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				val = args[i+1]
				i++
			} else {
				val = "true"
			}
		}
		f[name] = val
	}
	return positional, f
}

func get(f map[string]string, name, def string) string {
	if v, ok := f[name]; ok {
		return v
	}
	return def
}

func timestamp() string { return time.Now().Format("01-02 15:04:05") }

// lines expands a fixture: comment lines dropped, placeholders filled.
func lines(text string, vars map[string]string) []string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for k, v := range vars {
			l = strings.ReplaceAll(l, "{"+k+"}", v)
		}
		out = append(out, l)
	}
	return out
}

func serve(args []string) int {
	pos, f := flags(args)
	if len(pos) != 1 {
		fmt.Fprintln(os.Stderr, "usage: vllm serve MODEL [flags]")
		return 2
	}
	model := pos[0]
	pid := strconv.Itoa(os.Getpid())
	vars := map[string]string{
		"TS": timestamp(), "PID": pid, "MODEL": model,
		"MAXLEN": get(f, "max-model-len", "32768"), "MNBT": get(f, "max-num-batched-tokens", "8192"),
		"TP": get(f, "tensor-parallel-size", "1"), "PORT": get(f, "port", "8000"),
		"VERSION": version(),
	}
	perGPU, err := gpuTPS(os.Getenv("LINEUP_STANDIN_GPU_TPS"), model)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in vllm:", err)
		return 2
	}
	interval := statsInterval
	if v := os.Getenv("LINEUP_STANDIN_STATS_INTERVAL"); v != "" {
		if interval, err = time.ParseDuration(v); err != nil || interval <= 0 {
			fmt.Fprintf(os.Stderr, "stand-in vllm: LINEUP_STANDIN_STATS_INTERVAL=%q: want a positive duration such as 100ms\n", v)
			return 2
		}
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	println := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(out, s)
		out.Flush()
	}
	for _, l := range lines(startupText, vars) {
		if strings.Contains(l, "Starting vLLM API server") {
			break
		}
		println(l)
	}
	if strings.Contains(strings.ToLower(model), "oom") {
		vars["TS"] = timestamp()
		for _, l := range lines(oomText, vars) {
			println(l)
		}
		return 1
	}
	if strings.Contains(strings.ToLower(model), "hang") {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return 0
	}
	if strings.Contains(strings.ToLower(model), "portclash") {
		// The first start in a run directory finds its port taken.
		marker := filepath.Join(os.Getenv("LINEUP_RUN_DIR"), "inference", ".portclash")
		if _, err := os.Stat(marker); err != nil {
			os.WriteFile(marker, nil, 0o644)
			println(fmt.Sprintf("(APIServer pid=%s) ERROR %s [api_server.py:1475] listen tcp 127.0.0.1:%s: bind: address already in use", pid, timestamp(), get(f, "port", "8000")))
			return 1
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(get(f, "host", "127.0.0.1"), get(f, "port", "8000")))
	if err != nil {
		println(fmt.Sprintf("(APIServer pid=%s) ERROR %s [api_server.py:1475] %v", pid, timestamp(), err))
		return 1
	}
	vars["TS"] = timestamp()
	started := false
	for _, l := range lines(startupText, vars) {
		if strings.Contains(l, "Starting vLLM API server") {
			started = true
		}
		if started {
			println(l)
		}
	}
	println(fmt.Sprintf("(APIServer pid=%s) INFO:     Uvicorn running on http://%s (Press CTRL+C to quit)", pid, ln.Addr()))

	tp, _ := strconv.Atoi(get(f, "tensor-parallel-size", "1"))
	// capacity is the engine's generation rate in tokens/s.
	capacity := perGPU * float64(max(tp, 1))
	eng := newEngine(capacity)
	go eng.run()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": []any{map[string]any{"id": model, "object": "model", "owned_by": "vllm"}}})
	})
	mux.HandleFunc("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model     string `json:"model"`
			Prompt    any    `json:"prompt"`
			MaxTokens int    `json:"max_tokens"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		prompt := fmt.Sprint(req.Prompt)
		pt := max(len(strings.Fields(prompt)), 1)
		ct := max(req.MaxTokens, 1)
		eng.generate(pt, ct)
		json.NewEncoder(w).Encode(map[string]any{
			"id": "cmpl-standin", "object": "text_completion", "created": time.Now().Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "text": strings.Repeat(" token", ct), "finish_reason": "length"}},
			"usage":   map[string]any{"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
		})
		println(fmt.Sprintf("(APIServer pid=%s) INFO:     %s - \"POST /v1/completions HTTP/1.1\" 200 OK", pid, r.RemoteAddr))
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	// Like vLLM's LoggingStatLogger.log (vllm/v1/metrics/loggers.py: "Avoid
	// log noise on an idle production system"), an interval without tokens
	// after another one without tokens is not logged: an idle server prints
	// one line of zeros after its last work, then nothing. Like it too, the
	// rates are the tokens over the time since the last line, however late
	// this one comes.
	lastBusy := false
	last := time.Now()
	for {
		select {
		case <-sig:
			println(fmt.Sprintf("(APIServer pid=%s) INFO:     Shutting down", pid))
			srv.Close()
			return 0
		case now := <-tick.C:
			p, g, running := eng.take()
			busy := p > 0 || g > 0
			if !busy && !lastBusy {
				last = now
				continue
			}
			lastBusy = busy
			secs := now.Sub(last).Seconds()
			last = now
			kv := math.Min(float64(running)*0.4, 100)
			for _, l := range lines(statsText, map[string]string{
				"TS": timestamp(), "PID": pid, "PROMPT_TPS": fmt.Sprintf("%.1f", float64(p)/secs), "GEN_TPS": fmt.Sprintf("%.1f", g/secs),
				"RUNNING": strconv.Itoa(running), "KV": fmt.Sprintf("%.1f", kv),
			}) {
				println(l)
			}
		}
	}
}

// engineTick is how often the engine hands out tokens.
const engineTick = 10 * time.Millisecond

// engine generates tokens at capacity tokens/s shared equally by the
// running requests, by the wall clock: a tick that comes late (a busy
// machine) hands out more tokens, so the rate holds under load, as a GPU's
// would.
type engine struct {
	capacity float64
	mu       sync.Mutex
	requests map[*request]struct{}
	// prompt and generated count the tokens since the last take.
	prompt    int
	generated float64
}

type request struct {
	left float64
	done chan struct{}
}

func newEngine(capacity float64) *engine {
	return &engine{capacity: capacity, requests: map[*request]struct{}{}}
}

func (e *engine) run() {
	last := time.Now()
	tick := time.NewTicker(engineTick)
	for now := range tick.C {
		dt := now.Sub(last).Seconds()
		last = now
		e.mu.Lock()
		if n := len(e.requests); n > 0 {
			share := e.capacity * dt / float64(n)
			for r := range e.requests {
				give := math.Min(share, r.left)
				r.left -= give
				e.generated += give
				if r.left <= 0 {
					delete(e.requests, r)
					close(r.done)
				}
			}
		}
		e.mu.Unlock()
	}
}

// generate takes a request's prompt and waits until its completion
// tokens are generated.
func (e *engine) generate(promptTokens, completionTokens int) {
	r := &request{left: float64(completionTokens), done: make(chan struct{})}
	e.mu.Lock()
	e.prompt += promptTokens
	e.requests[r] = struct{}{}
	e.mu.Unlock()
	<-r.done
}

// take returns and resets the token counts, with the running requests.
func (e *engine) take() (prompt int, generated float64, running int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	prompt, generated, running = e.prompt, e.generated, len(e.requests)
	e.prompt, e.generated = 0, 0
	return prompt, generated, running
}

type result struct {
	ok        bool
	in, out   int
	ttft      time.Duration
	start     time.Time
	completed time.Time
}

func bench(args []string) int {
	_, f := flags(args)
	host, port := get(f, "host", "127.0.0.1"), get(f, "port", "8000")
	model := get(f, "model", "")
	n, _ := strconv.Atoi(get(f, "num-prompts", "1000"))
	conc, _ := strconv.Atoi(get(f, "max-concurrency", "0"))
	outLen := get(f, "random-output-len", get(f, "custom-output-len", "128"))
	maxTokens, _ := strconv.Atoi(outLen)
	inLen, _ := strconv.Atoi(get(f, "random-input-len", "32"))
	prompts := make([]string, n)
	if path := get(f, "dataset-path", ""); get(f, "dataset-name", "random") == "custom" && path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var ps []string
		for l := range strings.SplitSeq(string(data), "\n") {
			var row struct {
				Prompt string `json:"prompt"`
			}
			if json.Unmarshal([]byte(l), &row) == nil && row.Prompt != "" {
				ps = append(ps, row.Prompt)
			}
		}
		if len(ps) == 0 {
			fmt.Fprintf(os.Stderr, "no prompts in %s\n", path)
			return 1
		}
		for i := range prompts {
			prompts[i] = ps[i%len(ps)]
		}
	} else {
		for i := range prompts {
			prompts[i] = strings.TrimSpace(strings.Repeat("lorem ", max(inLen, 1)))
		}
	}
	if conc <= 0 || conc > n {
		conc = max(n, 1)
	}
	url := "http://" + net.JoinHostPort(host, port) + get(f, "endpoint", "/v1/completions")
	results := make([]result, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	var peak, cur atomic.Int64
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c := cur.Add(1)
				for {
					p := peak.Load()
					if c <= p || peak.CompareAndSwap(p, c) {
						break
					}
				}
				results[i] = send(url, model, prompts[i], maxTokens)
				cur.Add(-1)
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	dur := time.Since(start).Seconds()
	var completed, failed, in, out int
	var ttfts []float64
	for _, r := range results {
		if !r.ok {
			failed++
			continue
		}
		completed++
		in += r.in
		out += r.out
		ttfts = append(ttfts, float64(r.ttft.Microseconds())/1000)
	}
	sort.Float64s(ttfts)
	pct := func(p float64) float64 {
		if len(ttfts) == 0 {
			return 0
		}
		return ttfts[min(int(p*float64(len(ttfts))), len(ttfts)-1)]
	}
	mean := 0.0
	for _, v := range ttfts {
		mean += v / float64(len(ttfts))
	}
	maxConc := "None"
	if v, ok := f["max-concurrency"]; ok {
		maxConc = v
	}
	pad := func(v string) string { return fmt.Sprintf("%-10s", v) }
	vals := map[string]string{
		"RATE": get(f, "request-rate", "inf"), "MAXCONC": maxConc,
		"COMPLETED": pad(strconv.Itoa(completed)), "FAILED": pad(strconv.Itoa(failed)),
		"DURATION": pad(fmt.Sprintf("%.2f", dur)), "INPUT": pad(strconv.Itoa(in)), "OUTPUT": pad(strconv.Itoa(out)),
		"REQ_TPUT": pad(fmt.Sprintf("%.2f", float64(completed)/dur)), "OUT_TPUT": pad(fmt.Sprintf("%.2f", float64(out)/dur)),
		"PEAK_OUT": pad(fmt.Sprintf("%.2f", float64(out)/dur)), "PEAK_CONC": pad(fmt.Sprintf("%.2f", float64(peak.Load()))),
		"TOTAL_TPUT": pad(fmt.Sprintf("%.2f", float64(in+out)/dur)),
		"MEAN_TTFT":  pad(fmt.Sprintf("%.2f", mean)), "MEDIAN_TTFT": pad(fmt.Sprintf("%.2f", pct(0.5))), "P99_TTFT": pad(fmt.Sprintf("%.2f", pct(0.99))),
	}
	for _, l := range lines(benchText, vals) {
		fmt.Println(l)
	}
	if _, ok := f["save-result"]; ok {
		file := get(f, "result-filename", fmt.Sprintf("vllm-%sqps-%s-%s.json", get(f, "request-rate", "inf"), filepath.Base(model), time.Now().Format("20060102-150405")))
		doc := map[string]any{
			"date": time.Now().Format("20060102-150405"), "endpoint_type": "openai", "backend": get(f, "backend", "vllm"), "label": nil,
			"model_id": model, "tokenizer_id": model, "num_prompts": n, "request_rate": rate(get(f, "request-rate", "inf")), "burstiness": 1.0,
			"max_concurrency": nil, "duration": dur, "completed": completed, "failed": failed,
			"total_input_tokens": in, "total_output_tokens": out, "request_throughput": float64(completed) / dur,
			"request_goodput": nil, "output_throughput": float64(out) / dur, "total_token_throughput": float64(in+out) / dur,
			"max_output_tokens_per_s": float64(out) / dur, "max_concurrent_requests": peak.Load(), "rtfx": 0.0,
			"mean_ttft_ms": mean, "median_ttft_ms": pct(0.5), "std_ttft_ms": 0.0, "p99_ttft_ms": pct(0.99),
		}
		if c, ok := f["max-concurrency"]; ok {
			doc["max_concurrency"], _ = strconv.Atoi(c)
		}
		b, _ := json.Marshal(doc)
		if err := os.WriteFile(filepath.Join(get(f, "result-dir", "."), file), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if completed == 0 {
		return 1
	}
	return 0
}

func send(url, model, prompt string, maxTokens int) result {
	r := result{start: time.Now()}
	body, _ := json.Marshal(map[string]any{"model": model, "prompt": prompt, "max_tokens": maxTokens, "temperature": 0})
	resp, err := http.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		return r
	}
	defer resp.Body.Close()
	r.ttft = time.Since(r.start)
	var doc struct {
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(io.LimitReader(resp.Body, 1<<24)).Decode(&doc) != nil {
		return r
	}
	r.ok, r.in, r.out, r.completed = true, doc.Usage.PromptTokens, doc.Usage.CompletionTokens, time.Now()
	return r
}

// rate is the request rate as vLLM saves it: a number, or "inf".
func rate(s string) any {
	if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(v, 0) {
		return v
	}
	return "inf"
}
