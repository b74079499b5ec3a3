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

// buildCommit is the commit the binary was built from: the build flags'
// commit, else the version control information go build records (absent
// with -buildvcs=false or outside a checkout, then "unknown"), with
// "+dirty" when the checkout had changes.
func buildCommit() string {
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
	return rev
}

// versionString names the version, the commit it was built from and the
// toolchain.
func versionString() string {
	return fmt.Sprintf("disputes %s (commit %s, %s %s/%s)", version, buildCommit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
