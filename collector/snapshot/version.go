package snapshot

import (
	"runtime/debug"
	"strings"
)

// version is stamped at build time:
//
//	go build -ldflags "-X github.com/lineup-dev/lineup/collector/snapshot.version=v1.2.3 \
//	  -X github.com/lineup-dev/lineup/collector/snapshot.revision=$(git rev-parse HEAD)"
//
// The revision is stamped too because builds with -buildvcs=false (or from
// a source archive) record none in the build info.
var version, revision string

// BuildInfo describes the running lineup binary.
type BuildInfo struct {
	Version   string
	Revision  string
	Modified  bool
	GoVersion string
}

// ToolVersion reports the version stamped into the binary, else the module
// version from the build info, else "devel"; and the VCS revision when the
// build recorded one.
func ToolVersion() BuildInfo {
	bi := BuildInfo{Version: version, Revision: revision}
	info, ok := debug.ReadBuildInfo()
	if ok {
		bi.GoVersion = info.GoVersion
		if bi.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			bi.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if bi.Revision == "" {
					bi.Revision = s.Value
				}
			case "vcs.modified":
				bi.Modified = s.Value == "true"
			}
		}
	}
	if bi.Version == "" {
		bi.Version = "devel"
	}
	bi.Version = strings.TrimSpace(bi.Version)
	return bi
}

// ThisTool is the Tool record lineup writes into what it produces.
func ThisTool() Tool { return Tool{Name: "lineup", Version: ToolVersion().Version} }
