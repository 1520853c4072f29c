// Package bench is the performance harness behind `make bench`: it loads
// synthetic datasets (internal/synth) into Postgres and measures, in one
// run, the SDK's snapshot jobs and reads against two references measured in
// the same run on the same data: the original system's query pattern (one
// query per metric family, per team and scope, in sequence; see Original)
// and the floor, one bare aggregate pass over the same raw messages.
//
// Timings on a shared machine are noisy; the harness therefore reports
// ratios between measurements of one run, each the median of several
// repetitions after a warm-up, next to the absolute times. The daily suite
// runs at each one-way network delay of Options.Latency, through
// internal/latencyproxy. The command is
// internal/bench/cmd/bench; see docs/performance.md.
package bench
