package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The version and revision stamped with -ldflags -X (as make build and make
// release do) are what `lineup version` prints.
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "lineup")
	const pkg = "github.com/lineup-dev/lineup/collector/snapshot"
	build := exec.Command("go", "build", "-o", bin, "-ldflags",
		"-X "+pkg+".version=v9.8.7 -X "+pkg+".revision=0123456789abcdef", ".")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("lineup version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "lineup v9.8.7 (0123456789abcdef") {
		t.Errorf("lineup version printed %q", out)
	}
}
