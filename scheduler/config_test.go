package scheduler_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// WithDefaults sets every zero field to the default its documentation
// states, but Clock, which New takes from the Snapshotter; -1 in a job's
// Lookback or Trailing is kept, and set fields are kept.
func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	var nilCfg *scheduler.Config
	d := nilCfg.WithDefaults()
	tests := []struct {
		name      string
		got, want any
	}{
		{"Clock", d.Clock == nil, true},
		{"Owner", strings.Count(d.Owner, "/"), 2},
		{"StaleAfter", d.StaleAfter, 2 * time.Minute},
		{"HeartbeatEvery", d.HeartbeatEvery, 30 * time.Second},
		{"HeartbeatEvery from StaleAfter", (&scheduler.Config{StaleAfter: time.Minute}).WithDefaults().HeartbeatEvery, 15 * time.Second},
		{"Retry", d.Retry, scheduler.Retry{Attempts: 3, Backoff: time.Second, MaxBackoff: time.Minute}},
		{"Logger", d.Logger != nil, true},
		{"OnIdle", d.OnIdle == nil, true},
		{"Daily", d.Daily, scheduler.JobConfig{Spec: scheduler.DefaultDailySpec, Lookback: 35, Trailing: 2}},
		{"Weekly", d.Weekly, scheduler.JobConfig{Spec: scheduler.DefaultWeeklySpec, Lookback: 8}},
		{"Monthly", d.Monthly, scheduler.JobConfig{Spec: scheduler.DefaultMonthlySpec, Lookback: 3}},
		{"-1 kept", (&scheduler.Config{Daily: scheduler.JobConfig{Lookback: -1, Trailing: -1}}).WithDefaults().Daily,
			scheduler.JobConfig{Spec: scheduler.DefaultDailySpec, Lookback: -1, Trailing: -1}},
		{"set kept", (&scheduler.Config{Owner: "me", Retry: scheduler.Retry{Attempts: 1}}).WithDefaults().Owner, "me"},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("WithDefaults().%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if again := d.WithDefaults(); again.Owner != d.Owner || again.Daily != d.Daily || again.Retry != d.Retry {
		t.Errorf("WithDefaults is not idempotent: %+v then %+v", d, again)
	}
}

// Each invalid field makes New fail with a *analytics.FieldError, wrapping
// ErrInvalidArgument, that names the field.
func TestConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(ts("2026-03-11T02:00:00Z"))
	store, runs := memBackend.open(t, clock, twoTeams)
	snap, err := analytics.NewSnapshotter(store, &analytics.SnapshotterConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	var nilClock *analytics.FakeClock
	tests := []struct {
		field string
		cfg   scheduler.Config
	}{
		{"Config.Clock", scheduler.Config{Clock: nilClock}},
		{"Config.Clock", scheduler.Config{Clock: analytics.SystemClock()}},
		{"Config.Owner", scheduler.Config{Owner: "a\x00b"}},
		{"Config.StaleAfter", scheduler.Config{StaleAfter: -time.Second}},
		{"Config.HeartbeatEvery", scheduler.Config{HeartbeatEvery: -time.Second}},
		{"Config.HeartbeatEvery", scheduler.Config{StaleAfter: time.Minute, HeartbeatEvery: time.Minute}},
		{"Config.Retry.Attempts", scheduler.Config{Retry: scheduler.Retry{Attempts: -1}}},
		{"Config.Retry.Backoff", scheduler.Config{Retry: scheduler.Retry{Backoff: -time.Second}}},
		{"Config.Retry.MaxBackoff", scheduler.Config{Retry: scheduler.Retry{MaxBackoff: -time.Second}}},
		{"Config.Daily.Lookback", scheduler.Config{Daily: scheduler.JobConfig{Lookback: -2}}},
		{"Config.Monthly.Lookback", scheduler.Config{Monthly: scheduler.JobConfig{Lookback: 1001}}},
		{"Config.Weekly.Trailing", scheduler.Config{Weekly: scheduler.JobConfig{Trailing: 1001}}},
		{"Config.Daily.Trailing", scheduler.Config{Daily: scheduler.JobConfig{Trailing: -2}}},
		{"Config.Weekly.Spec", scheduler.Config{Weekly: scheduler.JobConfig{Spec: "not a spec"}}},
		{"Config.Monthly.Spec", scheduler.Config{Monthly: scheduler.JobConfig{Spec: "7 4 1 * *"}}},
	}
	for _, tt := range tests {
		_, err := scheduler.New(snap, runs, &tt.cfg)
		wantField(t, "New with a bad "+tt.field, err, tt.field)
	}
}
