package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
)

// defaultECharts is where `npm ci` puts the ECharts build package.json pins.
const defaultECharts = "node_modules/echarts/dist/echarts.min.js"

func siteCommand() command {
	return command{
		Name:  "site",
		Short: "render the snapshots into a static website",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("site", "[-content DIR] [-out DIR] [-front ID] [-echarts FILE] [-base-url URL]", stderr)
			opts := site.Options{Version: snapshot.ToolVersion().Version}
			fs.StringVar(&opts.ContentDir, "content", "content", "`dir`ectory holding models.yaml, site.yaml, snapshots/ and *.md pages")
			fs.StringVar(&opts.OutDir, "out", "public", "output `dir`ectory")
			fs.StringVar(&opts.TemplatesDir, "templates", "", "read templates from `dir` instead of the built-in ones")
			fs.StringVar(&opts.StaticDir, "static", "", "read assets from `dir` instead of the built-in ones")
			fs.StringVar(&opts.Front, "front", "", "snapshot `id` for the front page (default: site.yaml's front_snapshot, else the newest)")
			fs.StringVar(&opts.ECharts, "echarts", defaultECharts, "minified ECharts `file` to copy into assets/ (\"\" builds without charts)")
			fs.StringVar(&opts.BaseURL, "base-url", "", "absolute `URL` the site is published at; enables sitemap.xml and a 404 page that works at any depth")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
			}
			res, err := site.Build(ctx, opts)
			if errors.Is(err, site.ErrNoECharts) {
				return fmt.Errorf("%w\nrun `npm ci` in the repository (it installs the ECharts that package.json pins), "+
					"pass -echarts FILE, or -echarts '' to build without charts", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %d files to %s (front page: snapshot %s)\nopen %s\n",
				len(res.Files), opts.OutDir, res.Front.ID, filepath.Join(opts.OutDir, "index.html"))
			return nil
		},
	}
}
