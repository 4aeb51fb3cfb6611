package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run the lineup binary in-process: scripts in
// testdata/script call it as `lineup`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lineup": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Scripts that need the bundled content copy it from here.
			env.Setenv("REPO", repoRoot(t))
			return nil
		},
	})
}

func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd + "/../.."
}
