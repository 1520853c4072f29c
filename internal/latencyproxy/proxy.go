package latencyproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// dialTimeout bounds the dial of the target for one connection.
const dialTimeout = 10 * time.Second

// Proxy listens on a loopback port and forwards every connection to its
// target, each direction delayed. Its methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string
	delay  time.Duration
	ctx    context.Context // canceled by Close: stops dials in progress
	cancel context.CancelFunc
	stats  counters

	mu     sync.Mutex
	links  map[*link]struct{}
	closed bool
	wg     sync.WaitGroup // the accept loop and one per connection
}

// Start listens on 127.0.0.1 at a free port and forwards each connection
// accepted to target (a TCP host:port), the bytes of each direction
// written delay after they were read. A delay of 0 forwards at once. The
// target is dialed once per connection accepted; if it cannot be reached
// the accepted connection is closed. Start returns an error if delay is
// negative or the port cannot be opened.
func Start(target string, delay time.Duration) (*Proxy, error) {
	if delay < 0 {
		return nil, fmt.Errorf("latencyproxy: negative delay %s", delay)
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("latencyproxy: target %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("latencyproxy: listening: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{ln: ln, target: target, delay: delay, ctx: ctx, cancel: cancel, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the host:port the proxy listens on, on 127.0.0.1.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Delay returns the delay of each direction.
func (p *Proxy) Delay() time.Duration { return p.delay }

// Close stops accepting, resets every connection in progress (data not
// yet written is dropped) and returns once every goroutine of the proxy
// has ended. Calls after the first return nil.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	p.cancel()
	err := p.ln.Close()
	for _, l := range links {
		l.abort()
	}
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // e.g. out of file descriptors: try again shortly
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.wg.Add(1)
		go p.serve(c.(*net.TCPConn))
	}
}

// serve dials the target for client and forwards until both directions
// have ended.
func (p *Proxy) serve(client *net.TCPConn) {
	defer p.wg.Done()
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	l, err := newLink(client, c.(*net.TCPConn), p.delay, &p.stats)
	if err != nil {
		client.Close()
		c.Close()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.abort()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()
	l.run()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}
