package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// pgService returns a Service without a cache over a migrated pgstore on
// its own schema, holding team "T" (UTC, one account) and one message, on
// clock.
func pgService(t *testing.T, clock analytics.Clock) (*analytics.Service, *pgstore.Store) {
	t.Helper()
	ctx := context.Background()
	db := sourceDB(t)
	teams := []analytics.Team{{ID: "T", TimeZone: "UTC", AccountIDs: []string{"T-acc"}}}
	if err := synth.InsertRows(ctx, db, teams, &store.Activity{Messages: []store.Message{
		message("T", "m1", svcNow.Add(-time.Hour)),
	}}); err != nil {
		t.Fatal(err)
	}
	pg, err := pgstore.New(ctx, db, &pgstore.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(pg, &analytics.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return svc, pg
}

// noPanic runs f, turning a panic into an error.
func noPanic(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return f()
}

// nilCtxCalls are the exported methods taking a context.Context, by
// "Type.Method", each called with a nil context.
func nilCtxCalls(svc *analytics.Service, tc *gocache.Cache) map[string]func(ctx context.Context) error {
	yesterday, _ := analytics.PeriodForDate(analytics.Daily, analytics.DateOf(svcNow).AddDays(-1), time.UTC)
	key := analytics.RealTimeKey(analytics.TeamScope("T"))
	return map[string]func(ctx context.Context) error{
		"Service.RealTime": func(ctx context.Context) error {
			_, err := svc.RealTime(ctx, analytics.TeamScope("T"))
			return err
		},
		"Service.Dashboard": func(ctx context.Context) error {
			_, err := svc.Dashboard(ctx, "T", 7)
			return err
		},
		"Service.Snapshots": func(ctx context.Context) error {
			d := analytics.DateOf(svcNow)
			_, err := svc.Snapshots(ctx, analytics.TeamScope("T"), analytics.Daily, d.AddDays(-3), d)
			return err
		},
		"Service.InvalidateTeam": func(ctx context.Context) error { return svc.InvalidateTeam(ctx, "T") },
		"Service.Heatmap": func(ctx context.Context) error {
			_, err := svc.Heatmap(ctx, analytics.TeamScope("T"), 7)
			return err
		},
		"Service.Campaign": func(ctx context.Context) error {
			_, err := svc.Campaign(ctx, "T", "C")
			return err
		},
		"Service.Campaigns": func(ctx context.Context) error {
			_, err := svc.Campaigns(ctx, "T", "", 10)
			return err
		},
		"Snapshotter.Generate": func(ctx context.Context) error {
			_, err := svc.Snapshotter().Generate(ctx, analytics.TeamScope("T"), yesterday)
			return err
		},
		"Snapshotter.GenerateAll": func(ctx context.Context) error {
			_, err := svc.Snapshotter().GenerateAll(ctx, analytics.Daily, svcNow)
			return err
		},
		"Snapshotter.Run": func(ctx context.Context) error {
			_, err := svc.Snapshotter().Run(ctx, analytics.Daily, func(analytics.Team, *time.Location) ([]analytics.Period, error) {
				return []analytics.Period{yesterday}, nil
			})
			return err
		},
		"Snapshotter.TeamBatches": func(ctx context.Context) error {
			return svc.Snapshotter().TeamBatches(ctx, func([]analytics.Team) error { return nil })
		},
		"Snapshotter.TeamSnapshotDates": func(ctx context.Context) error {
			d := analytics.NewDate(2026, 3, 10)
			_, err := svc.Snapshotter().TeamSnapshotDates(ctx, []string{"T"}, analytics.Daily, d, d)
			return err
		},
		"Snapshotter.TeamZones": func(ctx context.Context) error {
			_, err := svc.Snapshotter().TeamZones(ctx)
			return err
		},
		"Cache.Get": func(ctx context.Context) error {
			_, _, err := tc.Get(ctx, key)
			return err
		},
		"Cache.Set": func(ctx context.Context) error { return tc.Set(ctx, key, []byte("{}"), 0) },
		"Cache.Load": func(ctx context.Context) error {
			_, err := tc.Load(ctx, key, 0, func(context.Context) ([]byte, error) { return []byte("{}"), nil })
			return err
		},
		"Cache.InvalidateTeam": func(ctx context.Context) error { return tc.InvalidateTeam(ctx, "T") },
	}
}

// Every exported method taking a context returns a FieldError naming
// "ctx" for a nil one, before any I/O, and never panics. On Postgres, a
// nil context that reached database/sql would panic with the pool's lock
// held and block every later call: after all of them, a call with a good
// context still answers.
func TestNilContextRejected(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(svcNow)
	svc, _ := pgService(t, clock)
	tc := newCache(t, tierSetup{l1: true, redis: true}, clock, nil)
	calls := nilCtxCalls(svc, tc)
	names := make([]string, 0, len(calls))
	for name := range calls {
		names = append(names, name)
	}
	sort.Strings(names)
	var nilCtx context.Context
	for _, name := range names {
		err := noPanic(func() error { return calls[name](nilCtx) })
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != "ctx" || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s(nil ctx): got %v, want a FieldError naming ctx", name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := svc.RealTime(ctx, analytics.TeamScope("T"))
	if err != nil || m.Messages.Total != 1 {
		t.Fatalf("RealTime after the nil-context calls: %+v, %v; want 1 message", m.Messages, err)
	}
}

// nilCtxTypes are the types whose exported methods taking a context must
// all be in nilCtxCalls.
var nilCtxTypes = []any{(*analytics.Service)(nil), (*analytics.Snapshotter)(nil), (*gocache.Cache)(nil)}

// A new exported method taking a context on Service, Snapshotter or
// gocache.Cache must be added to nilCtxCalls, so that TestNilContextRejected
// covers it.
func TestNilContextCallsCoverEveryMethod(t *testing.T) {
	t.Parallel()
	ctxType := reflect.TypeFor[context.Context]()
	var want []string
	for _, v := range nilCtxTypes {
		typ := reflect.TypeOf(v)
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			for j := range m.Type.NumIn() {
				if m.Type.In(j) == ctxType {
					want = append(want, typ.Elem().Name()+"."+m.Name)
					break
				}
			}
		}
	}
	var got []string
	for name := range nilCtxCalls(nil, nil) {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("nilCtxCalls covers %v;\nthe methods taking a context are %v", got, want)
	}
}
