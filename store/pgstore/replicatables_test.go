package pgstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestNewReplicaOtherTables checks that New refuses a replica whose
// search_path resolves a table's name to another table than the
// primary's: another schema first in its search_path holding a
// same-named snapshot table and messages table, both before and after
// Migrate has made the primary's snapshot table.
func TestNewReplicaOtherTables(t *testing.T) {
	t.Parallel()
	primary, replica := testenv.Replica(t)
	ctx := context.Background()
	if _, err := primary.ExecContext(ctx, synth.SchemaSQL); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := primary.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	other := testenv.UniqueName("r_other_")
	t.Cleanup(func() {
		if _, err := primary.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+testenv.QuoteIdent(other)+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", other, err)
		}
	})
	o, s := testenv.QuoteIdent(other), testenv.QuoteIdent(schema)
	for _, q := range []string{`CREATE SCHEMA ` + o,
		`CREATE TABLE ` + o + `.analytics_snapshots (id bigint)`,
		`CREATE TABLE ` + o + `.messages (LIKE ` + s + `.messages INCLUDING ALL)`} {
		if _, err := primary.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := testenv.WaitReplayed(ctx, primary, replica); err != nil {
		t.Fatal(err)
	}
	wrong := openURL(t, testenv.Require(t, "TEST_REPLICA_URL"), other+", "+schema)
	check := func(when string, want ...string) {
		t.Helper()
		_, err := pgstore.New(ctx, primary, &pgstore.Config{Replica: wrong})
		if err == nil {
			t.Fatalf("%s: New accepted a replica resolving names to other tables", when)
		}
		if !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: %v does not wrap ErrInvalidArgument", when, err)
		}
		for _, w := range append(want, "Config.Replica", other+".") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", when, err, w)
			}
		}
	}
	check("before Migrate", "Config.Source.Messages.Table", "Config.SnapshotTable", "no table on the primary")
	st, err := pgstore.New(ctx, primary, &pgstore.Config{Replica: replica})
	if err != nil {
		t.Fatalf("New with the standby: %v", err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check("after Migrate", "Config.SnapshotTable", schema+".analytics_snapshots")
	if _, err := pgstore.New(ctx, primary, &pgstore.Config{Replica: replica}); err != nil {
		t.Errorf("New with the standby after Migrate: %v", err)
	}
}
