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

// selectOnes times n round trips of SELECT 1 on each of conns, after 50
// unmeasured ones, alternating between them so that the load of a shared
// machine weighs on each alike; it returns each one's durations, sorted.
func selectOnes(t *testing.T, n int, conns ...*pgx.Conn) [][]time.Duration {
	t.Helper()
	ctx := context.Background()
	out := make([][]time.Duration, len(conns))
	for i := range 50 + n {
		for k, conn := range conns {
			start := time.Now()
			var one int
			if err := conn.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
				t.Fatalf("SELECT 1: %d, %v", one, err)
			}
			if i >= 50 {
				out[k] = append(out[k], time.Since(start))
			}
		}
	}
	for _, ds := range out {
		slices.Sort(ds)
	}
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
	for _, delay := range []time.Duration{0, 250 * time.Microsecond} {
		p := startProxy(t, target, delay)
		ds := selectOnes(t, 1000, connect(t, cfg, target), connect(t, cfg, p.Addr()))
		direct, through := ds[0], ds[1]
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
