package logparse

import (
	"bytes"
	"fmt"
	"io"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// FailureWindow is how much of the tail, then of the head, ClassifyFailure
// reads (the seed's detect_failure_reason reads 100 kB of each).
const FailureWindow = 100_000

// failurePattern is one case-insensitive substring (lower case here); with
// then set, the line must also contain then after it; without set, the line
// must not contain without.
type failurePattern struct {
	reason  string
	text    string
	then    string
	without string
}

// failurePatterns in order of precedence. The seed's three reasons keep
// their relative order (OOM, timeout, server_fail); lineup's reasons are
// placed before the more generic ones they would otherwise hide: a KV cache
// too small for max_model_len before a SLURM kill, an NCCL error before
// "Engine core initialization failed" (which only says "see root cause
// above"), and both before datatrove's "Failed to start VLLMServer server"
// wrapper.
var failurePatterns = []failurePattern{
	// the seed's OOM patterns
	{reason: snapshot.ReasonOOM, text: "torch.outofmemoryerror", then: "cuda out of memory"},
	{reason: snapshot.ReasonOOM, text: "valueerror", then: "no available memory for the cache blocks"},
	{reason: snapshot.ReasonOOM, text: "outofmemoryerror"},
	{reason: snapshot.ReasonOOM, text: "cuda out of memory"},
	{reason: snapshot.ReasonOOM, text: "failed to load model - not enough gpu memory"},
	// lineup's: OOM without the word OutOfMemoryError, the free-memory
	// check at start-up, and the SLURM cgroup OOM killer
	{reason: snapshot.ReasonOOM, text: "cuda driver error: out of memory"},
	{reason: snapshot.ReasonOOM, text: "no available memory for the cache blocks"},
	{reason: snapshot.ReasonOOM, text: "is less than desired gpu memory utilization"},
	{reason: snapshot.ReasonOOM, text: "oom-kill event"},
	// KV cache too small for max_model_len: V0 and V1 wordings
	{reason: snapshot.ReasonKVCacheTooSmall, text: "larger than the maximum number of tokens that can be stored in kv cache"},
	{reason: snapshot.ReasonKVCacheTooSmall, text: "larger than the available kv cache memory"},
	{reason: snapshot.ReasonKVCacheTooSmall, text: "kv cache is needed, which is larger"},
	// SLURM: time limit (the seed's), preemption, node failure, scancel
	{reason: snapshot.ReasonTimeout, text: "due to time limit"},
	{reason: snapshot.ReasonPreempted, text: "due to preemption"},
	{reason: snapshot.ReasonNodeFail, text: "due to node failure"},
	{reason: snapshot.ReasonNodeFail, text: "srun: error: node failure"},
	{reason: snapshot.ReasonCancelled, text: " cancelled at ", without: "due to"},
	// NCCL
	{reason: snapshot.ReasonNCCL, text: "nccl error"},
	{reason: snapshot.ReasonNCCL, text: "ncclsystemerror"},
	{reason: snapshot.ReasonNCCL, text: "ncclinternalerror"},
	{reason: snapshot.ReasonNCCL, text: "ncclunhandledcudaerror"},
	{reason: snapshot.ReasonNCCL, text: "ncclremoteerror"},
	// engine start-up
	{reason: snapshot.ReasonEngineInitFailed, text: "engine core initialization failed"},
	{reason: snapshot.ReasonEngineInitFailed, text: "enginecore failed to start"},
	{reason: snapshot.ReasonEngineInitFailed, text: "the number of required gpus exceeds the total number of available gpus"},
	{reason: snapshot.ReasonEngineInitFailed, text: "ray does not allocate any gpus on the driver node"},
	// the seed's server_fail (datatrove's wrappers)
	{reason: snapshot.ReasonServerFail, text: "failed to start vllmserver server"},
	{reason: snapshot.ReasonServerFail, text: "server encountered unrecoverable error"},
}

// ClassifyFailure looks for the reason a run failed, like the seed's
// detect_failure_reason: it reads the last FailureWindow bytes and matches
// every pattern there (case-insensitively, in order of precedence), then
// the first FailureWindow bytes. It returns the reason (a snapshot.Reason*
// constant, "" when nothing matched) and the text of the matched line (at
// most 200 bytes).
func ClassifyFailure(r io.ReaderAt, size int64) (reason, evidence string, err error) {
	var sc LogScanner
	return sc.ClassifyFailure(r, size)
}

// ClassifyFailure is the package's ClassifyFailure with the scanner's
// buffers.
func (sc *LogScanner) ClassifyFailure(r io.ReaderAt, size int64) (reason, evidence string, err error) {
	if size <= 0 {
		return "", "", nil
	}
	n := int(min(size, FailureWindow))
	if cap(sc.window) < n {
		sc.window = make([]byte, n)
		sc.lower = make([]byte, n)
	}
	buf, lower := sc.window[:n], sc.lower[:n]
	windows := []int64{max(0, size-FailureWindow)}
	if size > FailureWindow {
		windows = append(windows, 0)
	}
	for _, off := range windows {
		n, err := r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return "", "", fmt.Errorf("classify failure: read at byte %d: %w", off, err)
		}
		if reason, evidence := classify1(buf[:n], lower[:n]); reason != "" {
			return reason, evidence, nil
		}
	}
	return "", "", nil
}

// classify1 matches the patterns in one window.
func classify1(text, lower []byte) (string, string) {
	for i, c := range text {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for _, fp := range failurePatterns {
		// the last match is the one nearest the end of the run: the final
		// error rather than a traceback frame quoting it
		found, fs, fe, fi := false, 0, 0, 0
		for off := 0; ; {
			i := bytes.Index(lower[off:], []byte(fp.text))
			if i < 0 {
				break
			}
			i += off
			off = i + len(fp.text)
			start := bytes.LastIndexByte(lower[:i], '\n') + 1
			end := len(lower)
			if j := bytes.IndexByte(lower[i:], '\n'); j >= 0 {
				end = i + j
			}
			if fp.then != "" && !bytes.Contains(lower[off:end], []byte(fp.then)) {
				continue
			}
			if fp.without != "" && bytes.Contains(lower[start:end], []byte(fp.without)) {
				continue
			}
			found, fs, fe, fi = true, start, end, i
		}
		if found {
			return fp.reason, evidenceText(text[fs:fe], fi-fs)
		}
	}
	return "", ""
}

// evidenceText trims a matched line to at most maxDropText valid UTF-8
// bytes, keeping the match (at byte at) in view.
func evidenceText(line []byte, at int) string {
	if len(line) > maxDropText {
		from := max(0, min(at-maxDropText/4, len(line)-maxDropText))
		line = line[from : from+maxDropText]
	}
	return string(bytes.ToValidUTF8(bytes.TrimSpace(line), nil))
}
