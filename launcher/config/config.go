// Package config reads a lineup sweep file: the YAML format of the seed's
// launch_experiments.py (script, continue_on_failure, fixed_args, runs),
// keeping the position of every value so that later stages can report
// errors as file:line:col: field: message.
//
// Parsing does not interpret argument values: a scalar stays its YAML text,
// a list stays a list (a sweep axis). Expansion and normalisation happen in
// package sweep.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Pos is a position in the config file.
type Pos struct {
	Line, Col int
}

// Error is a config problem at a position, naming the field.
type Error struct {
	File  string
	Pos   Pos
	Field string
	Msg   string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Pos.Line)
		if e.Pos.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Pos.Col)
		}
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Value is one scalar argument value as written.
type Value struct {
	// Text is the scalar's text; for a mapping (only allowed where a JSON
	// object makes sense) it is the mapping encoded as JSON.
	Text string
	// Null is true for YAML null (`~`, `null`, empty).
	Null bool
	// Mapping is true when the value was a YAML mapping (Text is JSON).
	Mapping bool
	Pos     Pos
}

// Arg is one argument: a key and either one value or a list (a sweep axis).
type Arg struct {
	Key    string
	Pos    Pos
	Values []Value
	// List is true when the YAML value was a sequence, even of one item.
	List bool
}

// Args are arguments in file order.
type Args []Arg

// Get returns the argument named key.
func (a Args) Get(key string) (Arg, bool) {
	for _, x := range a {
		if x.Key == key {
			return x, true
		}
	}
	return Arg{}, false
}

// Run is one entry of `runs` (or `experiments`).
type Run struct {
	Name string
	Pos  Pos
	Args Args
}

// File is a parsed sweep file.
type File struct {
	// Path names the file in error messages.
	Path              string
	Script            string
	ContinueOnFailure bool
	FixedArgs         Args
	Runs              []Run
	// RunsKey is "runs" or "experiments", whichever the file used.
	RunsKey string
}

// Errorf returns an *Error for this file.
func (f *File) Errorf(pos Pos, field, format string, args ...any) error {
	return &Error{File: f.Path, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ReadFile reads and parses the sweep file at path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a sweep file. name is used in error messages.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Path: name}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, f.Errorf(pos(&extra), "", "more than one YAML document; a sweep file holds one")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, f.Errorf(Pos{1, 1}, "", "empty config")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, f.Errorf(pos(root), "", "the top level must be a mapping (script, continue_on_failure, fixed_args, runs)")
	}
	var runsNode *yaml.Node
	seen := map[string]Pos{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if p, dup := seen[k.Value]; dup {
			return nil, f.Errorf(pos(k), k.Value, "duplicate key (first at line %d)", p.Line)
		}
		seen[k.Value] = pos(k)
		switch k.Value {
		case "script":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				if v.Tag == "!!null" {
					continue
				}
				return nil, f.Errorf(pos(v), "script", "must be a string (a path)")
			}
			f.Script = v.Value
		case "continue_on_failure":
			var b bool
			if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
				return nil, f.Errorf(pos(v), "continue_on_failure", "must be true or false, not %q", v.Value)
			}
			f.ContinueOnFailure = b
		case "fixed_args":
			args, err := f.parseArgs(v, "fixed_args")
			if err != nil {
				return nil, err
			}
			f.FixedArgs = args
		case "runs", "experiments":
			if runsNode != nil {
				return nil, f.Errorf(pos(k), k.Value, "%q and %q are two names for the same list; use one", f.RunsKey, k.Value)
			}
			runsNode, f.RunsKey = v, k.Value
		default:
			return nil, f.Errorf(pos(k), k.Value, "unknown top-level key (want script, continue_on_failure, fixed_args, runs or experiments)")
		}
	}
	if runsNode == nil {
		return nil, f.Errorf(pos(root), "runs", "missing: the file needs a list of runs")
	}
	if runsNode.Kind != yaml.SequenceNode {
		return nil, f.Errorf(pos(runsNode), f.RunsKey, "must be a list of {name, args}")
	}
	if len(runsNode.Content) == 0 {
		return nil, f.Errorf(pos(runsNode), f.RunsKey, "empty list")
	}
	for i, rn := range runsNode.Content {
		field := fmt.Sprintf("%s[%d]", f.RunsKey, i)
		r, err := f.parseRun(rn, field)
		if err != nil {
			return nil, err
		}
		f.Runs = append(f.Runs, r)
	}
	return f, nil
}

func (f *File) parseRun(n *yaml.Node, field string) (Run, error) {
	r := Run{Pos: pos(n)}
	if n.Kind != yaml.MappingNode {
		return r, f.Errorf(pos(n), field, "must be a mapping with name and args")
	}
	hasArgs := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || strings.TrimSpace(v.Value) == "" {
				return r, f.Errorf(pos(v), field+".name", "must be a non-empty string")
			}
			r.Name = v.Value
		case "args":
			if hasArgs {
				return r, f.Errorf(pos(k), field+".args", "duplicate key")
			}
			hasArgs = true
			args, err := f.parseArgs(v, field+".args")
			if err != nil {
				return r, err
			}
			r.Args = args
		default:
			return r, f.Errorf(pos(k), field+"."+k.Value, "unknown key (want name and args)")
		}
	}
	if r.Name == "" {
		return r, f.Errorf(pos(n), field+".name", "missing")
	}
	return r, nil
}

// NormKey spells an argument key the one way lineup uses: lower case with
// dashes ("max_num_seqs" and "max-num-seqs" are the same key).
func NormKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(k), "_", "-"))
}

func (f *File) parseArgs(n *yaml.Node, field string) (Args, error) {
	if n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, f.Errorf(pos(n), field, "must be a mapping of argument names to values")
	}
	var args Args
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := NormKey(k.Value)
		kf := field + "." + k.Value
		if key == "" {
			return nil, f.Errorf(pos(k), kf, "empty argument name")
		}
		if p, dup := seen[key]; dup {
			return nil, f.Errorf(pos(k), kf, "duplicate argument (first at line %d)", p.Line)
		}
		seen[key] = pos(k)
		a := Arg{Key: key, Pos: pos(k)}
		switch v.Kind {
		case yaml.SequenceNode:
			a.List = true
			if len(v.Content) == 0 {
				return nil, f.Errorf(pos(v), kf, "empty list: a sweep axis needs at least one value")
			}
			for j, item := range v.Content {
				val, err := f.scalar(item, fmt.Sprintf("%s[%d]", kf, j))
				if err != nil {
					return nil, err
				}
				a.Values = append(a.Values, val)
			}
		default:
			val, err := f.scalar(v, kf)
			if err != nil {
				return nil, err
			}
			a.Values = []Value{val}
		}
		args = append(args, a)
	}
	return args, nil
}

func (f *File) scalar(n *yaml.Node, field string) (Value, error) {
	v := Value{Pos: pos(n)}
	switch n.Kind {
	case yaml.ScalarNode:
		v.Text = n.Value
		v.Null = n.Tag == "!!null"
		return v, nil
	case yaml.MappingNode:
		// A mapping is kept as JSON (for a speculative-config written as
		// YAML); package sweep decides where it is allowed.
		var m map[string]any
		if err := n.Decode(&m); err != nil {
			return v, f.Errorf(pos(n), field, "cannot read mapping: %v", err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			return v, f.Errorf(pos(n), field, "mapping cannot be written as JSON: %v", err)
		}
		v.Text, v.Mapping = string(b), true
		return v, nil
	case yaml.AliasNode:
		if n.Alias != nil {
			return f.scalar(n.Alias, field)
		}
	case yaml.SequenceNode:
		return v, f.Errorf(pos(n), field, "a list inside a list is not a value")
	}
	return v, f.Errorf(pos(n), field, "unsupported value")
}

func pos(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: ...") into an
// *Error with the line.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: name, Msg: msg, Err: err}
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		e.Pos = Pos{Line: line}
		e.Msg = strings.TrimSpace(strings.TrimPrefix(msg, fmt.Sprintf("line %d:", line)))
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		e.Msg = strings.Join(te.Errors, "; ")
	}
	return e
}
