#!/usr/bin/env bash
# Runs every fuzz target in the module for the given time each (default 60s).
#
# Go's fuzzing coordinator (go1.26) can fail a target with a bare "context
# deadline exceeded" at the -fuzztime boundary when the machine is busy,
# with no failing input (golang/go#75804, fixed in go1.27). Such a run is
# retried once; a run that writes a failing input, or fails any other way,
# fails at once.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-60s}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# fuzz PKG DIR TARGET: one run; 0 passed, 1 failed, 2 the coordinator's
# deadline race (failed with no failing input written).
fuzz() {
	local before after
	before=$(ls "$2/testdata/fuzz/$3" 2>/dev/null | wc -l)
	if go test -run='^$' -fuzz="^$3\$" -fuzztime="$t" "$1" 2>&1 | tee "$log"; then
		return 0
	fi
	after=$(ls "$2/testdata/fuzz/$3" 2>/dev/null | wc -l)
	if [ "$after" -eq "$before" ] && grep -q 'context deadline exceeded' "$log" &&
		! grep -q 'Failing input written' "$log"; then
		return 2
	fi
	return 1
}

for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
		echo "== $pkg $f ($t)"
		rc=0
		fuzz "$pkg" "$dir" "$f" || rc=$?
		if [ "$rc" -eq 2 ]; then
			echo "== $f: context deadline exceeded with no failing input (golang/go#75804); running it once more"
			rc=0
			fuzz "$pkg" "$dir" "$f" || rc=$?
		fi
		[ "$rc" -eq 0 ] || { echo "== $f failed" >&2; exit 1; }
	done
done
