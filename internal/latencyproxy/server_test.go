package latencyproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// startServer listens on a loopback port and runs handle on every
// connection in a goroutine of its own; the listener closes and the
// handlers are waited for when the test ends.
func startServer(t *testing.T, handle func(*net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c.(*net.TCPConn))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// echo writes back what it reads until end of stream, then half-closes.
func echo(c *net.TCPConn) {
	if _, err := io.Copy(c, c); err == nil || errors.Is(err, io.EOF) {
		c.CloseWrite()
	}
}

// startProxy starts a proxy to target, closed when the test ends.
func startProxy(t *testing.T, target string, delay time.Duration) *Proxy {
	t.Helper()
	p, err := Start(target, delay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}
