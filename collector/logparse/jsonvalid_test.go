package logparse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidJSON: validJSON agrees with json.Valid on the stats.json
// fixtures and on each way a document can be broken.
func TestValidJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "stats_*.json"))
	if len(files) < 4 {
		t.Fatalf("fixtures: %v", files)
	}
	var docs []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
		for _, cut := range []int{1, len(data) / 2, len(data) - 2} {
			docs = append(docs, string(data[:cut])) // truncated
		}
	}
	docs = append(docs,
		``, ` `, `0`, `-0`, `-`, `01`, `1.`, `.5`, `1e`, `1e+`, `1E-7`, `1.5e3`, `1-2`, `+1`, `0x10`, `1 2`,
		`"a"`, `"`, `"\u00e9\ud83d\udd0d"`, `"\u12g4"`, `"\u123"`, `"\x"`, `"\/\b\f\n\r\t\"\\"`, "\"tab\there\"", "\"\xff\xfe\"",
		`true`, `tru`, `truex`, `null`, `nul`, `false`, `False`,
		`[]`, `[`, `]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`, ` [ 1 , [ ] , { } ] `,
		`{}`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{a:1}`, `{"a":1}`, `{"a" : {"b" : [null]}}`, `{1:2}`,
		"[\n\t{\"name\": \"x\"}\r\n]", `[1]x`, `[1]]`, `{"a":1}}`,
		strings.Repeat("[", maxJSONDepth)+strings.Repeat("]", maxJSONDepth),
		strings.Repeat("[", maxJSONDepth+1)+strings.Repeat("]", maxJSONDepth+1),
		strings.Repeat(`{"a":`, maxJSONDepth)+"1"+strings.Repeat("}", maxJSONDepth),
		strings.Repeat(`{"a":`, maxJSONDepth+1)+"1"+strings.Repeat("}", maxJSONDepth+1),
	)
	valid := 0
	for _, d := range docs {
		want := json.Valid([]byte(d))
		if got := validJSON([]byte(d)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid says %v", d, got, want)
		}
		if want {
			valid++
		}
	}
	if valid < 10 || valid > len(docs)-10 {
		t.Fatalf("%d of %d documents valid: the cases no longer test both answers", valid, len(docs))
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`[{"name": "Model call", "stats": {"prompt_tokens": {"total": 10}}}]`, `{"a":[1,-2.5e3,true,null,"\u00e9"]}`, `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", data, got, want)
		}
	})
}
