package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/msgstats/analytics/internal/testenv"
)

// TestReadsReplica runs the reads suite on the primary of a physical
// standby with Options.ReplicaURL: it adds the uncached reads measured on
// the standby (whose statements, replicaReads checks, none ran on the
// primary). A replica URL that is no standby of the database is reported
// as not measured.
func TestReadsReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	testenv.Require(t, "TEST_REDIS_URL")
	o := optionsOn(t, "TEST_REPLICA_PRIMARY_URL", 5)
	o.ReplicaURL = testenv.Require(t, "TEST_REPLICA_URL")
	var rep Report
	if err := Reads(ctx, o, &rep); err != nil {
		t.Fatalf("Reads: %v", err)
	}
	var replica []Line
	for _, l := range rep.Lines {
		if strings.Contains(l.What, "read replica") {
			replica = append(replica, l)
		}
	}
	if len(replica) != 2 || !strings.HasPrefix(replica[0].Value, "p50 ") || !strings.HasPrefix(replica[1].Value, "p50 ") {
		t.Errorf("replica lines: %+v; want the real-time read and the dashboard, measured", replica)
	}

	// A replica URL that is not a standby of the database: the primary
	// itself, and the standby as its own primary.
	pdb, err := Open(ctx, testenv.Require(t, "TEST_REPLICA_PRIMARY_URL"), "public", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	rdb, err := Open(ctx, o.ReplicaURL, "public", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	for i, pair := range [][2]*DB{{pdb, pdb}, {rdb, rdb}, {rdb, pdb}} {
		if why := notStandbyOf(ctx, pair[0], pair[1]); why == "" {
			t.Errorf("notStandbyOf, pair %d = \"\", want a reason", i)
		}
	}
	if why := notStandbyOf(ctx, pdb, rdb); why != "" {
		t.Errorf("notStandbyOf(primary, standby) = %q, want \"\"", why)
	}
}
