package latencyproxy

import (
	"net"
	"sync"
	"time"
)

// link is one proxied connection: the client's connection to the proxy,
// the proxy's to the target, and the two directions between them.
type link struct {
	client, server *net.TCPConn
	up, down       *direction // client to server, server to client
	once           sync.Once
}

// newLink prepares the two directions of client and server; run starts
// them.
func newLink(client, server *net.TCPConn, delay time.Duration, stats *counters) (*link, error) {
	l := &link{client: client, server: server}
	up, err := newDirection(client, server, delay, stats, l.abort)
	if err != nil {
		return nil, err
	}
	down, err := newDirection(server, client, delay, stats, l.abort)
	if err != nil {
		up.w.close()
		return nil, err
	}
	l.up, l.down = up, down
	return l, nil
}

// run forwards both directions until each has ended, by end of stream or
// by error, then closes both connections.
func (l *link) run() {
	var wg sync.WaitGroup
	for _, d := range []*direction{l.up, l.down} {
		wg.Add(2)
		go func() {
			defer wg.Done()
			d.read()
		}()
		go func() {
			defer wg.Done()
			d.write()
		}()
	}
	wg.Wait()
	l.abort()
}

// abort closes both connections and both directions' waiters, which ends
// every read, write and wait of the link in progress. It is idempotent.
func (l *link) abort() {
	l.once.Do(func() {
		l.client.Close()
		l.server.Close()
		l.up.w.close()
		l.down.w.close()
	})
}
