package site_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/site"
)

// The handler serves like GitHub Pages: files, directories by their
// index.html, and 404.html with status 404 for anything else.
func TestHandler(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "models", "m"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "empty"), 0o755))
	for f, body := range map[string]string{"index.html": "front", "404.html": "not here", "models/m/index.html": "model m", "data/x.csv": "model,tp\n"} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, f), []byte(body), 0o644))
	}
	srv := httptest.NewServer(site.Handler(dir))
	defer srv.Close()
	tests := []struct {
		path, body, ctype string
		code              int
	}{
		{"/", "front", "text/html", 200},
		{"/models/m/", "model m", "text/html", 200},
		{"/data/x.csv", "model,tp\n", "text/csv", 200},
		{"/nope.html", "not here", "text/html", 404},
		{"/empty/", "not here", "text/html", 404},
		{"/../../etc/passwd", "not here", "text/html", 404},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || string(body) != tt.body || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
			t.Errorf("GET %s = %d %q (%s), want %d %q (%s)", tt.path, resp.StatusCode, body, resp.Header.Get("Content-Type"), tt.code, tt.body, tt.ctype)
		}
	}
}
