package pgstore_test

import (
	"testing"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/scheduler/jobrunstest"
	"github.com/msgstats/analytics/store/storetest"
)

// TestConformance runs the Store conformance suite on Postgres: each
// subtest gets a schema of its own holding the reference source tables
// with the dataset, and a migrated Store on it.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d storetest.Dataset) analytics.Store {
		return newEnv(t, d.Teams, &d.Activity, envOptions{cfg: campaignConfig()}).store
	})
}

// TestJobRunsConformance runs the scheduler.JobRunStore conformance suite
// on Postgres, each subtest on a migrated Store in a schema of its own.
func TestJobRunsConformance(t *testing.T) {
	t.Parallel()
	jobrunstest.Run(t, func(t *testing.T) scheduler.JobRunStore {
		return newEnv(t, nil, nil, envOptions{}).store
	})
}
