package scheduler_test

import (
	"context"
	"testing"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// pgBackend is a migrated pgstore in a schema of the test's own, holding
// the teams in the reference source tables. Without TEST_DATABASE_URL its
// tests skip (or fail under ANALYTICS_REQUIRE_SERVICES=1).
var pgBackend = backend{"postgres", func(t *testing.T, _ analytics.Clock, teams []analytics.Team) (analytics.Store, scheduler.JobRunStore) {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := db.ExecContext(ctx, synth.SchemaSQL); err != nil {
		t.Fatalf("creating the source schema: %v", err)
	}
	if err := synth.InsertRows(ctx, db, teams, &store.Activity{}); err != nil {
		t.Fatalf("loading teams: %v", err)
	}
	s, err := pgstore.New(ctx, db, nil)
	if err != nil {
		t.Fatalf("pgstore.New: %v", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s, s
}}

func init() { backends = append(backends, pgBackend) }
