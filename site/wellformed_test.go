package site_test

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// voidElements never have an end tag in HTML5.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// checkWellFormed fails t for every generated .html file under dir whose
// elements are not properly closed and nested, or that lacks the doctype.
// html.Parse would silently repair such pages, so this walks the tokens.
func checkWellFormed(t testing.TB, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".html" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if msg := wellFormed(data); msg != "" {
			t.Errorf("%s: %s", p, msg)
		}
		return nil
	})
}

func wellFormed(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) {
		return "does not start with <!DOCTYPE html>"
	}
	z := html.NewTokenizer(bytes.NewReader(data))
	var stack []string
	line := 1
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return z.Err().Error()
			}
			if len(stack) > 0 {
				return "unclosed elements at end of file: " + strings.Join(stack, " > ")
			}
			return ""
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				return "line " + itoa(line) + ": </" + string(name) + "> closes " + strings.Join(stack, " > ")
			}
			stack = stack[:len(stack)-1]
		}
		line += bytes.Count(raw, []byte("\n"))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWellFormedDetects(t *testing.T) {
	for _, bad := range []string{
		"<!DOCTYPE html><html><body><div></body></html>",
		"<!DOCTYPE html><html><body><p><b></p></b></body></html>",
		"<html></html>",
	} {
		if wellFormed([]byte(bad)) == "" {
			t.Errorf("accepted %q", bad)
		}
	}
	if msg := wellFormed([]byte("<!DOCTYPE html><html><head><meta charset=utf-8></head><body><br><p>x</p></body></html>")); msg != "" {
		t.Errorf("rejected a good page: %s", msg)
	}
}
