package latencyproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

const (
	// chunkSize is the most bytes one read takes, hence one chunk holds.
	chunkSize = 32 << 10
	// queueLen is the most chunks in flight in one direction: the
	// reader blocks while the queue is full. It bounds a direction's
	// throughput to queueLen*chunkSize bytes per delay (8 MiB per delay).
	queueLen = 256
)

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, chunkSize)
	return &b
}}

// chunk is the bytes of one read, or the end of the stream (buf nil), and
// the instant they are due at the other side.
type chunk struct {
	buf *[]byte // from bufPool; nil at the end of the stream
	n   int
	due time.Time
	// eof, at the end of the stream, tells a clean end (the source
	// half-closed or closed: the destination is half-closed in turn)
	// from an error (both connections are reset).
	eof bool
}

// direction forwards the bytes of src to dst, each chunk delay after it
// was read: its reader goroutine stamps chunks into the queue, its writer
// goroutine writes each at its instant.
type direction struct {
	src, dst *net.TCPConn
	delay    time.Duration
	queue    chan chunk
	w        *waiter
	stats    *counters
	abort    func() // resets the whole link
}

func newDirection(src, dst *net.TCPConn, delay time.Duration, stats *counters, abort func()) (*direction, error) {
	w, err := newWaiter()
	if err != nil {
		return nil, err
	}
	return &direction{src: src, dst: dst, delay: delay, queue: make(chan chunk, queueLen), w: w, stats: stats, abort: abort}, nil
}

// read reads src until end of stream or error, queueing each read's bytes
// and then the end marker; it closes the queue when done.
func (d *direction) read() {
	defer close(d.queue)
	for {
		bp := bufPool.Get().(*[]byte)
		n, err := d.src.Read(*bp)
		due := time.Now().Add(d.delay)
		if n > 0 {
			d.queue <- chunk{buf: bp, n: n, due: due}
		} else {
			bufPool.Put(bp)
		}
		if err != nil {
			d.queue <- chunk{due: due, eof: errors.Is(err, io.EOF)}
			return
		}
	}
}

// write delivers the queue's chunks in order, each at its instant. After
// a failure it resets the link and drains the queue without writing, so
// that the reader never blocks on a full queue.
func (d *direction) write() {
	failed := false
	for c := range d.queue {
		if !failed && !d.deliver(c) {
			failed = true
			d.abort()
		}
		if c.buf != nil {
			bufPool.Put(c.buf)
		}
	}
}

// deliver waits for c's instant and writes it; it reports whether the
// stream goes on (false after an error, or at an error's end marker).
func (d *direction) deliver(c chunk) bool {
	if err := d.w.waitUntil(c.due); err != nil {
		return false
	}
	if c.buf == nil {
		return c.eof && d.dst.CloseWrite() == nil
	}
	d.stats.add(c.n, time.Since(c.due))
	_, err := d.dst.Write((*c.buf)[:c.n])
	return err == nil
}
