# make test   — start Postgres and Redis if needed, run every test with -race.
# make fuzz   — run each fuzz target for FUZZTIME (default 60s).
# make bench  — the performance suite (see internal/bench/doc.go).

FUZZTIME ?= 60s
BENCHFLAGS ?= -reuse

.PHONY: test fuzz bench quickstart

test:
	./scripts/test.sh

fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

bench:
	./scripts/bench.sh $(BENCHFLAGS)

quickstart:
	go run ./examples/quickstart
