// Package storetest is the conformance suite of analytics.Store. Every Store
// implementation runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, d storetest.Dataset) analytics.Store {
//			s := mystore.New(...) // a fresh, empty store (a new schema, ...)
//			// load d.Teams and d.Activity into it
//			return s
//		})
//	}
//
// The suite checks every method of the Store interface: team listing and
// paging, Aggregate against metrics worked out by hand (replies and the reply
// window, customer turns and response times, first responses, time-zone day
// boundaries and daylight-saving days, team-wide and per-account scopes,
// tenants that reuse each other's IDs, campaigns, contacts) and against
// store.ComputeMetrics on generated activity, and the snapshot upsert
// and query rules (replacement keeping the ID, idempotence, concurrent
// upserts of one key, all-or-nothing batches, date order and limits, IDs
// that need quoting), and campaign funnels against funnels worked out by
// hand and against store.ComputeCampaignFunnels on generated activity. A store that implements scheduler.JobRunStore
// runs that role's suite, scheduler/jobrunstest, from a test of its own.
// Every subtest opens its own
// store and runs in parallel with the others.
//
// Beyond what the interface documents, a store passes only if it:
//
//   - lists teams in byte order of their IDs (in Postgres, COLLATE "C") and
//     looks IDs up exactly (case-sensitive, no LIKE patterns);
//   - keys conversations and contacts by team as well as ID: the two
//     tenants' dataset reuses "conv-1" and "contact-1";
//   - orders a conversation's messages by (created_at, id), the id compared
//     byte-wise, so that messages of one instant follow each other by ID;
//   - checks every ID it is given, a snapshot's ID included, with
//     analytics.ValidateID (1025 bytes give ErrInvalidArgument);
//   - returns an error wrapping context.Canceled, and writes nothing, when
//     called with a cancelled context.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Dataset is what a store under test must hold: the teams (with their time
// zones and accounts) and their raw activity.
//
// Datasets built by the suite keep to what a relational host schema can
// hold: every timestamp is a whole millisecond in UTC (Postgres keeps
// TIMESTAMP(3)); team, account, message and campaign IDs are unique across
// the dataset; a team's AccountIDs may be listed unsorted; a record's
// AccountID is empty or one of its team's accounts. Conversation and contact
// IDs are unique within a team but one dataset (the two tenants') reuses them
// across teams, so a store must key those records by team as well.
type Dataset struct {
	Teams    []analytics.Team
	Activity store.Activity
}

// Open returns a fresh Store holding exactly d (a new Postgres schema, a new
// memstore, ...). It is called once per subtest, possibly from parallel
// subtests; it should fail t (t.Fatal) if it cannot load d, and may use
// t.Cleanup to release the store.
type Open func(t *testing.T, d Dataset) analytics.Store

// Run runs the whole suite against the stores open returns. Each subtest
// calls t.Parallel.
func Run(t *testing.T, open Open) {
	t.Helper()
	groups := []struct {
		name  string
		tests []subtest
	}{
		{"Teams", teamTests},
		{"Aggregate", aggregateTests},
		{"Snapshots", snapshotTests},
		{"Stream", streamTests},
		{"IDs", idTests},
		{"Context", contextTests},
		{"RollUp", rollUpTests},
		{"SnapshotDates", snapshotDatesTests},
		{"Campaigns", campaignTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) {
					t.Parallel()
					st.run(t, open)
				})
			}
		})
	}
}

type subtest struct {
	name string
	run  func(t *testing.T, open Open)
}

// ts parses an RFC 3339 instant such as "2026-03-10T09:00:04.250Z".
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustLoc(name string) *time.Location {
	loc, err := analytics.Team{TimeZone: name}.Location()
	if err != nil {
		panic(err)
	}
	return loc
}

func date(s string) analytics.Date {
	d, err := analytics.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// period returns the period of type typ that starts on local date day in
// zone.
func period(typ analytics.SnapshotType, day, zone string) analytics.Period {
	p, err := analytics.PeriodForDate(typ, date(day), mustLoc(zone))
	if err != nil {
		panic(err)
	}
	return p
}

func rangeOf(p analytics.Period) analytics.Range {
	return analytics.Range{Start: p.Start, End: p.End}
}

// wantErr fails t unless err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", what, err, target)
	}
}

// aggregate calls s.Aggregate and fails t on an error or a result of the
// wrong length.
func aggregate(t *testing.T, s analytics.Store, req analytics.AggregateRequest) []analytics.Metrics {
	t.Helper()
	got, err := s.Aggregate(context.Background(), req)
	if err != nil {
		t.Fatalf("Aggregate: %v", err)
	}
	if len(got) != len(req.Items) {
		t.Fatalf("Aggregate returned %d metrics for %d items", len(got), len(req.Items))
	}
	return got
}

func describe(sp analytics.ScopePeriod) string {
	return fmt.Sprintf("%s %s %s", sp.Scope, sp.Period.Type, sp.Period.Date)
}

// diff compares metrics; cmp uses time.Time.Equal for the period bounds,
// so the location they carry does not matter.
func diff(want, got any) string { return cmp.Diff(want, got) }
