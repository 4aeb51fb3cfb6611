// Command synthtree writes a synthetic results tree for `make bench`.
//
//	go run ./collector/internal/synthtree/cmd/synthtree -out DIR -runs 2000 -lines 400
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lineup-dev/lineup/collector/internal/synthtree"
)

func main() {
	out := flag.String("out", "", "directory to write the tree into (required)")
	runs := flag.Int("runs", 2000, "number of runs")
	lines := flag.Int("lines", 400, "stats lines per run")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" || *runs < 1 || *lines < 1 {
		fmt.Fprintln(os.Stderr, "usage: synthtree -out DIR [-runs N] [-lines N] [-seed N]")
		os.Exit(2)
	}
	if err := synthtree.Generate(*out, *runs, *lines, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synthtree:", err)
		os.Exit(1)
	}
}
