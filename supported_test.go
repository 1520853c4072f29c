package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/msgstats/analytics"
)

// wantField fails unless err is a FieldError naming field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var fe *analytics.FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("%s: got %v, want a FieldError naming %s", what, err, field)
	}
}

// Instants and dates outside the supported range are rejected up front,
// naming the argument, on Postgres (which has no year 0, so dates near
// year 1 would fail there with a raw SQLSTATE 22008); the edges of the
// range are accepted.
func TestUnsupportedDatesRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(svcNow)
	svc, _ := pgService(t, clock)
	snap := svc.Snapshotter()

	for _, at := range []time.Time{
		{},
		time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		for _, typ := range []analytics.SnapshotType{analytics.Daily, analytics.Weekly, analytics.Monthly} {
			rep, err := noPanicReport(func() (analytics.Report, error) { return snap.GenerateAll(ctx, typ, at) })
			wantField(t, "GenerateAll "+typ.String()+" at "+at.Format(time.RFC3339), err, "at")
			if rep.Teams != 0 || rep.Scopes != 0 {
				t.Errorf("GenerateAll at %s: report %+v, want nothing attempted", at, rep)
			}
		}
	}
	// The first supported instant: every period due then is supported too.
	for _, typ := range []analytics.SnapshotType{analytics.Daily, analytics.Weekly, analytics.Monthly} {
		rep, err := snap.GenerateAll(ctx, typ, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || rep.Failed != 0 || rep.Succeeded != 2 {
			t.Errorf("GenerateAll %s at 1970-01-01: %+v, %v; want 2 scopes written", typ, rep, err)
		}
	}

	for _, d := range []analytics.Date{analytics.NewDate(1, 1, 2), analytics.NewDate(1899, 12, 31)} {
		p, err := analytics.PeriodForDate(analytics.Daily, d, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		_, err = snap.Generate(ctx, analytics.TeamScope("T"), p)
		wantField(t, "Generate "+d.String(), err, "Period.Date")

		rep, err := snap.Run(ctx, analytics.Daily, func(analytics.Team, *time.Location) ([]analytics.Period, error) {
			return []analytics.Period{p}, nil
		})
		if err != nil || rep.Failed != 2 || len(rep.Errors) != 1 {
			t.Errorf("Run of %s: %+v, %v; want the team failed", d, rep, err)
		} else {
			wantField(t, "Run of "+d.String(), rep.Errors[0].Err, "period")
		}
	}
	p, err := analytics.PeriodForDate(analytics.Daily, analytics.NewDate(1900, 1, 1), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.Generate(ctx, analytics.TeamScope("T"), p); err != nil {
		t.Errorf("Generate 1900-01-01: %v", err)
	}

	today := analytics.DateOf(svcNow)
	for _, tt := range []struct {
		from, to analytics.Date
		field    string
	}{
		{analytics.NewDate(1, 1, 1), today, "from"},
		{analytics.NewDate(1899, 12, 31), today, "from"},
		{analytics.Date{}, analytics.Date{}, "from"},
		{today, analytics.NewDate(9999, 12, 31), "to"},
	} {
		_, err := svc.Snapshots(ctx, analytics.TeamScope("T"), analytics.Daily, tt.from, tt.to)
		wantField(t, "Snapshots "+tt.from.String()+".."+tt.to.String(), err, tt.field)
	}
	if s, err := svc.Snapshots(ctx, analytics.TeamScope("T"), analytics.Daily, analytics.NewDate(1900, 1, 1), analytics.NewDate(9998, 12, 31)); err != nil || len(s) != 2 {
		t.Errorf("Snapshots over the whole range: %d rows, %v; want the 2 written", len(s), err)
	}
}

// A clock outside the supported instants fails reads with a FieldError
// naming Config.Clock, not a store error.
func TestClockOutsideSupportedRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(time.Date(1, 1, 10, 12, 0, 0, 0, time.UTC))
	svc, _ := pgService(t, clock)
	_, err := svc.Dashboard(ctx, "T", 7)
	wantField(t, "Dashboard", err, "Config.Clock")
	_, err = svc.RealTime(ctx, analytics.TeamScope("T"))
	wantField(t, "RealTime", err, "Config.Clock")
}

func noPanicReport(f func() (analytics.Report, error)) (rep analytics.Report, err error) {
	err = noPanic(func() error {
		var e error
		rep, e = f()
		return e
	})
	return rep, err
}
