package scheduler_test

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
	"github.com/msgstats/analytics/store/memstore"
)

// schedCalls are the Scheduler's entry points taking a context, by name:
// its methods, and each job's Run.
func schedCalls(s *scheduler.Scheduler, at time.Time) map[string]func(ctx context.Context) error {
	calls := map[string]func(ctx context.Context) error{
		"TriggerJob": func(ctx context.Context) error {
			_, err := s.TriggerJob(ctx, scheduler.DailyJob)
			return err
		},
		"RunDue": func(ctx context.Context) error {
			_, err := s.RunDue(ctx, at)
			return err
		},
		"Start": func(ctx context.Context) error { return s.Start(ctx) },
		"Stop":  func(ctx context.Context) error { return s.Stop(ctx) },
	}
	if s != nil {
		for _, j := range s.Jobs() {
			calls["Job.Run "+j.Name] = func(ctx context.Context) error {
				_, err := j.Run(ctx, at)
				return err
			}
		}
	}
	return calls
}

func newTestScheduler(t *testing.T) (*scheduler.Scheduler, *analytics.FakeClock) {
	t.Helper()
	clock := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	store, runs := memBackend.open(t, clock, twoTeams)
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	s, err := scheduler.New(snap, runs, &scheduler.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return s, clock
}

func noPanic(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return f()
}

func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var fe *analytics.FieldError
	if !errors.As(err, &fe) || fe.Field != field || !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("%s: got %v, want a FieldError naming %s", what, err, field)
	}
}

// Every entry point taking a context returns a FieldError naming "ctx" for
// a nil one, and never panics; Stop with a nil context stops nothing. The
// list covers every method of Scheduler that takes a context.
func TestNilContextRejected(t *testing.T) {
	t.Parallel()
	s, clock := newTestScheduler(t)
	var nilCtx context.Context
	for name, call := range schedCalls(s, clock.Now()) {
		wantField(t, name+"(nil ctx)", noPanic(func() error { return call(nilCtx) }), "ctx")
	}
	// Started with a good context, a nil one still cannot stop it.
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantField(t, "Stop(nil ctx) of a started scheduler", noPanic(func() error { return s.Stop(nilCtx) }), "ctx")
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	ctxType := reflect.TypeFor[context.Context]()
	var want, got []string
	typ := reflect.TypeOf(s)
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		for j := range m.Type.NumIn() {
			if m.Type.In(j) == ctxType {
				want = append(want, m.Name)
				break
			}
		}
	}
	for name := range schedCalls(nil, time.Time{}) {
		got = append(got, name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("schedCalls covers %v; the methods taking a context are %v", got, want)
	}
}

// RunDue and Job.Run reject an at outside the supported instants (before
// 1970), naming it, before doing anything.
func TestRunAtUnsupportedInstant(t *testing.T) {
	t.Parallel()
	s, _ := newTestScheduler(t)
	for _, at := range []time.Time{
		time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC),
	} {
		for name, call := range schedCalls(s, at) {
			if name == "RunDue" || name[:4] == "Job." {
				wantField(t, name+" at "+at.Format(time.RFC3339), noPanic(func() error { return call(context.Background()) }), "at")
			}
		}
	}
}

// New rejects a typed-nil JobRunStore or Config.Clock, naming it, instead
// of panicking on first use.
func TestNewRejectsTypedNil(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	store, runs := memBackend.open(t, clock, twoTeams)
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	var nilRuns *memstore.Store
	var nilClock *analytics.FakeClock
	_, err = noPanicNew(func() (*scheduler.Scheduler, error) { return scheduler.New(snap, nilRuns, nil) })
	wantField(t, "New(typed-nil runs)", err, "runs")
	_, err = noPanicNew(func() (*scheduler.Scheduler, error) {
		return scheduler.New(snap, runs, &scheduler.Config{Clock: nilClock})
	})
	wantField(t, "New(typed-nil Config.Clock)", err, "Config.Clock")
}

func noPanicNew(f func() (*scheduler.Scheduler, error)) (s *scheduler.Scheduler, err error) {
	err = noPanic(func() error {
		var e error
		s, e = f()
		return e
	})
	return s, err
}
