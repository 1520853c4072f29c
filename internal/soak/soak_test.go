package soak_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/msgstats/analytics/internal/soak"
	"github.com/msgstats/analytics/internal/testenv"
)

// TestMain fails the package if any goroutine of the soak outlives it. The
// one exception is go-redis's dial prober: after dials to a node fail (a
// killed cluster master), a connection pool probes the address once a
// second, and notices that the pool was closed only after its next sleep.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

// TestSoak runs the soak (see the package documentation) against
// TEST_REDIS_URL with 1000 teams and 200 readers, for 4 s by default so
// that it fits in make test, or for SOAK_DURATION (a Go duration) when set:
//
//	SOAK_DURATION=20s go test -run TestSoak -v ./internal/soak
//
// It asserts zero errors and zero stale reads, and that every kind of read
// ran, snapshots were generated and teams invalidated; it reports p50/p99
// per read kind without asserting on them (timings depend on the machine,
// and on the race detector).
func TestSoak(t *testing.T) {
	client, prefix := testenv.Redis(t)
	checkSoak(t, soak.Config{Duration: soakDuration(t), Redis: client, Prefix: prefix})
}

// TestSoakCluster is TestSoak on the Redis Cluster of
// TEST_REDIS_CLUSTER_ADDRS, through a *redis.ClusterClient.
func TestSoakCluster(t *testing.T) {
	client, prefix := testenv.RedisCluster(t)
	checkSoak(t, soak.Config{Duration: soakDuration(t), Redis: client, Prefix: prefix})
}

// soakDuration is SOAK_DURATION, 4 s when unset.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	d := 4 * time.Second
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatalf("SOAK_DURATION: %v", err)
		}
	}
	return d
}

// checkSoak runs a soak of cfg and checks what TestSoak promises.
func checkSoak(t *testing.T, cfg soak.Config) {
	t.Helper()
	res, err := soak.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Errors != 0 || res.Stale != 0 || res.InvalidationsUnavailable != 0 {
		t.Errorf("%d errors, %d stale reads and %d invalidations with Redis unavailable, want none",
			res.Errors, res.Stale, res.InvalidationsUnavailable)
	}
	for _, k := range res.Kinds {
		if k.Reads == 0 {
			t.Errorf("no %s reads ran", k.Kind)
		}
	}
	if res.SnapshotsWritten == 0 || res.Invalidations == 0 {
		t.Errorf("%d snapshots written, %d invalidations; want both", res.SnapshotsWritten, res.Invalidations)
	}
}

// TestSoakCheckCanFail runs a short soak whose staleness check allows no
// bound at all while the caches keep theirs (1 s): the replica that did not
// invalidate a team keeps serving the team's memory entries for up to the
// bound, so the check must see stale reads. It shows that TestSoak's zero
// is not a check that cannot fail.
func TestSoakCheckCanFail(t *testing.T) {
	client, prefix := testenv.Redis(t)
	res, err := soak.Run(context.Background(), soak.Config{Duration: time.Second, Teams: 20, Readers: 20,
		Redis: client, Prefix: prefix, CheckBound: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Stale == 0 {
		t.Errorf("no stale read seen with a check bound of 1 ns; the check cannot fail")
	}
}
