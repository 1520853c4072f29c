package latencyproxy

import (
	"sync/atomic"
	"time"
)

// Stats is what a proxy has forwarded so far, over all its connections
// and both directions.
type Stats struct {
	// Chunks is the number of chunks written (each the bytes of one read).
	Chunks int64
	// Bytes is the number of bytes written.
	Bytes int64
	// Late is the total, over the chunks, of how long after its instant
	// (read time + delay) each began to be written; Late/Chunks is the
	// mean. It is the writer's wake-up time, plus, when the destination
	// reads more slowly than the source writes, the time a chunk waited
	// behind the ones before it.
	Late time.Duration
	// MaxLate is the largest lateness of one chunk.
	MaxLate time.Duration
}

// MeanLate returns Late/Chunks, or 0 with no chunks.
func (s Stats) MeanLate() time.Duration {
	if s.Chunks == 0 {
		return 0
	}
	return s.Late / time.Duration(s.Chunks)
}

// Stats returns what the proxy has forwarded so far.
func (p *Proxy) Stats() Stats { return p.stats.load() }

type counters struct {
	chunks, bytes, late, maxLate atomic.Int64
}

func (c *counters) add(n int, late time.Duration) {
	c.chunks.Add(1)
	c.bytes.Add(int64(n))
	c.late.Add(int64(late))
	for {
		m := c.maxLate.Load()
		if int64(late) <= m || c.maxLate.CompareAndSwap(m, int64(late)) {
			return
		}
	}
}

func (c *counters) load() Stats {
	return Stats{Chunks: c.chunks.Load(), Bytes: c.bytes.Load(), Late: time.Duration(c.late.Load()), MaxLate: time.Duration(c.maxLate.Load())}
}
