package main

// The README's commands cannot go stale: TestREADME takes every command from
// README.md (each line of its sh/bash code blocks, and the inline code spans
// of the prose that start with lineup, make, go or bash) and checks that
//
//   - `lineup CMD ...` names a subcommand and only flags that `lineup CMD -h`
//     lists (run in-process);
//   - `make TARGET ... VAR=value` names targets that `make help` lists or
//     `make -n` accepts, and variables the Makefile uses;
//   - every repository path it names exists (user paths such as data/,
//     generated ones such as public/ and placeholders such as <id> or PKG
//     aside; a run directory under data/ must be one that a dry run in the
//     README prints);
//   - every relative link of the README resolves, and every #anchor names
//     a heading;
//
// and runs, from the repository root, the code-block commands that are safe
// and cheap: `lineup launch ... -dry-run`, `lineup diff`, `lineup budget`
// and `lineup version`.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeCommand is one command line of the README.
type readmeCommand struct {
	line  int
	text  string
	words []string
	// block is set for commands in a code block, which are run when safe.
	block bool
}

var inlineCode = regexp.MustCompile("`([^`]+)`")

// readmeCommands extracts the commands of a markdown document.
func readmeCommands(md string) ([]readmeCommand, error) {
	var out []readmeCommand
	var fence string // the info string of the open code block, or ""
	inFence := false
	var cont strings.Builder
	contLine := 0
	sc := bufio.NewScanner(strings.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			inFence = !inFence
			fence = strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
			continue
		}
		if inFence {
			if fence != "sh" && fence != "bash" && fence != "shell" && fence != "console" {
				continue
			}
			if cont.Len() == 0 {
				contLine = n
			}
			text := strings.TrimPrefix(trimmed, "$ ")
			if strings.HasSuffix(text, "\\") {
				cont.WriteString(strings.TrimSuffix(text, "\\") + " ")
				continue
			}
			cont.WriteString(text)
			text = cont.String()
			cont.Reset()
			words, err := shellWords(text)
			if err != nil {
				return nil, fmt.Errorf("README.md:%d: %w", contLine, err)
			}
			if len(words) > 0 {
				out = append(out, readmeCommand{line: contLine, text: text, words: words, block: true})
			}
			continue
		}
		for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
			words, err := shellWords(m[1])
			if err != nil || len(words) < 2 {
				continue // prose code such as `'` or `-echarts ''` alone
			}
			switch words[0] {
			case "lineup", "make", "go", "bash":
				out = append(out, readmeCommand{line: n, text: m[1], words: words})
			}
		}
	}
	if inFence {
		return nil, errors.New("README.md: a code block is not closed")
	}
	return out, nil
}

// shellWords splits a command line as sh does for the simple commands of a
// README: words separated by blanks, '...' and "..." quoting, a backslash
// escaping the next character, and a # at the start of a word beginning a
// comment. It refuses what it does not handle ($(...), pipes, ;, &&).
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("%q: unterminated '", s)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("%q: unterminated \"", s)
			}
			q := s[i+1 : i+1+j]
			if strings.ContainsAny(q, "$`\\") {
				return nil, fmt.Errorf("%q: expansion inside double quotes", s)
			}
			w.WriteString(q)
			i += j + 1
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("%q: trailing backslash", s)
			}
			i++
			w.WriteByte(s[i])
			inWord = true
		case strings.IndexByte("|;&()`$", c) >= 0:
			return nil, fmt.Errorf("%q: %q is more shell than a README command should need", s, c)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// readmeChecker holds what the commands are checked against.
type readmeChecker struct {
	repo     string
	flags    map[string][]string // lineup subcommand -> its flags
	targets  []string            // make help's targets
	makefile string
	// runDirs are the run directories the README's dry runs print.
	runDirs string
}

func newReadmeChecker(t *testing.T, repo string) *readmeChecker {
	t.Helper()
	c := &readmeChecker{repo: repo, flags: map[string][]string{}}
	flagLine := regexp.MustCompile(`(?m)^\s+-([A-Za-z0-9][A-Za-z0-9-]*)`)
	for _, cmd := range commands() {
		c.flags[cmd.Name] = []string{}
		_, usage, code := lineupCmd(cmd.Name, "-h")
		if code != 0 {
			t.Fatalf("lineup %s -h: exit %d\n%s", cmd.Name, code, usage)
		}
		for _, m := range flagLine.FindAllStringSubmatch(usage, -1) {
			c.flags[cmd.Name] = append(c.flags[cmd.Name], m[1])
		}
	}
	mk, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	c.makefile = string(mk)
	if _, err := exec.LookPath("make"); err == nil {
		cmd := exec.Command("make", "--no-print-directory", "help")
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make help: %v\n%s", err, out)
		}
		for l := range strings.SplitSeq(string(out), "\n") {
			if name, _, ok := strings.Cut(l, "\t"); ok {
				c.targets = append(c.targets, name)
			}
		}
	}
	return c
}

// userPaths are path roots that belong to the user's results or to build
// output, not to the repository.
var userPaths = []string{"data", "public", "dist", "bin", "node_modules", "results"}

// fileLike is a word that names a file by its extension.
var fileLike = regexp.MustCompile(`\.(yaml|yml|json|md|sh|go|csv|txt|html|tmpl|js|css)$`)

// placeholder reports whether a word stands for something the reader
// fills in: <id>, $VAR, PKG, FILE, ...
var placeholderSegment = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

func isPlaceholder(w string) bool {
	if strings.ContainsAny(w, "<>$*{}") {
		return true
	}
	for seg := range strings.SplitSeq(w, "/") {
		if placeholderSegment.MatchString(seg) {
			return true
		}
	}
	return false
}

// check returns what is wrong with one command.
func (c *readmeChecker) check(cmd readmeCommand) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("README.md:%d: %s: %s", cmd.line, cmd.text, fmt.Sprintf(format, args...)))
	}
	words := make([]string, len(cmd.words))
	for i, w := range cmd.words {
		words[i] = strings.Trim(w, "[]")
	}
	switch words[0] {
	case "lineup":
		sub := words[1]
		if isPlaceholder(sub) || sub == "-h" || sub == "help" {
			break
		}
		flags, ok := c.flags[sub]
		if !ok {
			bad("no subcommand %q", sub)
			break
		}
		for _, w := range words[2:] {
			if !strings.HasPrefix(w, "-") || len(w) < 2 || w[1] >= '0' && w[1] <= '9' {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if name != "h" && name != "help" && !slices.Contains(flags, name) {
				bad("`lineup %s -h` lists no flag -%s", sub, name)
			}
		}
	case "make":
		for _, w := range words[1:] {
			if strings.HasPrefix(w, "-") {
				continue
			}
			if name, _, ok := strings.Cut(w, "="); ok {
				if !strings.Contains(c.makefile, "$("+name+")") {
					bad("the Makefile does not use the variable %s", name)
				}
				continue
			}
			if c.targets == nil {
				continue // no make here: the targets are checked where it is
			}
			if !slices.Contains(c.targets, w) {
				mk := exec.Command("make", "-n", w)
				mk.Dir = c.repo
				if out, err := mk.CombinedOutput(); err != nil {
					bad("`make help` does not list %q and `make -n %s` fails: %v\n%s", w, w, err, out)
				}
			}
		}
	case "go":
		if len(words) >= 3 && words[1] == "install" {
			pkg, _, _ := strings.Cut(words[2], "@")
			rel, ok := strings.CutPrefix(pkg, "github.com/lineup-dev/lineup/")
			if !ok {
				bad("installs %s, not a package of this module", pkg)
			} else if _, err := os.Stat(filepath.Join(c.repo, rel, "main.go")); err != nil {
				bad("no main package at %s: %v", rel, err)
			}
		}
	}
	for _, w := range words[1:] {
		if _, v, ok := strings.Cut(w, "="); ok {
			w = v // -flag=value, VAR=value
		}
		if !strings.Contains(w, "/") || strings.Contains(w, "://") || strings.Contains(w, "...") || strings.HasPrefix(w, "github.com/") || isPlaceholder(w) {
			continue
		}
		p := filepath.Clean(w)
		root, _, _ := strings.Cut(p, string(filepath.Separator))
		if _, err := os.Stat(filepath.Join(c.repo, root)); err != nil && !fileLike.MatchString(p) && !slices.Contains(userPaths, root) {
			continue // not a path of the repository: a model id such as google/gemma-3-1b-it
		}
		if slices.Contains(userPaths, root) {
			if words[0] == "lineup" && words[1] == "explain" && !strings.Contains(c.runDirs, "/"+p+"/") {
				bad("%s is no run directory that the README's dry runs print", w)
			}
			continue
		}
		if _, err := os.Stat(filepath.Join(c.repo, p)); err != nil {
			bad("names %s, which is not in the repository", w)
		}
	}
	return errs
}

// safeToRun says whether a code-block command only reads the repository.
func safeToRun(cmd readmeCommand) bool {
	w := cmd.words
	if !cmd.block || w[0] != "lineup" || len(w) < 2 || slices.ContainsFunc(w, isPlaceholder) {
		return false
	}
	switch w[1] {
	case "diff", "budget", "version":
		return true
	case "launch":
		return slices.Contains(w, "-dry-run")
	}
	return false
}

func TestREADME(t *testing.T) {
	repo, err := filepath.Abs(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := readmeCommands(string(md))
	if err != nil {
		t.Fatal(err)
	}
	c := newReadmeChecker(t, repo)
	if c.targets == nil {
		t.Log("NO make ON PATH: the README's make targets are not checked")
	}

	// The first screen's two commands stay.
	for _, want := range []string{"make site", "make test"} {
		if !slices.ContainsFunc(cmds, func(c readmeCommand) bool { return c.block && strings.Join(c.words, " ") == want }) {
			t.Errorf("README.md has no code-block command %q", want)
		}
	}

	// Run the safe ones first, from the repository root: their dry runs
	// say which run directories the README may name.
	t.Chdir(repo)
	ran := 0
	for _, cmd := range cmds {
		if !safeToRun(cmd) {
			continue
		}
		var before []string
		for _, p := range userPaths {
			if _, err := os.Stat(p); err == nil {
				before = append(before, p)
			}
		}
		out, errOut, code := lineupCmd(cmd.words[1:]...)
		if code != 0 {
			t.Errorf("README.md:%d: %s: exit %d\n%s%s", cmd.line, cmd.text, code, out, errOut)
		}
		if strings.TrimSpace(out) == "" {
			t.Errorf("README.md:%d: %s: printed nothing", cmd.line, cmd.text)
		}
		for _, p := range userPaths {
			if _, err := os.Stat(p); err == nil && !slices.Contains(before, p) {
				t.Errorf("README.md:%d: %s: created %s", cmd.line, cmd.text, p)
				os.RemoveAll(p)
			}
		}
		if cmd.words[1] == "launch" {
			c.runDirs += out
		}
		ran++
	}
	if ran == 0 {
		t.Error("no README command was safe to run: the README test proves little")
	}
	t.Logf("%d README commands checked, %d of them run", len(cmds), ran)

	for _, cmd := range cmds {
		for _, err := range c.check(cmd) {
			t.Error(err)
		}
	}
	for _, err := range checkLinks(string(md), repo) {
		t.Error(err)
	}
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
)

// anchor is GitHub's id for a heading: lower case, punctuation dropped,
// spaces as hyphens.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ' || r == '-':
			b.WriteRune('-')
		case r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkLinks checks the README's relative links and #anchors.
func checkLinks(md, repo string) []error {
	anchors := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(md, -1) {
		anchors[anchor(strings.ReplaceAll(m[1], "`", ""))] = true
	}
	var errs []error
	for _, m := range mdLink.FindAllStringSubmatch(md, -1) {
		target := m[1]
		switch {
		case strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:"):
		case strings.HasPrefix(target, "#"):
			if !anchors[target[1:]] {
				errs = append(errs, fmt.Errorf("README.md links to %s, which no heading is", target))
			}
		default:
			file, _, _ := strings.Cut(target, "#")
			if _, err := os.Stat(filepath.Join(repo, file)); err != nil {
				errs = append(errs, fmt.Errorf("README.md links to %s: %w", target, err))
			}
		}
	}
	return errs
}

// TestREADMECheckerCatches feeds the checker commands that went stale.
func TestREADMECheckerCatches(t *testing.T) {
	repo, err := filepath.Abs(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	c := newReadmeChecker(t, repo)
	c.runDirs = "sbatch --output=/x/data/exp/m/tp1-pp1-dp1/spec_none/mns_256/inference/slurm_logs/%j.out\n"
	for _, tc := range []struct {
		text, want string
		needMake   bool
	}{
		{"lineup lanch -config sweep.yaml", `no subcommand "lanch"`, false},
		{"lineup launch -conf sweep.yaml", "lists no flag -conf", false},
		{"lineup diff --treshold=5 a b", "lists no flag -treshold", false},
		{"lineup launch -config launcher/examples/huge.yaml -dry-run", "not in the repository", false},
		{"lineup launch -config lancher/examples/small.yaml -dry-run", "not in the repository", false},
		{"make launch CONFIG=launcher/examples/huge.yaml", "not in the repository", false},
		{"lineup explain data/exp/m/tp2-pp1-dp1/spec_none/mns_256", "no run directory", false},
		{"go install github.com/lineup-dev/lineup/cmd/lineupd@latest", "no main package", false},
		{"go install github.com/other/tool@latest", "not a package of this module", false},
		{"make lauch CONFIG=x.yaml", `does not list "lauch"`, true},
		{"make launch CONFG=x.yaml", "does not use the variable CONFG", false},
	} {
		if tc.needMake && c.targets == nil {
			continue
		}
		words, err := shellWords(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		errs := c.check(readmeCommand{line: 1, text: tc.text, words: words, block: true})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("%s: errors %v, want one saying %q", tc.text, errs, tc.want)
		}
	}
	// And commands that are fine pass.
	for _, text := range []string{
		"lineup launch -config launcher/examples/small.yaml -dry-run",
		"lineup explain data/exp/m/tp1-pp1-dp1/spec_none/mns_256",
		"lineup serve [-dir public] [-addr 127.0.0.1:8080]",
		"lineup diff -format=json OLD NEW",
		"go test ./PKG -update",
		"make launch CONFIG=sweep.yaml DRY=1",
		"lineup budget -tokens 10B -hours 24 -model google/gemma-3-1b-it",
		"lineup version",
	} {
		words, _ := shellWords(text)
		if errs := c.check(readmeCommand{line: 1, text: text, words: words}); len(errs) > 0 {
			t.Errorf("%s: %v", text, errs)
		}
	}
}

func TestReadmeCommandsParse(t *testing.T) {
	md := "# T\n\nRun `lineup version` or `make site BASE_URL=https://<o>.github.io/<r>/`, not `-echarts ''`.\n\n" +
		"```sh\nmake site    # builds\nlineup launch -config 'my sweep.yaml' \\\n    -dry-run\n$ lineup status -json\n```\n\n" +
		"```yaml\nlineup: not a command\n```\n"
	cmds, err := readmeCommands(md)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, fmt.Sprintf("%d %t %q", c.line, c.block, c.words))
	}
	want := []string{
		`3 false ["lineup" "version"]`,
		`3 false ["make" "site" "BASE_URL=https://<o>.github.io/<r>/"]`,
		`6 true ["make" "site"]`,
		`7 true ["lineup" "launch" "-config" "my sweep.yaml" "-dry-run"]`,
		`9 true ["lineup" "status" "-json"]`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, bad := range []string{"```sh\nlineup site | tee x\n```\n", "```sh\necho 'open\n```\n", "```sh\nmake site\n"} {
		if _, err := readmeCommands(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzShellWords: the splitter never panics, and what it splits into words
// without blanks or quotes joins back to the same words.
func FuzzShellWords(f *testing.F) {
	for _, s := range []string{"make site", `lineup launch -config 'a b.yaml' -dry-run # c`, `x "y z" \q`, "a | b", "'", `"$(x)"`, "make test\t\t# go vet"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := shellWords(s)
		if err != nil {
			return
		}
		for _, w := range words {
			if w == "" || strings.ContainsAny(w, " \t'\"\\#|;&()`$") {
				return
			}
		}
		again, err := shellWords(strings.Join(words, " "))
		if err != nil || !slices.Equal(again, words) {
			t.Errorf("%q -> %q -> %q (%v)", s, words, again, err)
		}
	})
}
