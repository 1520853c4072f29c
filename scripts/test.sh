#!/usr/bin/env bash
# The test command: starts what the tests need (scripts/services.sh: private
# Postgres, standby, Redis and Redis Cluster servers unless TEST_* variables
# name running ones; stopped at the end unless ANALYTICS_KEEP_SERVICES=1),
# then runs every test with the race detector against them. Integration tests that
# would skip for want of a service fail instead (ANALYTICS_REQUIRE_SERVICES),
# and the summary fails the run if any test was skipped at all. Then each
# fuzz target runs for a second beyond its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$unformatted" ] || { echo "gofmt would change: $unformatted" >&2; exit 1; }

# The services start on a bare machine: the check starts a private set in an
# empty environment and stops it (ANALYTICS_BARE_CHECK=0 skips it).
[ "${ANALYTICS_BARE_CHECK:-1}" = 0 ] || ./scripts/bare-machine-check.sh

. scripts/services.sh
trap services_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
services_start test postgres replica redis cluster
. scripts/chromium.sh # the browser test of examples/httpapi
export ANALYTICS_REQUIRE_SERVICES=1

go build -o /tmp/analytics-testreport ./internal/testreport
set +e
go test -race -count=1 -timeout 20m -json "$@" ./... | /tmp/analytics-testreport -fail-on-skip
statuses=("${PIPESTATUS[@]}") # read both at once: any command resets PIPESTATUS
status=${statuses[0]}
report=${statuses[1]}
set -e
[ "$report" -eq 0 ] || exit "$report"
[ "$status" -eq 0 ] || exit "$status"

# Then every fuzz target beyond its seed corpus, for a short bounded time
# each: FUZZTIME_TEST, default 1s; 0 skips them (make fuzz runs them longer).
fuzztime="${FUZZTIME_TEST:-1s}"
[ "$fuzztime" = 0 ] || ./scripts/fuzz.sh "$fuzztime"
