package testenv_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/msgstats/analytics/internal/testenv"
)

// TestPrivateRedisClusterFailover: a private cluster forms with three
// masters, and after one is killed by its PID its replica takes its place.
func TestPrivateRedisClusterFailover(t *testing.T) {
	c := testenv.StartRedisCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before, err := c.Masters(ctx)
	if err != nil || len(before) != testenv.ClusterSize {
		t.Fatalf("Masters = %v, %v; want %d", before, err, testenv.ClusterSize)
	}
	rdb := c.Client()
	if err := rdb.Set(ctx, "k{1}", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	pid, err := c.PID(ctx, before[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(pid); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(pid); err == nil {
		t.Error("killing a dead node's PID again succeeded")
	}
	killed := time.Now()
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("failover took %v", time.Since(killed))
	after, err := c.Masters(ctx)
	if err != nil || len(after) != testenv.ClusterSize || slices.Contains(after, before[0]) {
		t.Fatalf("masters after the kill = %v, %v; want %d without %s", after, err, testenv.ClusterSize, before[0])
	}
	// A new client: one made before the failover keeps its slot map until
	// it reloads it.
	if err := c.Client().Set(ctx, "k{2}", "v", 0).Err(); err != nil {
		t.Fatalf("writing after the failover: %v", err)
	}
}
