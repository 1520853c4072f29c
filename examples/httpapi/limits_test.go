package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// guard is how long a test waits for the server to act before it calls
// the server stuck. It is far above every limit the tests set, so it
// bounds a broken run without timing the server.
const guard = 10 * time.Second

// testLimits are short limits for the tests.
var testLimits = serverLimits{
	readHeader:     300 * time.Millisecond,
	read:           500 * time.Millisecond,
	write:          500 * time.Millisecond,
	idle:           300 * time.Millisecond,
	maxHeaderBytes: 4 << 10,
	shutdown:       time.Second,
}

// startServer serves h with l on a free loopback port and returns its
// address.
func startServer(t *testing.T, h http.Handler, l serverLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(h, l, context.Background(), slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// closedByServer reads conn until the server closes it, and reports
// whether it did within guard; it returns what it read.
func closedByServer(t *testing.T, conn net.Conn) (string, bool) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(guard))
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return string(b), false
	}
	return string(b), true
}

// TestServerLimits: connections that say nothing, trickle a body, stay
// idle after a request, send oversized headers or stop reading are cut by
// the server's limits.
func TestServerLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	handlerDone := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		// 256 MiB: far more than the socket buffers hold.
		chunk := make([]byte, 1<<20)
		var err error
		for i := 0; i < 256 && err == nil; i++ {
			_, err = w.Write(chunk)
		}
		handlerDone <- err
	})
	mux.Handle("/", f.srv.Config.Handler)
	addr := startServer(t, mux, testLimits)
	dial := func(t *testing.T) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}

	t.Run("silent connection", func(t *testing.T) {
		t.Parallel()
		if _, closed := closedByServer(t, dial(t)); !closed {
			t.Error("a connection that sent nothing is still open")
		}
	})
	t.Run("idle after a request", func(t *testing.T) {
		t.Parallel()
		conn := dial(t)
		fmt.Fprintf(conn, "GET /v1/teams/%s/analytics/realtime HTTP/1.1\r\nHost: x\r\n\r\n", teamA)
		got, closed := closedByServer(t, conn)
		if !closed || !strings.HasPrefix(got, "HTTP/1.1 401") {
			t.Errorf("closed %v after %q; want the 401, then the close", closed, got)
		}
	})
	t.Run("trickled body", func(t *testing.T) {
		t.Parallel()
		conn := dial(t)
		fmt.Fprintf(conn, "POST /v1/jobs/%s/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", dailyJob)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
		if _, closed := closedByServer(t, conn); !closed {
			t.Error("a body trickled a byte at a time is still being read")
		}
	})
	t.Run("oversized header", func(t *testing.T) {
		t.Parallel()
		conn := dial(t)
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 16<<10))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d, want 431", resp.StatusCode)
		}
	})
	t.Run("stalled reader", func(t *testing.T) {
		t.Parallel()
		conn := dial(t)
		fmt.Fprintf(conn, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
		// The client reads nothing: the handler's writes must fail.
		select {
		case err := <-handlerDone:
			if err == nil {
				t.Error("the handler wrote 256 MiB to a client that reads nothing")
			}
		case <-time.After(guard):
			t.Error("the handler is still blocked writing to a client that reads nothing")
		}
	})
}
