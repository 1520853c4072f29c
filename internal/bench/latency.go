package bench

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics/internal/latencyproxy"
)

// LatencyList is a list of one-way network delays between the application
// and Postgres, each a run of the daily suite; 0 is a direct connection.
// As a flag.Value it reads a comma-separated list of durations in
// time.ParseDuration's syntax, e.g. "0,250us" or "0,0.25ms" (a bare 0
// needs no unit), and Set replaces the list.
type LatencyList []time.Duration

// ParseLatencyList parses a comma-separated list of durations, each 0 or
// more, none repeated; the list keeps the order given. An empty string is
// an error.
func ParseLatencyList(s string) (LatencyList, error) {
	var out LatencyList
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		d, err := time.ParseDuration(f)
		if err != nil {
			return nil, fmt.Errorf("latency %q: want a duration such as 0, 250us or 1ms", f)
		}
		if d < 0 {
			return nil, fmt.Errorf("latency %q: negative", f)
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("latency %q: given twice", f)
		}
		out = append(out, d)
	}
	return out, nil
}

// String returns the list as Set reads it.
func (l *LatencyList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, d := range *l {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// Set implements flag.Value.
func (l *LatencyList) Set(s string) error {
	v, err := ParseLatencyList(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// latencyName formats a one-way latency for the table: "direct" for 0,
// else milliseconds each way ("0.25 ms each way").
func latencyName(d time.Duration) string {
	if d == 0 {
		return "direct"
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + " ms each way"
}

// proxiedURL returns the Postgres URL dbURL with its host and port
// replaced by addr (host:port), user, database and parameters kept; host
// and port parameters of its query, which would override the URL's host,
// are removed. Only postgres:// and postgresql:// URLs with one host are
// accepted.
func proxiedURL(dbURL, addr string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("bench: -latency needs a postgres:// database URL")
	}
	if strings.Contains(u.Host, ",") {
		return "", fmt.Errorf("bench: -latency needs a database URL with one host, not %q", u.Host)
	}
	if q := u.Query(); q.Has("host") || q.Has("port") {
		q.Del("host")
		q.Del("port")
		u.RawQuery = q.Encode()
	}
	u.Host = addr
	return u.String(), nil
}

// startLatency starts a proxy to the Postgres of dbURL that delays each
// direction by delay, and returns the URL that connects through it. The
// caller closes the proxy.
func startLatency(dbURL string, delay time.Duration) (string, *latencyproxy.Proxy, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("bench: parsing the database URL: %w", err)
	}
	if strings.HasPrefix(cfg.Host, "/") {
		return "", nil, fmt.Errorf("bench: -latency needs Postgres over TCP, not the socket %s", cfg.Host)
	}
	p, err := latencyproxy.Start(net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), delay)
	if err != nil {
		return "", nil, err
	}
	u, err := proxiedURL(dbURL, p.Addr())
	if err != nil {
		p.Close()
		return "", nil, err
	}
	return u, p, nil
}

// roundTrips times n round trips of SELECT 1 on conn, after 50
// unmeasured ones, and returns their durations, sorted.
func roundTrips(ctx context.Context, conn *pgx.Conn, n int) ([]time.Duration, error) {
	for range 50 {
		if _, err := conn.Exec(ctx, `SELECT 1`); err != nil {
			return nil, err
		}
	}
	return Latencies(ctx, n, func(ctx context.Context) error {
		_, err := conn.Exec(ctx, `SELECT 1`)
		return err
	})
}
