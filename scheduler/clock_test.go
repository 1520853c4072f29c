package scheduler_test

import (
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// New rejects a Config.Clock that is not the Snapshotter's, which would
// key runs by one time and generate periods by another, and defaults to
// the Snapshotter's clock when Config.Clock is nil.
func TestNewRequiresTheSnapshottersClock(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	store, runs := memBackend.open(t, clock, twoTeams)
	forgot, err := analytics.NewSnapshotter(store, nil) // the system clock
	if err != nil {
		t.Fatal(err)
	}
	_, err = scheduler.New(forgot, runs, &scheduler.Config{Clock: clock})
	wantField(t, "New(a FakeClock with a system-clock Snapshotter)", err, "Config.Clock")
	other := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	_, err = scheduler.New(snap, runs, &scheduler.Config{Clock: other})
	wantField(t, "New(another FakeClock)", err, "Config.Clock")
	if _, err := scheduler.New(snap, runs, &scheduler.Config{Clock: clock}); err != nil {
		t.Errorf("New with the Snapshotter's own clock: %v", err)
	}
	// Config.Clock nil: the scheduler runs on the Snapshotter's fake clock,
	// so RunDue at the fake now is not "in the future".
	s, err := scheduler.New(snap, runs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunDue(t.Context(), clock.Now()); err != nil {
		t.Errorf("RunDue at the Snapshotter's now with Config.Clock nil: %v", err)
	}
}

// The clocks of package analytics are AfterClocks, so the Scheduler waits
// on them rather than on real timers.
func TestAnalyticsClocksAreAfterClocks(t *testing.T) {
	t.Parallel()
	var _ scheduler.AfterClock = (*analytics.FakeClock)(nil)
	if _, ok := analytics.SystemClock().(scheduler.AfterClock); !ok {
		t.Errorf("analytics.SystemClock() (%T) is not a scheduler.AfterClock", analytics.SystemClock())
	}
}

// clockFunc is a clock of a type == cannot compare, as a host may write.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// A Snapshotter on a func-typed clock gives its clock to a scheduler with
// Config.Clock nil, or the same func; another func is rejected.
func TestNewAcceptsTheSnapshottersFuncClock(t *testing.T) {
	t.Parallel()
	at := ts("2026-03-11T02:00:00Z")
	now := clockFunc(func() time.Time { return at })
	other := clockFunc(func() time.Time { return at.Add(time.Hour) })
	store, runs := memBackend.open(t, analytics.NewFakeClock(at), twoTeams)
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scheduler.New(snap, runs, nil); err != nil {
		t.Errorf("New(nil) with a func-clock Snapshotter: %v", err)
	}
	if _, err := scheduler.New(snap, runs, &scheduler.Config{Clock: now}); err != nil {
		t.Errorf("New with the Snapshotter's own func clock: %v", err)
	}
	_, err = scheduler.New(snap, runs, &scheduler.Config{Clock: other})
	wantField(t, "New(another func clock)", err, "Config.Clock")
}
