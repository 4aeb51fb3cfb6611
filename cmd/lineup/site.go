package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
)

func siteCommand() command {
	return command{
		Name:  "site",
		Short: "render the snapshots into a static website",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("site", "[-content DIR] [-out DIR] [-front ID]", stderr)
			opts := site.Options{Version: snapshot.ToolVersion().Version}
			fs.StringVar(&opts.ContentDir, "content", "content", "`dir`ectory holding models.yaml, site.yaml and snapshots/")
			fs.StringVar(&opts.OutDir, "out", "public", "output `dir`ectory")
			fs.StringVar(&opts.TemplatesDir, "templates", "", "read templates from `dir` instead of the built-in ones")
			fs.StringVar(&opts.StaticDir, "static", "", "read assets from `dir` instead of the built-in ones")
			fs.StringVar(&opts.Front, "front", "", "snapshot `id` for the front page (default: site.yaml's front_snapshot, else the newest)")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
			}
			res, err := site.Build(ctx, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %d files to %s (front page: snapshot %s)\nopen %s\n",
				len(res.Files), opts.OutDir, res.Front.ID, filepath.Join(opts.OutDir, "index.html"))
			return nil
		},
	}
}
