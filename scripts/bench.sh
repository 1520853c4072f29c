#!/usr/bin/env bash
# The performance suite (docs/performance.md): starts Postgres and Redis if
# needed, then loads the synthetic datasets and prints one Markdown table of
# the SDK's jobs and reads next to the original query pattern and the raw
# floor, all measured in this run. Arguments go to the command, e.g.
#
#   ./scripts/bench.sh -reuse                # keep datasets between runs
#   ./scripts/bench.sh -suites daily -teams 100
#
# Datasets take a few minutes to load the first time (bench_* schemas,
# about 10 GB with the 10,000-team one); -reuse keeps them, -drop removes
# them after the run.
#
# When TEST_DATABASE_URL is unset or does not answer, the private Postgres
# that scripts/services.sh starts keeps its data in .cache/bench-postgres
# (ANALYTICS_BENCH_PGDATA overrides it), with normal durability, so that
# -reuse finds the datasets next time; its standby is .cache/bench-standby.
# The servers stop when the run ends; delete the directories to free the
# space.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh
trap services_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
services_start bench postgres replica redis
go run ./internal/bench/cmd/bench "$@"
