package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ErrSchema is returned (wrapped) when a document is not a snapshot this
// version of lineup can read.
var ErrSchema = errors.New("unsupported snapshot schema")

// SyntaxError locates a problem in a snapshot file.
type SyntaxError struct {
	File  string
	Line  int // 1-based; 0 when unknown
	Field string
	Msg   string
	Err   error
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// lineOf returns the 1-based line of byte offset off in data.
func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// ReadFile reads and checks the snapshot in file.
func ReadFile(file string) (*Snapshot, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return Decode(file, data)
}

// Decode parses a snapshot document, lineup.snapshot/v2 or v1 (whose only
// difference is the form of the timelines), into the current version: the
// result's Schema is SchemaV2. name is used in error messages. Unknown
// fields, a missing or other schema, and invalid values are errors.
func Decode(name string, data []byte) (*Snapshot, error) {
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(name, data, err)
	}
	switch {
	case head.Schema == nil:
		return nil, &SyntaxError{File: name, Line: 1, Field: "schema", Msg: fmt.Sprintf("missing; not a lineup snapshot (want %q)", SchemaV2), Err: ErrSchema}
	case *head.Schema != SchemaV2 && *head.Schema != SchemaV1:
		msg := fmt.Sprintf("%q is not supported: this lineup reads %q and %q", *head.Schema, SchemaV2, SchemaV1)
		if strings.HasPrefix(*head.Schema, "lineup.snapshot/") {
			msg += "; a newer lineup wrote it, upgrade lineup to read it"
		}
		return nil, &SyntaxError{File: name, Line: lineOf(data, int64(bytes.Index(data, []byte(`"schema"`)))), Field: "schema", Msg: msg, Err: ErrSchema}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		var te *TimelineError
		if errors.As(err, &te) {
			return nil, &SyntaxError{File: name, Line: lineOf(data, int64(bytes.Index(data, te.raw))), Field: "timeline", Msg: te.Msg, Err: err}
		}
		return nil, jsonError(name, data, err)
	}
	if dec.More() {
		return nil, &SyntaxError{File: name, Line: lineOf(data, dec.InputOffset()), Msg: "trailing data after the snapshot object"}
	}
	s.Schema = SchemaV2
	if err := s.Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, &SyntaxError{File: name, Field: ve.Field, Msg: ve.Msg, Err: err}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &SyntaxError{File: name, Line: lineOf(data, se.Offset), Msg: se.Error(), Err: err}
	case errors.As(err, &te):
		return &SyntaxError{File: name, Line: lineOf(data, te.Offset), Field: te.Field, Msg: fmt.Sprintf("cannot use JSON %s as %s", te.Value, te.Type), Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &SyntaxError{File: name, Line: lineOf(data, int64(len(data))), Msg: "unexpected end of file", Err: err}
	}
	// Unknown fields come as a plain error: `json: unknown field "x"`.
	msg := strings.TrimPrefix(err.Error(), "json: ")
	line := 0
	if i := strings.Index(msg, `"`); i >= 0 {
		if j := bytes.Index(data, []byte(msg[i:])); j >= 0 {
			line = lineOf(data, int64(j))
		}
	}
	return &SyntaxError{File: name, Line: line, Msg: msg, Err: err}
}

// ValidationError names the field of a snapshot that breaks a rule.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

// idPattern leaves the length to ValidID: compiling a {0,127} repetition
// unrolls it, which cost every start of the lineup binary 0.45 ms and 1,500
// allocations.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// ValidID reports whether id is a valid snapshot id: at most 128 lower-case
// letters, digits, '.', '_' and '-', starting with a letter or digit, safe
// as a file name and a URL path segment.
func ValidID(id string) bool {
	return len(id) <= 128 && idPattern.MatchString(id) && !strings.Contains(id, "..")
}

// Validate checks the rules the JSON Schema cannot express well, and the
// ones it can, so that a snapshot built in memory is checked before it is
// written.
func (s *Snapshot) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if s.Schema != SchemaV2 { // Decode returns v1 documents as v2
		return bad("schema", "must be %q", SchemaV2)
	}
	if !ValidID(s.ID) {
		return bad("id", "%q is not a valid id (lower-case letters, digits, '.', '_', '-')", s.ID)
	}
	if s.Created.IsZero() {
		return bad("created", "missing")
	}
	switch s.Source.Kind {
	case SourceCluster, SourcePublication:
	default:
		return bad("source.kind", "%q is not %q or %q", s.Source.Kind, SourceCluster, SourcePublication)
	}
	if s.Source.Kind == SourcePublication && s.Source.Citation == "" {
		return bad("source.citation", "a publication needs a citation")
	}
	if s.Environment.GPUsPerNode < 1 {
		return bad("environment.gpus_per_node", "must be at least 1")
	}
	for i, r := range s.Runs {
		f := fmt.Sprintf("runs[%d]", i)
		if r.Model == "" {
			return bad(f+".model", "missing")
		}
		if r.Config.TP < 1 || r.Config.PP < 1 {
			return bad(f+".config", "tp and pp must be at least 1 (tp=%d pp=%d)", r.Config.TP, r.Config.PP)
		}
		switch r.Status.State {
		case StateOK, StateIncomplete:
		case StateFailed:
			if r.Status.Reason == "" {
				return bad(f+".status.reason", "a failed run needs a reason")
			}
		default:
			return bad(f+".status.state", "%q is not ok, failed or incomplete", r.Status.State)
		}
		if v := r.Metrics.OutputTPSPerGPU; v != nil && *v < 0 {
			return bad(f+".metrics.output_tps_per_gpu", "negative")
		}
	}
	return nil
}

// Marshal encodes s as a lineup.snapshot/v2 document, indented by two
// spaces with arrays of scalars on one line, and a final newline.
// Encode writes the same bytes to a writer, faster on large snapshots.
func Marshal(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	if err := Encode(&buf, s, 1); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile validates s and writes it to file atomically (temporary file in
// the same directory, then rename). If exists is false and file exists, it
// fails: snapshots are immutable.
func WriteFile(file string, s *Snapshot, overwrite bool) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("snapshot %s: %w", s.ID, err)
	}
	data, err := Marshal(s)
	if err != nil {
		return err
	}
	if !overwrite {
		if _, err := os.Stat(file); err == nil {
			return fmt.Errorf("%s: %w", file, os.ErrExist)
		}
	}
	return WriteFileAtomic(file, data, 0o644)
}

// WriteFileAtomic writes data to a temporary file beside file and renames
// it into place, so a reader never sees a partial file.
func WriteFileAtomic(file string, data []byte, perm os.FileMode) error {
	return WriteAtomic(file, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic is WriteFileAtomic for content streamed by write, so that a
// large file need not be held in memory whole: write writes to a temporary
// file beside file, which is renamed into place only if write and the close
// succeed; otherwise it is removed and file is untouched.
func WriteAtomic(file string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// LoadDir reads every *.json snapshot in dir, oldest first (by Created,
// then ID). A file that fails to parse is an error naming it.
func LoadDir(dir string) ([]*Snapshot, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []*Snapshot
	seen := map[string]string{}
	for _, n := range names {
		s, err := ReadFile(n)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[s.ID]; ok {
			return nil, fmt.Errorf("%s: id %q already used by %s", n, s.ID, prev)
		}
		seen[s.ID] = n
		out = append(out, s)
	}
	Sort(out)
	return out, nil
}

// Sort orders snapshots oldest first, by Created then ID.
func Sort(ss []*Snapshot) {
	sort.SliceStable(ss, func(i, j int) bool {
		if !ss[i].Created.Equal(ss[j].Created) {
			return ss[i].Created.Before(ss[j].Created)
		}
		return ss[i].ID < ss[j].ID
	})
}
