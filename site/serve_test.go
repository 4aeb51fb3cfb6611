package site_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestServeStopsWithIdleConnection: a connection opened and sent nothing
// (as a browser opens spare ones) does not keep Serve from stopping, nor
// make it fail, once its context ends.
func TestServeStopsWithIdleConnection(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>x</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- site.Serve(ctx, dir, "127.0.0.1:0", io.Discard, func(a net.Addr) { addr <- a }) }()
	conn, err := net.Dial("tcp", (<-addr).String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // accepted: a new connection, no request yet
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not stop")
	}
}
