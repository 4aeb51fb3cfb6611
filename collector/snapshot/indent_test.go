package snapshot

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAppendIndent(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`{"a":[]}`, "{\n  \"a\": []\n}"},
		{`{"a":[1,2.5,"x,]","\"[",null,true]}`, "{\n  \"a\": [1, 2.5, \"x,]\", \"\\\"[\", null, true]\n}"},
		{`{"a":[{"b":1},{"c":[1]}]}`, "{\n  \"a\": [\n    {\n      \"b\": 1\n    },\n    {\n      \"c\": [1]\n    }\n  ]\n}"},
		{`[[1],[2]]`, "[\n  [1],\n  [2]\n]"},
		{`{"k:,{":"v]"}`, "{\n  \"k:,{\": \"v]\"\n}"},
	}
	for _, tt := range tests {
		if got := string(appendIndent(nil, []byte(tt.in), "")); got != tt.want {
			t.Errorf("appendIndent(%s) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
	// with a prefix, every line but the first carries it
	if got, want := string(appendIndent(nil, []byte(`{"a":{"b":[1,2]}}`), "    ")), "{\n      \"a\": {\n        \"b\": [1, 2]\n      }\n    }"; got != want {
		t.Errorf("with prefix:\n%s\nwant\n%s", got, want)
	}
}

// Whatever compact JSON appendIndent is given, its output is JSON that
// compacts back to it, and with no array of scalars it is json.Indent's.
func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c\"]"}],"d":[]}`, `[["x"],[]]`, `"s"`, `{"timeline":{"t":[0,1]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var compact bytes.Buffer
		if json.Compact(&compact, data) != nil {
			return
		}
		src := compact.Bytes()
		out := appendIndent(nil, src, "  ")
		var back bytes.Buffer
		if err := json.Compact(&back, out); err != nil {
			t.Fatalf("appendIndent(%s) is not JSON: %v\n%s", src, err, out)
		}
		if !bytes.Equal(back.Bytes(), src) {
			t.Fatalf("appendIndent(%s) compacts to %s", src, back.Bytes())
		}
		if !bytes.ContainsAny(src, "[") {
			var want bytes.Buffer
			json.Indent(&want, src, "  ", "  ")
			if !bytes.Equal(out, want.Bytes()) {
				t.Fatalf("appendIndent(%s) =\n%s\njson.Indent gives\n%s", src, out, want.Bytes())
			}
		}
	})
}
