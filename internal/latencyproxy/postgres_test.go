package latencyproxy

import (
	"context"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics/internal/testenv"
)

// selectOnes times n round trips of SELECT 1 on conn, after 50 unmeasured
// ones.
func selectOnes(t *testing.T, conn *pgx.Conn, n int) []time.Duration {
	t.Helper()
	ctx := context.Background()
	var out []time.Duration
	for i := range 50 + n {
		start := time.Now()
		var one int
		if err := conn.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1: %d, %v", one, err)
		}
		if i >= 50 {
			out = append(out, time.Since(start))
		}
	}
	slices.Sort(out)
	return out
}

// connect connects to the Postgres of cfg at addr (host:port) instead of
// its own host and port.
func connect(t *testing.T, cfg *pgx.ConnConfig, addr string) *pgx.Conn {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Copy()
	c.Host, c.Port, c.Fallbacks = host, uint16(p), nil
	conn, err := pgx.ConnectConfig(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPostgres times SELECT 1 on the test database directly and through
// the proxy at 0 and 0.25 ms each way: the proxy must add twice the delay
// to the median, within maxOverhead. Each SELECT 1 is one round trip (the
// statement is prepared once and cached by pgx).
func TestPostgres(t *testing.T) {
	cfg, err := pgx.ParseConfig(testenv.Require(t, "TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	target := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	direct := selectOnes(t, connect(t, cfg, target), 1000)
	for _, delay := range []time.Duration{0, 250 * time.Microsecond} {
		p := startProxy(t, target, delay)
		through := selectOnes(t, connect(t, cfg, p.Addr()), 1000)
		added, addedMean := median(through)-median(direct), meanOf(through)-meanOf(direct)
		t.Logf("SELECT 1 at %s each way: mean %s (direct %s), added %s = 2×delay + %s; median %s (direct %s), added %s; chunks written %s late on average",
			delay, meanOf(through), meanOf(direct), addedMean, addedMean-2*delay, median(through), median(direct), added, p.Stats().MeanLate())
		if through[0] < 2*delay {
			t.Errorf("delay %s: fastest SELECT 1 %s, want at least twice the delay", delay, through[0])
		}
		if added > 2*delay+maxOverhead {
			t.Errorf("delay %s: the proxy adds %s to the median SELECT 1, want at most 2×delay + %s", delay, added, maxOverhead)
		}
	}
}
