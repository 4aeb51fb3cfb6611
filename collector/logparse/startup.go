package logparse

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Startup facts printed while vLLM starts (any version in the reference file).
// Each field is taken from the first line that states it; nil or empty
// means the log never said.
type Startup struct {
	// VLLMVersion comes from "vLLM API server version X", "Initializing a
	// V1 LLM engine (vX)", the 0.14+ banner "version X" or collect_env's
	// "vLLM Version : X".
	VLLMVersion string
	// Model comes from non-default args 'model' (or 'model_tag'), else the
	// engine config line's model='...', else the banner's "model   X".
	Model string
	// GPU comes from a tuned-kernel file name (device_name=NVIDIA_H200),
	// collect_env or nvidia-smi -L ("GPU 0: NVIDIA H20").
	GPU string
	// TP, PP, DP come from non-default args, else the engine config line.
	TP, PP, DP *int
	// KVCacheTokens is "GPU KV cache size: N tokens" (V1).
	KVCacheTokens *int64
	// MaxConcurrency is "Maximum concurrency for L tokens per request: Xx".
	MaxConcurrency *float64
	// ModelLoadSeconds is V1's "Model loading took G GiB and S seconds",
	// else "Loading weights took S seconds".
	ModelLoadSeconds *float64
	// EngineInitSeconds is "init engine (profile, create kv cache, warmup
	// model) took S seconds".
	EngineInitSeconds *float64
	// NonDefaultArgs is the "non-default args: {...}" dict of vLLM >= 0.9,
	// values as printed (strings unquoted, lists and dicts verbatim).
	NonDefaultArgs map[string]string

	// DriverVersion and CUDAVersion come from the nvidia-smi table header
	// ("Driver Version: 580.159.04     CUDA Version: 13.0"), when a job
	// script printed it.
	DriverVersion, CUDAVersion string

	// GPUBlocks is V0's "# GPU blocks: N" or V1's "num_gpu_blocks is: N".
	GPUBlocks *int64
	// MaxModelLen is the config line's max_seq_len or args' max_model_len.
	MaxModelLen *int
	// ModelLoadLine and others are not kept: explain shows the values.
	modelLoadFromV1 bool
}

// continuation kinds: a startup line that a terminal may have hard-wrapped.
const (
	contNone = iota
	contConfig
	contArgs
)

var (
	kVersionAPI   = []byte("vLLM API server version ")
	kEngineV      = []byte(" engine (v")
	kWithConfig   = []byte("with config: ")
	kNonDefault   = []byte("non-default args: {")
	kKVSize       = []byte("GPU KV cache size: ")
	kMaxConc      = []byte("Maximum concurrency for ")
	kPerRequest   = []byte(" tokens per request: ")
	kModelLoading = []byte("Model loading took ")
	kLoadWeights  = []byte("Loading weights took ")
	kInitEngine   = []byte("init engine (profile, create kv cache, warmup model) took ")
	kDeviceName   = []byte("device_name=")
	kGPU0         = []byte("GPU 0: ")
	kGPUBlocks    = []byte("# GPU blocks: ")
	kNumGPUBlocks = []byte("num_gpu_blocks is: ")
	kCollectVer   = []byte("vLLM Version")
	kDriver       = []byte("Driver Version: ")
	kCUDA         = []byte("CUDA Version: ")
	kBannerVer    = []byte("version ")
	kBannerModel  = []byte("model ")
)

// Where indexVia looks for the keys: at a byte that is rare in log text
// ('(' once in the "(APIServer pid=N)" prefix, uppercase letters but for
// the log level's), where the first byte is a common one.
const (
	kInitEngineAt   = len("init engine ") // '('
	kDriverAt       = len("Driver ")      // 'V'
	kVersionAPIAt   = len("v")            // 'L'
	kEngineVAt      = len(" engine ")     // '('
	kCollectVerAt   = len("vLLM ")        // 'V'
	kNumGPUBlocksAt = len("num_gpu_")     // 'b'
)

// scanStartup looks for startup facts in text (a non-stats part of a line)
// and reports whether text is a line that may continue on the next physical
// line (a wrapped config line or an unclosed args dict).
func (st *Startup) scan(text []byte) int {
	cont := contNone
	if st.VLLMVersion == "" {
		st.scanVersion(text)
	}
	if i := bytes.Index(text, kWithConfig); i >= 0 {
		st.scanConfig(text[i+len(kWithConfig):])
		cont = contConfig
	}
	if i := indexVia(text, kNonDefault, len(kNonDefault)-1); i >= 0 {
		if !st.scanArgs(text[i+len(kNonDefault)-1:]) {
			cont = contArgs
		}
	}
	if st.KVCacheTokens == nil {
		if i := bytes.Index(text, kKVSize); i >= 0 {
			if v, ok := numberWithCommas(text[i+len(kKVSize):], " tokens"); ok {
				n := int64(v)
				st.KVCacheTokens = &n
			}
		}
	}
	if st.MaxConcurrency == nil {
		if i := bytes.Index(text, kMaxConc); i >= 0 {
			rest := text[i+len(kMaxConc):]
			if j := bytes.Index(rest, kPerRequest); j >= 0 && j < 32 {
				if v, ok := numberWithCommas(rest[j+len(kPerRequest):], "x"); ok {
					st.MaxConcurrency = &v
				}
			}
		}
	}
	if !st.modelLoadFromV1 {
		if i := bytes.Index(text, kModelLoading); i >= 0 {
			rest := text[i+len(kModelLoading):]
			if j := bytes.Index(rest, []byte(" and ")); j >= 0 && j < 40 {
				if v, ok := numberWithCommas(rest[j+len(" and "):], " seconds"); ok {
					st.ModelLoadSeconds, st.modelLoadFromV1 = &v, true
				}
			}
		} else if st.ModelLoadSeconds == nil {
			if i := bytes.Index(text, kLoadWeights); i >= 0 {
				if v, ok := numberWithCommas(text[i+len(kLoadWeights):], " seconds"); ok {
					st.ModelLoadSeconds = &v
				}
			}
		}
	}
	if st.EngineInitSeconds == nil {
		if i := indexVia(text, kInitEngine, kInitEngineAt); i >= 0 {
			if v, ok := numberWithCommas(text[i+len(kInitEngine):], " seconds"); ok {
				st.EngineInitSeconds = &v
			}
		}
	}
	if st.GPU == "" {
		st.scanGPU(text)
	}
	if st.DriverVersion == "" {
		if i := indexVia(text, kDriver, kDriverAt); i >= 0 {
			st.DriverVersion = versionToken(text[i+len(kDriver):])
			if j := bytes.Index(text, kCUDA); j >= 0 {
				st.CUDAVersion = versionToken(text[j+len(kCUDA):])
			}
		}
	}
	if st.GPUBlocks == nil {
		for _, k := range [...]struct {
			key []byte
			at  int
		}{{kGPUBlocks, 0}, {kNumGPUBlocks, kNumGPUBlocksAt}} {
			if i := indexVia(text, k.key, k.at); i >= 0 {
				if v, ok := numberWithCommas(text[i+len(k.key):], ""); ok {
					n := int64(v)
					st.GPUBlocks = &n
					break
				}
			}
		}
	}
	if st.Model == "" {
		if v, ok := bannerValue(text, kBannerModel); ok {
			if tok := firstToken(v); tok != "" {
				st.Model = tok
			}
		}
	}
	return cont
}

// bannerValue finds key ("version ", "model ") as vLLM 0.14+'s ASCII-art
// banner prints it: after the logo's block characters and spaces,
//
//	▄▄ ▄█ █     █     █ ▀▄▀ █  version 0.15.1
//	 █▄█▀ █     █     █     █  model   /opt/models/qwen2_5_14b_instruct_awq
//
// (vllm_startup_lines.txt, the 0.15.1 RTX 3090 transcript). Every
// occurrence on the line is tried, so block characters elsewhere on the
// line (a wrapper's, an earlier logo row) do not hide it, and the number of
// spaces before the key does not matter. It returns the text after the key
// and its padding.
func bannerValue(text, key []byte) ([]byte, bool) {
	for off := 0; ; {
		i := bytes.Index(text[off:], key)
		if i < 0 {
			return nil, false
		}
		i += off
		off = i + len(key)
		j := i
		for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') {
			j--
		}
		// U+2580-U+259F (block elements) are E2 96 80-9F in UTF-8.
		if j < i && j >= 3 && text[j-3] == 0xE2 && text[j-2] == 0x96 && text[j-1] >= 0x80 && text[j-1] <= 0x9F {
			if v := bytes.TrimLeft(text[off:], " \t"); len(v) > 0 {
				return v, true
			}
		}
	}
}

func (st *Startup) scanVersion(text []byte) {
	if i := indexVia(text, kVersionAPI, kVersionAPIAt); i >= 0 {
		st.VLLMVersion = versionToken(text[i+len(kVersionAPI):])
		return
	}
	if i := indexVia(text, kEngineV, kEngineVAt); i >= 0 {
		rest := text[i+len(kEngineV):]
		if j := bytes.IndexByte(rest, ')'); j > 0 && j < 64 && isDigit(rest[0]) {
			st.VLLMVersion = string(rest[:j])
			return
		}
	}
	if v, ok := bannerValue(text, kBannerVer); ok {
		if tok := versionToken(v); tok != "" && isDigit(tok[0]) {
			st.VLLMVersion = tok
			return
		}
	}
	if i := indexVia(text, kCollectVer, kCollectVerAt); i >= 0 {
		rest := bytes.TrimLeft(text[i+len(kCollectVer):], " \t")
		if v, ok := bytes.CutPrefix(rest, []byte(":")); ok {
			if tok := versionToken(bytes.TrimLeft(v, " \t")); tok != "" && isDigit(tok[0]) {
				st.VLLMVersion = tok
			}
		}
	}
}

func (st *Startup) scanGPU(text []byte) {
	if i := indexVia(text, kDeviceName, len(kDeviceName)-1); i >= 0 {
		rest := text[i+len(kDeviceName):]
		j := bytes.IndexAny(rest, ",. ")
		if j < 0 {
			j = len(rest)
		}
		if name := strings.ReplaceAll(string(rest[:j]), "_", " "); name != "" {
			st.GPU = name
		}
		return
	}
	if i := bytes.Index(text, kGPU0); i >= 0 {
		rest := text[i+len(kGPU0):]
		if j := bytes.Index(rest, []byte(" (UUID")); j >= 0 {
			rest = rest[:j]
		}
		if name := strings.TrimSpace(string(rest)); name != "" && len(name) < 80 {
			st.GPU = name
		}
	}
}

// scanConfig reads the engine config line ("model='...', ...,
// tensor_parallel_size=8, pipeline_parallel_size=2, ...").
func (st *Startup) scanConfig(cfg []byte) {
	if st.Model == "" {
		if v, ok := bytes.CutPrefix(cfg, []byte("model='")); ok {
			if j := bytes.IndexByte(v, '\''); j > 0 {
				st.Model = string(v[:j])
			}
		}
	}
	setInt := func(dst **int, key string) {
		if *dst != nil {
			return
		}
		i := bytes.Index(cfg, []byte(key))
		if i < 0 {
			return
		}
		rest := cfg[i+len(key):]
		n := 0
		for n < len(rest) && isDigit(rest[n]) && n < 9 {
			n++
		}
		if n > 0 && n < len(rest) { // a number at the end of the text may be cut
			v := atoi(rest[:n])
			*dst = &v
		}
	}
	setInt(&st.TP, "tensor_parallel_size=")
	setInt(&st.PP, "pipeline_parallel_size=")
	setInt(&st.DP, "data_parallel_size=")
	setInt(&st.MaxModelLen, "max_seq_len=")
}

// scanArgs reads the non-default args dict; it reports whether the dict was
// closed.
func (st *Startup) scanArgs(dict []byte) bool {
	args, closed := parsePyDict(dict)
	if len(args) == 0 {
		return closed
	}
	if st.NonDefaultArgs == nil {
		st.NonDefaultArgs = args
	} else {
		for k, v := range args {
			if _, ok := st.NonDefaultArgs[k]; !ok {
				st.NonDefaultArgs[k] = v
			}
		}
	}
	setInt := func(dst **int, key string) {
		if *dst != nil {
			return
		}
		if v, err := strconv.Atoi(args[key]); err == nil && v >= 0 {
			*dst = &v
		}
	}
	setInt(&st.TP, "tensor_parallel_size")
	setInt(&st.PP, "pipeline_parallel_size")
	setInt(&st.DP, "data_parallel_size")
	setInt(&st.MaxModelLen, "max_model_len")
	if st.Model == "" {
		if m := args["model"]; m != "" {
			st.Model = m
		} else if m := args["model_tag"]; m != "" {
			st.Model = m
		}
	}
	return closed
}

// parsePyDict parses a Python dict repr such as {'port': 8080, 'model':
// '/mnt/models', 'served_model_name': ['x']}. A dict cut short yields the
// complete pairs before the cut and closed == false.
func parsePyDict(s []byte) (m map[string]string, closed bool) {
	if len(s) == 0 || s[0] != '{' {
		return nil, false
	}
	i := 1
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return m, false
		}
		if s[i] == '}' {
			return m, true
		}
		key, n, ok := pyString(s[i:])
		if !ok {
			return m, false
		}
		i += n
		skip()
		if i >= len(s) || s[i] != ':' {
			return m, false
		}
		i++
		skip()
		if i >= len(s) {
			return m, false
		}
		var val string
		switch s[i] {
		case '\'', '"':
			v, n, ok := pyString(s[i:])
			if !ok {
				return m, false
			}
			val, i = v, i+n
		default:
			start := i
			depth := 0
			var quote byte
		scan:
			for ; i < len(s); i++ {
				c := s[i]
				switch {
				case quote != 0:
					if c == '\\' {
						i++
					} else if c == quote {
						quote = 0
					}
				case c == '\'' || c == '"':
					quote = c
				case c == '[' || c == '{' || c == '(':
					depth++
				case c == ']' || c == '}' || c == ')':
					if depth == 0 {
						break scan
					}
					depth--
				case c == ',' && depth == 0:
					break scan
				}
			}
			if i >= len(s) {
				return m, false
			}
			val = strings.TrimSpace(string(s[start:i]))
		}
		skip()
		if i >= len(s) {
			return m, false
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[key] = val
		switch s[i] {
		case ',':
			i++
		case '}':
			return m, true
		default:
			return m, false
		}
	}
}

// pyString reads a quoted Python string literal; n is its length in s.
func pyString(s []byte) (string, int, bool) {
	if len(s) == 0 || s[0] != '\'' && s[0] != '"' {
		return "", 0, false
	}
	q := s[0]
	var b []byte
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b = append(b, s[i])
		case c == q:
			return string(b), i + 1, true
		default:
			b = append(b, c)
		}
	}
	return "", 0, false
}

// versionToken returns the leading run of version characters
// ("0.10.2.dev378+g4d7fe40fc.d20250829").
func versionToken(b []byte) string {
	i := 0
	for i < len(b) && i < 64 {
		c := b[i]
		if !(isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '+' || c == '-' || c == '_') {
			break
		}
		i++
	}
	return strings.TrimRight(string(b[:i]), ".")
}

// firstToken returns the text up to the first space.
func firstToken(b []byte) string {
	b = bytes.TrimRight(b, " \t")
	if i := bytes.IndexAny(b, " \t"); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// numberWithCommas reads "1,823,372" or "16.52" followed by unit. With an
// empty unit the number may end the text (the end of a physical line);
// with a unit, the unit must follow.
func numberWithCommas(b []byte, unit string) (float64, bool) {
	var digits []byte
	var arr [32]byte
	digits = arr[:0]
	i := 0
	for ; i < len(b) && len(digits) < len(arr); i++ {
		c := b[i]
		switch {
		case isDigit(c) || c == '.':
			digits = append(digits, c)
		case c == ',' && i+3 < len(b) && isDigit(b[i+1]) && isDigit(b[i+2]) && isDigit(b[i+3]) && len(digits) > 0:
		default:
			goto done
		}
	}
done:
	if len(digits) == 0 || i == len(b) && unit != "" {
		return 0, false
	}
	if unit != "" && !bytes.HasPrefix(b[i:], []byte(unit)) {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(digits), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}
