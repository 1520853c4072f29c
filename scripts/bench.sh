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
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh
exec go run ./internal/bench/cmd/bench "$@"
