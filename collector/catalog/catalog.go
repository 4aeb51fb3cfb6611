// Package catalog is lineup's model catalog (content/models.yaml): what the
// project states as fact about each model — architecture, total and active
// parameters — and the size class and badges derived from them.
//
// A model missing from the catalog gets only what its name tells
// ("30B-A3B": mixture of experts, 30B total, 3B active; "1.7B"; "270m") and
// otherwise an explicit unknown, never a guess shown as fact.
package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Architectures.
const (
	Dense = "dense"
	MoE   = "moe"
)

// Size classes by total parameters, as the seed's legend defines them.
const (
	Compact  = "compact"  // < 4B
	Small    = "small"    // 4B - 10B
	Medium   = "medium"   // 10B - 100B
	Large    = "large"    // 100B - 500B
	Enormous = "enormous" // >= 500B
)

// Model is one catalog entry.
type Model struct {
	ID            string  `yaml:"id"`
	Architecture  string  `yaml:"architecture"`
	TotalParamsB  float64 `yaml:"total_params_b"`
	ActiveParamsB float64 `yaml:"active_params_b,omitempty"`
	SizeClass     string  `yaml:"size_class,omitempty"`
	Note          string  `yaml:"note,omitempty"`
	Source        string  `yaml:"source"`
}

// Catalog is the parsed content/models.yaml.
type Catalog struct {
	Models []Model `yaml:"models"`
	byID   map[string]int
}

// Error locates a problem in a catalog file.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Msg
}

// Load reads and checks a catalog file.
func Load(file string) (*Catalog, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	return Parse(file, data)
}

// Parse decodes a catalog document; name appears in errors. Unknown keys,
// duplicate ids, unknown architectures or classes and missing parameter
// counts are errors naming the line.
func Parse(name string, data []byte) (*Catalog, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, &Error{File: name, Line: yamlLine(err), Msg: yamlMsg(err)}
	}
	// A second decode into nodes gives the line of every entry.
	_ = yaml.Unmarshal(data, &doc)
	lines := entryLines(&doc)
	c.byID = make(map[string]int, len(c.Models))
	for i, m := range c.Models {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		field := fmt.Sprintf("models[%d]", i)
		bad := func(f, format string, args ...any) error {
			return &Error{File: name, Line: line, Field: field + f, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case m.ID == "" || !strings.Contains(m.ID, "/"):
			return nil, bad(".id", "%q is not a Hugging Face id (org/name)", m.ID)
		case m.Architecture != Dense && m.Architecture != MoE:
			return nil, bad(".architecture", "%q is not dense or moe", m.Architecture)
		case m.TotalParamsB <= 0:
			return nil, bad(".total_params_b", "missing or not positive")
		case m.Architecture == MoE && (m.ActiveParamsB <= 0 || m.ActiveParamsB > m.TotalParamsB):
			return nil, bad(".active_params_b", "a moe model needs active parameters between 0 and total (got %v)", m.ActiveParamsB)
		case m.Architecture == Dense && m.ActiveParamsB != 0:
			return nil, bad(".active_params_b", "a dense model has no separate active parameter count")
		case m.SizeClass != "" && !validClass(m.SizeClass):
			return nil, bad(".size_class", "%q is not one of compact, small, medium, large, enormous", m.SizeClass)
		case m.Source == "":
			return nil, bad(".source", "missing: say where the figures come from")
		}
		if j, dup := c.byID[m.ID]; dup {
			return nil, bad(".id", "%q is listed twice (first at models[%d])", m.ID, j)
		}
		c.byID[m.ID] = i
	}
	return &c, nil
}

func entryLines(doc *yaml.Node) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "models" {
			var out []int
			for _, n := range root.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

// yamlLine extracts the line from yaml.v3's "yaml: line N: ..." errors.
func yamlLine(err error) int {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		if j := strings.IndexAny(rest, ": "); j > 0 {
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return n
			}
		}
	}
	return 0
}

func yamlMsg(err error) string {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for i, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		if strings.HasPrefix(m, "line ") {
			if j := strings.Index(m, ": "); j > 0 {
				m = m[j+2:]
			}
		}
		msgs[i] = m
	}
	return strings.Join(msgs, "; ")
}

func validClass(c string) bool {
	switch c {
	case Compact, Small, Medium, Large, Enormous:
		return true
	}
	return false
}

// ClassOf returns the size class of a model with totalB billion parameters,
// by the seed's thresholds: Compact < 4B <= Small < 10B <= Medium < 100B <=
// Large < 500B <= Enormous.
func ClassOf(totalB float64) string {
	switch {
	case totalB < 4:
		return Compact
	case totalB < 10:
		return Small
	case totalB < 100:
		return Medium
	case totalB < 500:
		return Large
	}
	return Enormous
}

// Lookup returns the catalog entry of id.
func (c *Catalog) Lookup(id string) (Model, bool) {
	if c == nil {
		return Model{}, false
	}
	i, ok := c.byID[id]
	if !ok {
		return Model{}, false
	}
	return c.Models[i], true
}

// Index returns the position of id in the catalog, or -1.
func (c *Catalog) Index(id string) int {
	if c == nil {
		return -1
	}
	if i, ok := c.byID[id]; ok {
		return i
	}
	return -1
}

// Origin says where an Info's facts come from.
const (
	FromCatalog = "catalog"
	FromName    = "name"
	Unknown     = "unknown"
)

// Info is what lineup shows about a model. Empty Architecture or SizeClass,
// and zero parameter counts, mean unknown.
type Info struct {
	ID            string
	Architecture  string
	TotalParamsB  float64
	ActiveParamsB float64
	SizeClass     string
	// Pinned is true when the catalog pins the class against the thresholds.
	Pinned bool
	// Origin is FromCatalog, FromName or Unknown.
	Origin string
	Note   string
}

// Describe returns what is known about id: the catalog entry, else what
// the name tells, else unknown.
func (c *Catalog) Describe(id string) Info {
	if m, ok := c.Lookup(id); ok {
		info := Info{ID: id, Architecture: m.Architecture, TotalParamsB: m.TotalParamsB, ActiveParamsB: m.ActiveParamsB,
			SizeClass: ClassOf(m.TotalParamsB), Origin: FromCatalog, Note: m.Note}
		if m.SizeClass != "" {
			info.Pinned = m.SizeClass != info.SizeClass
			info.SizeClass = m.SizeClass
		}
		return info
	}
	arch, total, active := FromNameOf(id)
	info := Info{ID: id, Architecture: arch, TotalParamsB: total, ActiveParamsB: active, Origin: Unknown}
	if total > 0 {
		info.SizeClass = ClassOf(total)
	}
	if arch != "" || total > 0 {
		info.Origin = FromName
	}
	return info
}

// FromNameOf reads what a model name says: a parameter count token such as
// "1.7B", "270m" or "1T", and an active-parameter token "A3B" (which makes it
// a mixture of experts). It returns "" and zeros for what the name does not
// say; a bare size does not tell the architecture.
func FromNameOf(id string) (arch string, totalB, activeB float64) {
	name := id[strings.LastIndex(id, "/")+1:]
	for _, tok := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		if len(tok) >= 3 && (tok[0] == 'A' || tok[0] == 'a') {
			if v, ok := paramCount(tok[1:]); ok {
				activeB = v
				continue
			}
		}
		if v, ok := paramCount(tok); ok && totalB == 0 {
			totalB = v
		}
	}
	if activeB > 0 {
		if totalB == 0 || activeB > totalB {
			// "A3B" without a total, or nonsense: say nothing.
			return "", 0, 0
		}
		arch = MoE
	}
	return arch, totalB, activeB
}

// paramCount parses "1.7B", "270m", "1T" into billions.
func paramCount(tok string) (float64, bool) {
	if len(tok) < 2 {
		return 0, false
	}
	var scale float64
	switch tok[len(tok)-1] {
	case 'b', 'B':
		scale = 1
	case 'm', 'M':
		scale = 1e-3
	case 't', 'T':
		scale = 1e3
	default:
		return 0, false
	}
	num := tok[:len(tok)-1]
	if num == "" || num[0] < '0' || num[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return 0, false
	}
	return v * scale, true
}

// ResolveDirName maps a datatrove model directory name (org dropped, every
// '-' replaced by '_', e.g. "gemma_3_1b_it") back to a catalog id.
func (c *Catalog) ResolveDirName(dir string) (string, bool) {
	if c == nil {
		return "", false
	}
	var found string
	for _, m := range c.Models {
		name := m.ID[strings.LastIndex(m.ID, "/")+1:]
		if strings.ReplaceAll(name, "-", "_") == dir || strings.ReplaceAll(m.ID, "/", "--") == dir {
			if found != "" && found != m.ID {
				return "", false // ambiguous: two orgs publish the same name
			}
			found = m.ID
		}
	}
	return found, found != ""
}
