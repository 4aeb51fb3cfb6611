package site

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
)

// Handler serves a built site from dir the way GitHub Pages does: files
// as they are, a directory by its index.html, and 404.html with status 404
// for anything else.
func Handler(dir string) http.Handler {
	root := os.DirFS(dir)
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		fi, err := fs.Stat(root, name)
		if err == nil && fi.IsDir() {
			_, err = fs.Stat(root, path.Join(name, "index.html"))
		}
		if err != nil {
			notFound(w, root)
			return
		}
		files.ServeHTTP(w, r)
	})
}

func notFound(w http.ResponseWriter, root fs.FS) {
	page, err := fs.ReadFile(root, "404.html")
	if err != nil {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write(page)
}

// Serve serves dir on addr until ctx ends. ready, when not nil, receives
// the address actually listened on (for ":0") before serving starts.
func Serve(ctx context.Context, dir, addr string, log io.Writer, ready func(net.Addr)) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: not a built site (run `lineup site` or `make site` first): %w", dir, errors.Join(err, fs.ErrNotExist))
	}
	if _, err := os.Stat(dir + "/index.html"); err != nil {
		return fmt.Errorf("%s has no index.html (run `lineup site` or `make site` first): %w", dir, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: Handler(dir), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(log, "serving %s at http://%s/ (Ctrl+C to stop)\n", dir, ln.Addr())
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// Requests in flight get shutdownGrace to finish; then what is
		// left is closed. A connection opened but sent nothing (a browser
		// opens spare ones ahead of need) counts as busy for its first 5
		// s, and Shutdown alone waited for it: a stop that failed with
		// "context deadline exceeded".
		shut, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(shut); !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return srv.Close()
	}
}

// shutdownGrace is how long Serve lets requests in flight finish.
const shutdownGrace = 2 * time.Second
