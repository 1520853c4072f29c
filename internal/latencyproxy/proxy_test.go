package latencyproxy

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// roundTrips times n round trips of a 64-byte message through c (an echo),
// after 20 unmeasured ones.
func roundTrips(t *testing.T, c net.Conn, n int) []time.Duration {
	t.Helper()
	msg := make([]byte, 64)
	got := make([]byte, len(msg))
	var out []time.Duration
	for i := range 20 + n {
		start := time.Now()
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if i >= 20 {
			out = append(out, time.Since(start))
		}
	}
	slices.Sort(out)
	return out
}

func median(ds []time.Duration) time.Duration { return ds[len(ds)/2] }

func meanOf(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s / time.Duration(len(ds))
}

// maxOverhead is how much more than twice the delay a round trip's median
// may add on a busy machine: the goroutines' wake-up, four copies, and the
// scheduler's noise. A sleep rounded to the millisecond (a time.Timer
// below a millisecond on Linux) adds about 2 ms and fails it.
const maxOverhead = time.Millisecond

// TestRoundTrip checks that a round trip through the proxy to an echo
// server takes twice the delay more than a direct one, within
// maxOverhead, and never less, and logs by how much it exceeds it.
func TestRoundTrip(t *testing.T) {
	addr := startServer(t, echo)
	direct := roundTrips(t, dial(t, addr), 300)
	for _, delay := range []time.Duration{0, 250 * time.Microsecond, time.Millisecond} {
		p := startProxy(t, addr, delay)
		through := roundTrips(t, dial(t, p.Addr()), 300)
		added := median(through) - median(direct)
		st := p.Stats()
		t.Logf("delay %s each way: round trip median %s (direct %s), added %s = 2×delay + %s; mean %s (direct %s); p95 %s; chunks written %s late on average (max %s)",
			delay, median(through), median(direct), added, added-2*delay, meanOf(through), meanOf(direct),
			through[len(through)*95/100], st.MeanLate(), st.MaxLate)
		if through[0] < 2*delay {
			t.Errorf("delay %s: fastest round trip %s, want at least twice the delay", delay, through[0])
		}
		if added > 2*delay+maxOverhead {
			t.Errorf("delay %s: the proxy adds %s to the median round trip, want at most 2×delay + %s", delay, added, maxOverhead)
		}
		if st.Chunks < 2*320 || st.Bytes != 2*320*64 {
			t.Errorf("delay %s: stats %+v, want at least %d chunks and %d bytes", delay, st, 2*320, 2*320*64)
		}
	}
}

// transfer writes data to c in writes of random sizes, half-closes it,
// and returns what c reads back until end of stream and how long that took.
func transfer(t *testing.T, c *net.TCPConn, data []byte, rng *rand.Rand) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(100<<10))
			if _, err := c.Write(rest[:n]); err != nil {
				t.Error(err)
				return
			}
			rest = rest[n:]
		}
		if err := c.CloseWrite(); err != nil {
			t.Error(err)
		}
	}()
	got, err := io.ReadAll(c)
	d := time.Since(start)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return got, d
}

// TestLargeTransfer sends 8 MiB through the proxy to an echo server and
// back, checking every byte and that the delay does not bound throughput:
// a proxy that waited out the delay chunk after chunk would take at least
// the delay times the chunks of one direction (256 or more, of at most 32
// KiB each), 51 s at 200 ms; the pipelined transfer must take under a
// quarter of that, however slow the machine's copying.
func TestLargeTransfer(t *testing.T) {
	const delay = 200 * time.Millisecond
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	p := startProxy(t, startServer(t, echo), delay)
	got, d := transfer(t, dial(t, p.Addr()), data, rng)
	if !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes back, want the %d sent", len(got), len(data))
	}
	st := p.Stats()
	serial := time.Duration(st.Chunks/2) * delay
	t.Logf("8 MiB each way in %s, %d chunks; chunk after chunk it would take at least %s", d, st.Chunks, serial)
	if d < 2*delay || d > serial/4 {
		t.Errorf("the transfer took %s, want between 2×delay and %s", d, serial/4)
	}
}

// TestEndOfStream checks that a half-close reaches the other side after
// the data before it, and no sooner than the delay.
func TestEndOfStream(t *testing.T) {
	const delay = 30 * time.Millisecond
	addr := startServer(t, func(c *net.TCPConn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c) // until the client half-closes
		if err != nil || string(got) != "ping" {
			t.Errorf("server read %q, %v; want ping", got, err)
		}
		c.Write([]byte("pong"))
	}) // and closes
	p := startProxy(t, addr, delay)
	c := dial(t, p.Addr())
	c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "pong" {
		t.Fatalf("client read %q, %v; want pong then end of stream", got, err)
	}
	if d := time.Since(start); d < 2*delay {
		t.Errorf("the answer came after %s, want at least twice the delay", d)
	}
}

// TestClose checks that Close ends connections in progress at once, data
// still queued included, and that the proxy no longer accepts; the
// goroutine check of TestMain checks that nothing is left running.
func TestClose(t *testing.T) {
	p, err := Start(startServer(t, echo), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	if _, err := c.Write([]byte("held for an hour")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // let the proxy read it
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close has not returned after 5 s")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 64)); err == nil || n > 0 {
		t.Errorf("read after Close: %d bytes, %v; want end of stream or a reset", n, err)
	}
	if c2, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c2.Close()
		t.Error("the proxy accepted a connection after Close")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestReset checks that a target resetting its connection while the
// proxy holds a full queue for it resets the client's connection too, and
// that the proxy still closes: the reader blocked on the full queue must
// be released.
func TestReset(t *testing.T) {
	addr := startServer(t, func(c *net.TCPConn) {
		time.Sleep(300 * time.Millisecond) // not reading: the proxy's queue fills
		c.SetLinger(0)                     // close with a reset
	})
	p, err := Start(addr, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	c.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 32<<10)
	var werr error
	for sent := 0; sent < 256<<20 && werr == nil; sent += len(buf) {
		_, werr = c.Write(buf)
	}
	if werr == nil || errors.Is(werr, os.ErrDeadlineExceeded) {
		t.Errorf("writing to the proxy after the target's reset: %v, want a reset", werr)
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close has not returned after 5 s")
	}
}

// TestUnreachableTarget checks that a connection to a proxy whose target
// refuses is closed.
func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := startProxy(t, addr, time.Millisecond)
	c := dial(t, p.Addr())
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("read: %d bytes, %v; want end of stream", n, err)
	}
}

func TestStartErrors(t *testing.T) {
	for _, tc := range []struct {
		target string
		delay  time.Duration
	}{
		{"127.0.0.1:5432", -time.Microsecond},
		{"127.0.0.1", 0},
		{"", 0},
	} {
		if p, err := Start(tc.target, tc.delay); err == nil {
			p.Close()
			t.Errorf("Start(%q, %s) succeeded, want an error", tc.target, tc.delay)
		}
	}
}
