package pgstore_test

import (
	"fmt"
	"testing"

	"github.com/msgstats/analytics/internal/tenants"
)

// TestTenantIsolation is the isolation property on Postgres: for random
// multi-tenant data whose record IDs repeat across teams (the source
// tables' keys are (team_id, id)) and whose team IDs hold SQL
// metacharacters and LIKE wildcards, every metric of every scope of team A
// equals ComputeMetrics over A's records alone, in per-team and mixed
// requests and in stored snapshots. The memstore variant is
// TestTenantIsolationMemstore in the root package.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			teams, act, err := tenants.Build(seed)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, teams, &act, envOptions{})
			tenants.CheckAggregate(t, e.store, teams, &act, seed)
			tenants.CheckSnapshots(t, e.store, teams, &act)
		})
	}
}
