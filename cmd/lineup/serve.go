package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lineup-dev/lineup/site"
)

func serveCommand() command {
	return command{
		Name:  "serve",
		Short: "serve the built site on 127.0.0.1 for a local look",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("serve", "[-dir public] [-addr 127.0.0.1:8080]", stderr)
			dir := fs.String("dir", "public", "the built site's `dir`ectory")
			addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
			}
			return site.Serve(ctx, *dir, *addr, stdout, nil)
		},
	}
}
