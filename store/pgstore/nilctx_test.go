package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// storeCtxCalls are New, ProposeSource and the Store's methods taking a
// context, by name, each to be called with a given context.
func storeCtxCalls(e *env) map[string]func(ctx context.Context) error {
	d := analytics.NewDate(2026, 3, 10)
	p, _ := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
	req := analytics.AggregateRequest{Items: []analytics.ScopePeriod{{Scope: analytics.TeamScope("T"), Period: p}}}
	run := scheduler.JobRun{Job: "j", Period: d, Owner: "o", Status: scheduler.JobSucceeded}
	st := func() *pgstore.Store { return e.store }
	return map[string]func(ctx context.Context) error{
		"New": func(ctx context.Context) error {
			_, err := pgstore.New(ctx, e.db, nil)
			return err
		},
		"ProposeSource": func(ctx context.Context) error {
			_, _, err := pgstore.ProposeSource(ctx, e.db, "")
			return err
		},
		"Teams": func(ctx context.Context) error {
			_, err := st().Teams(ctx, "", 10)
			return err
		},
		"AwaitReplica": func(ctx context.Context) error { return st().AwaitReplica(ctx) },
		"Team": func(ctx context.Context) error {
			_, err := st().Team(ctx, "T")
			return err
		},
		"CampaignFunnels": func(ctx context.Context) error {
			_, err := st().CampaignFunnels(ctx, analytics.CampaignQuery{TeamID: "T", Limit: 1})
			return err
		},
		"Aggregate": func(ctx context.Context) error {
			_, err := st().Aggregate(ctx, req)
			return err
		},
		"ActiveContacts": func(ctx context.Context) error {
			_, err := st().ActiveContacts(ctx, req)
			return err
		},
		"UpsertSnapshots": func(ctx context.Context) error { return st().UpsertSnapshots(ctx, nil) },
		"Snapshots": func(ctx context.Context) error {
			_, err := st().Snapshots(ctx, analytics.SnapshotQuery{Scope: analytics.TeamScope("T"), Type: analytics.Daily, From: d, To: d})
			return err
		},
		"SnapshotsOfTeams": func(ctx context.Context) error {
			_, err := st().SnapshotsOfTeams(ctx, []string{"T"}, analytics.Daily, d, d)
			return err
		},
		"StreamSnapshotsOfTeams": func(ctx context.Context) error {
			return st().StreamSnapshotsOfTeams(ctx, []string{"T"}, analytics.Daily, d, d, func(*analytics.Snapshot) error { return nil })
		},
		"TeamSnapshotDates": func(ctx context.Context) error {
			_, err := st().TeamSnapshotDates(ctx, []string{"T"}, analytics.Daily, d, d)
			return err
		},
		"CheckSource": func(ctx context.Context) error {
			_, err := st().CheckSource(ctx)
			return err
		},
		"CreateRecommendedIndexes": func(ctx context.Context) error { return st().CreateRecommendedIndexes(ctx) },
		"IndexPlan": func(ctx context.Context) error {
			_, err := st().IndexPlan(ctx)
			return err
		},
		"Migrate": func(ctx context.Context) error { return st().Migrate(ctx) },
		"ClaimJobRun": func(ctx context.Context) error {
			_, _, err := st().ClaimJobRun(ctx, scheduler.JobClaim{Job: "j", Period: d, Owner: "o",
				Now: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC), StaleAfter: time.Minute})
			return err
		},
		"HeartbeatJobRun": func(ctx context.Context) error {
			return st().HeartbeatJobRun(ctx, "j", d, "o", time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC))
		},
		"FinishJobRun": func(ctx context.Context) error { return st().FinishJobRun(ctx, run) },
		"JobRuns": func(ctx context.Context) error {
			_, err := st().JobRuns(ctx, "j", d, d)
			return err
		},
	}
}

// New, ProposeSource and every Store method taking a context return a
// FieldError naming "ctx" for a nil one, and never panic: a nil context
// reaching database/sql panics with the pool's lock held, after which
// every call on the *sql.DB blocks. After them all, a call with a good
// context still answers. The list covers every such method of Store.
func TestNilContextRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, []analytics.Team{{ID: "T", TimeZone: "UTC"}}, &store.Activity{}, envOptions{})
	var nilCtx context.Context
	for name, call := range storeCtxCalls(e) {
		err := func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("panic: %v", v)
				}
			}()
			return call(nilCtx)
		}()
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != "ctx" || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s(nil ctx): got %v, want a FieldError naming ctx", name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if teams, err := e.store.Teams(ctx, "", 10); err != nil || len(teams) != 1 {
		t.Fatalf("Teams after the nil-context calls: %v, %v", teams, err)
	}

	ctxType := reflect.TypeFor[context.Context]()
	want := []string{"New", "ProposeSource"}
	typ := reflect.TypeFor[*pgstore.Store]()
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		for j := range m.Type.NumIn() {
			if m.Type.In(j) == ctxType {
				want = append(want, m.Name)
				break
			}
		}
	}
	var got []string
	for name := range storeCtxCalls(e) {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("storeCtxCalls covers %v;\nthe functions taking a context are %v", got, want)
	}
}
