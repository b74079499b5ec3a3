package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are set at build time: make build passes
// -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

// versionString names the version, the commit it was built from and the
// toolchain. The commit comes from the build flags, else from the version
// control information go build records (absent with -buildvcs=false or
// outside a checkout), else it is unknown.
func versionString() string {
	rev, modified := commit, false
	if rev == "" {
		rev = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
		}
	}
	if modified {
		rev += "+dirty"
	}
	return fmt.Sprintf("disputes %s (commit %s, %s %s/%s)", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
