package collector

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestBenchScript runs `make bench`'s script on a tiny tree, once plainly
// and once with -against, so that a change to it (or to the commands it
// times) cannot leave it broken until someone next measures. Its timings
// mean nothing at this size: only that every figure is printed is checked.
func TestBenchScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lineup twice and runs it on a generated tree")
	}
	other := filepath.Join(t.TempDir(), "lineup-other")
	build := exec.Command("go", "build", "-o", other, "./cmd/lineup")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{"bench.sh"}, args...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	figure := `\s+[0-9]+\.[0-9]+ `
	plain := []string{
		`(?m)^tree: [0-9]+ files, [0-9]+ directories, [0-9]+ MB$`,
		`(?m)^collect / cat:\s+wall` + figure + `x\s+cpu` + figure + `x`,
		`(?m)^unchanged / cold:\s+wall` + figure + `%`,
		`(?m)^unchanged / first:\s+wall` + figure + `%`,
		`(?m)^one changed / cold:\s+wall` + figure + `%`,
		`(?m)^in turn, 1 rounds \(medians\): cat` + figure + `s, cold` + figure + `s, first` + figure + `s, unchanged` + figure + `s$`,
		`(?m)^  collect / cat:\s+median` + figure + `x\s+\(rounds: [0-9.]+\)$`,
		`(?m)^  unchanged / cold:\s+median` + figure + `%\s+\(rounds: [0-9.]+\)$`,
		`(?m)^  unchanged / first:\s+median` + figure + `%\s+\(rounds: [0-9.]+\)$`,
		`(?m)^  unchanged / cat:\s+median` + figure + `%\s+\(rounds: [0-9.]+; both targets together need <= 7.5\)$`,
	}
	against := []string{
		`(?m)^against .*lineup-other, 1 rounds in turn \(medians\): cat` + figure + `s, it` + figure + `s, this` + figure + `s$`,
		`(?m)^  unchanged re-collect, 1 rounds in turn \(medians\): it` + figure + `s, [0-9.]+ % of its cold; this` + figure + `s, [0-9.]+ %$`,
	}
	out, err := run("-runs", "10", "-lines", "20", "-reps", "1", "-against", other)
	if err != nil {
		t.Fatalf("bench.sh: %v\n%s", err, out)
	}
	for _, p := range append(plain, against...) {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("bench.sh printed no line matching %s:\n%s", p, out)
		}
	}

	out, err = run("-reps")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("bench.sh -reps with no value: err = %v, want a failure\n%s", err, out)
	}
	out, err = run("-bogus")
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !regexp.MustCompile(`usage: `).MatchString(out) {
		t.Errorf("bench.sh -bogus: err = %v, want exit 2 and the usage\n%s", err, out)
	}
}
