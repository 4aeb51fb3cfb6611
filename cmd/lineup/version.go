package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

func versionCommand() command {
	return command{
		Name:  "version",
		Short: "print lineup's version and VCS revision",
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("version", "", stderr)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			v := snapshot.ToolVersion()
			fmt.Fprintf(stdout, "lineup %s", v.Version)
			if v.Revision != "" {
				fmt.Fprintf(stdout, " (%s", v.Revision)
				if v.Modified {
					fmt.Fprint(stdout, ", modified")
				}
				fmt.Fprint(stdout, ")")
			}
			fmt.Fprintf(stdout, " %s\n", v.GoVersion)
			return nil
		},
	}
}
