// Package latencyproxy is a loopback TCP proxy that delays the data of
// each direction by a fixed amount, to stand for the network between an
// application and its database in benchmarks.
//
// Every chunk of bytes the proxy reads from one side at instant t is
// written to the other side at t+delay, in order. Chunks are pipelined: a
// reader and a writer goroutine per direction share a queue of
// timestamped chunks, so the delay adds latency without bounding
// throughput (up to queueLen chunks of at most chunkSize bytes are in
// flight per direction). End of stream travels like data: a side that
// half-closes its connection is seen half-closed by the other side delay
// later; a read or write error resets both sides of the connection.
//
// Connecting to the proxy is not delayed: the proxy accepts at once and
// dials the target then; only the bytes that follow are delayed.
//
// On Linux the delay is kept with a timerfd, so that it holds below the
// millisecond (Go's timers sleep at least about a millisecond there when
// the process is otherwise idle); elsewhere with a time.Timer, which
// rounds sub-millisecond delays up to the platform's timer granularity.
// Either way a chunk is written a little after its instant, by the time
// the goroutine takes to wake up; Stats reports by how much.
package latencyproxy
