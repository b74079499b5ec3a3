#!/usr/bin/env bash
# fuzz-smoke.sh runs every fuzz target of the module for a short time each and
# fails if any of them fails. Targets are found with `go test -list '^Fuzz'`,
# so new ones join without editing this script.
#
#   FUZZTIME          how long each target fuzzes (default 5s)
#   FUZZMINIMIZETIME  how long a failing input is minimized (default 10s)
#   FUZZPKGS          packages to search (default ./...)
#
# A failing input is written to the package's testdata/fuzz/<Target>/
# directory; `go test -run '<Target>/<file>' <package>` replays it, and
# committing it keeps it in every `go test` run from then on.
#
# Go 1.26's fuzzing coordinator can fail a target with a bare "context
# deadline exceeded" at the end of -fuzztime, having found nothing, when a
# worker is slow to stop on a loaded machine (golang/go#75804, fixed in Go
# 1.27). A target that fails that way, with no failing input written, is run
# once more; any other failure, or a second one, fails the run.
set -euo pipefail

cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-5s}"
minimize="${FUZZMINIMIZETIME:-10s}"
read -r -a pkgs <<<"${FUZZPKGS:-./...}"

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# fuzz_one PKG TARGET: fuzzes one target, its output shown and kept in $out.
fuzz_one() {
	go test -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "$1" 2>&1 | tee "$out"
	return "${PIPESTATUS[0]}"
}

failed=()
ran=0
for pkg in $(go list "${pkgs[@]}"); do
	if ! targets=$(go test -list '^Fuzz' "$pkg"); then
		echo "fuzz-smoke: cannot list the tests of $pkg" >&2
		echo "$targets" >&2
		failed+=("$pkg (build)")
		continue
	fi
	for target in $(grep '^Fuzz' <<<"$targets" || true); do
		echo "fuzz-smoke: $pkg $target for $fuzztime"
		ran=$((ran + 1))
		if ! fuzz_one "$pkg" "$target"; then
			if grep -q 'Failing input written to' "$out" || ! grep -qx '    context deadline exceeded' "$out"; then
				failed+=("$pkg $target")
				continue
			fi
			echo "fuzz-smoke: $pkg $target stopped with Go's deadline race and no failing input; running it once more"
			if ! fuzz_one "$pkg" "$target"; then
				failed+=("$pkg $target")
			fi
		fi
	done
done

if [ "$ran" -eq 0 ]; then
	echo "fuzz-smoke: no fuzz targets found" >&2
	exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
	echo "fuzz-smoke: ${#failed[@]} of $ran targets failed:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz-smoke: all $ran targets passed"
