package analytics_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// nilCache is a Cache whose nil pointer is a typed nil.
type nilCache struct{ analytics.Cache }

// WithDefaults sets every zero field of a Config, the Snapshotter's
// included, to the default its documentation states; set fields are kept,
// the Service's clock and logger are the Snapshotter's defaults and the
// other way round, and the caller's Config is left as it was.
func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(svcNow)
	logger := slog.New(slog.DiscardHandler)
	tests := []struct {
		name string
		cfg  *analytics.Config
		want func(c *analytics.Config) any
		is   any
	}{
		{"Clock", nil, func(c *analytics.Config) any { return c.Clock }, analytics.SystemClock()},
		{"Clock kept", &analytics.Config{Clock: clock}, func(c *analytics.Config) any { return c.Clock }, clock},
		{"Clock from Snapshotter.Clock", &analytics.Config{Snapshotter: &analytics.SnapshotterConfig{Clock: clock}},
			func(c *analytics.Config) any { return c.Clock }, clock},
		{"Snapshotter.Clock from Clock", &analytics.Config{Clock: clock}, func(c *analytics.Config) any { return c.Snapshotter.Clock }, clock},
		{"Snapshotter.Clock", nil, func(c *analytics.Config) any { return c.Snapshotter.Clock }, analytics.SystemClock()},
		{"Snapshotter.Logger from Logger", &analytics.Config{Logger: logger}, func(c *analytics.Config) any { return c.Snapshotter.Logger }, logger},
		{"Logger set", nil, func(c *analytics.Config) any { return c.Logger != nil }, true},
		{"WarmDashboards", nil, func(c *analytics.Config) any { return c.WarmDashboards }, []int{7, 30, 90}},
		{"WarmDashboards empty kept", &analytics.Config{WarmDashboards: []int{}}, func(c *analytics.Config) any { return len(c.WarmDashboards) }, 0},
		{"Snapshotter.BatchSize", nil, func(c *analytics.Config) any { return c.Snapshotter.BatchSize }, 200},
		{"Snapshotter.BatchSize kept", &analytics.Config{Snapshotter: &analytics.SnapshotterConfig{BatchSize: 7}},
			func(c *analytics.Config) any { return c.Snapshotter.BatchSize }, 7},
		{"Snapshotter.ReplyWindow", nil, func(c *analytics.Config) any { return c.Snapshotter.ReplyWindow }, analytics.DefaultReplyWindow},
		{"Snapshotter.RollUpParallelism", nil, func(c *analytics.Config) any { return c.Snapshotter.RollUpParallelism }, 2},
		{"Cache", nil, func(c *analytics.Config) any { return c.Cache == nil }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var before analytics.Config
			if tt.cfg != nil {
				before = *tt.cfg
			}
			got := tt.cfg.WithDefaults()
			if diff := cmpAny(tt.is, tt.want(got)); diff != "" {
				t.Errorf("WithDefaults().%s: %s", tt.name, diff)
			}
			if tt.cfg != nil && (tt.cfg.Snapshotter != before.Snapshotter || tt.cfg.Clock != before.Clock || tt.cfg.Logger != before.Logger) {
				t.Errorf("WithDefaults modified its receiver")
			}
		})
	}
}

// WithDefaults sets every zero field of a SnapshotterConfig to the default
// its documentation states.
func TestSnapshotterConfigWithDefaults(t *testing.T) {
	t.Parallel()
	var nilCfg *analytics.SnapshotterConfig
	got := nilCfg.WithDefaults()
	for name, c := range map[string]struct{ got, want any }{
		"Clock":             {got.Clock, analytics.SystemClock()},
		"BatchSize":         {got.BatchSize, 200},
		"ReplyWindow":       {got.ReplyWindow, 24 * time.Hour},
		"RollUpParallelism": {got.RollUpParallelism, 2},
		"Logger set":        {got.Logger != nil, true},
		"AfterBatch nil":    {got.AfterBatch == nil, true},
	} {
		if diff := cmpAny(c.want, c.got); diff != "" {
			t.Errorf("WithDefaults().%s: %s", name, diff)
		}
	}
	kept := (&analytics.SnapshotterConfig{BatchSize: 3, ReplyWindow: time.Hour, RollUpParallelism: 1}).WithDefaults()
	if kept.BatchSize != 3 || kept.ReplyWindow != time.Hour || kept.RollUpParallelism != 1 {
		t.Errorf("WithDefaults changed set fields: %+v", kept)
	}
}

// Each invalid field gives a *FieldError, wrapping ErrInvalidArgument,
// that names the field of the struct the caller filled in.
func TestConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	store := memstore.New(nil)
	clock := analytics.NewFakeClock(svcNow)
	var nilClock *analytics.FakeClock
	svc := []struct {
		field string
		cfg   analytics.Config
	}{
		{"Config.Clock", analytics.Config{Clock: nilClock}},
		{"Config.Cache", analytics.Config{Cache: (*nilCache)(nil)}},
		{"Config.WarmDashboards[1]", analytics.Config{WarmDashboards: []int{7, 0}}},
		{"Config.WarmDashboards[0]", analytics.Config{WarmDashboards: []int{analytics.MaxDashboardDays + 1}}},
		{"Config.Snapshotter.Clock", analytics.Config{Snapshotter: &analytics.SnapshotterConfig{Clock: nilClock}}},
		{"Config.Snapshotter.Clock", analytics.Config{Clock: clock, Snapshotter: &analytics.SnapshotterConfig{Clock: analytics.NewFakeClock(svcNow)}}},
		{"Config.Snapshotter.BatchSize", analytics.Config{Snapshotter: &analytics.SnapshotterConfig{BatchSize: -1}}},
		{"Config.Snapshotter.ReplyWindow", analytics.Config{Snapshotter: &analytics.SnapshotterConfig{ReplyWindow: -time.Second}}},
		{"Config.Snapshotter.RollUpParallelism", analytics.Config{Snapshotter: &analytics.SnapshotterConfig{RollUpParallelism: -1}}},
	}
	for _, tt := range svc {
		_, err := analytics.New(store, &tt.cfg)
		wantField(t, "New with a bad "+tt.field, err, tt.field)
	}
	snap := []struct {
		field string
		cfg   analytics.SnapshotterConfig
	}{
		{"SnapshotterConfig.Clock", analytics.SnapshotterConfig{Clock: nilClock}},
		{"SnapshotterConfig.BatchSize", analytics.SnapshotterConfig{BatchSize: -1}},
		{"SnapshotterConfig.ReplyWindow", analytics.SnapshotterConfig{ReplyWindow: -time.Second}},
		{"SnapshotterConfig.RollUpParallelism", analytics.SnapshotterConfig{RollUpParallelism: -1}},
	}
	for _, tt := range snap {
		_, err := analytics.NewSnapshotter(store, &tt.cfg)
		wantField(t, "NewSnapshotter with a bad "+tt.field, err, tt.field)
	}
	// One clock set in both places is one clock.
	if _, err := analytics.New(store, &analytics.Config{Clock: clock, Snapshotter: &analytics.SnapshotterConfig{Clock: clock}}); err != nil {
		t.Errorf("New with the same clock twice: %v", err)
	}
}

// The Service's Snapshotter takes Config.Snapshotter: its clock, and its
// AfterBatch, called with the batch the Service has stored.
func TestServiceUsesSnapshotterConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := analytics.NewFakeClock(svcNow)
	store := memstore.New(&memstore.Config{Clock: clock})
	if err := store.AddTeams(analytics.Team{ID: "t1"}); err != nil {
		t.Fatal(err)
	}
	var got []analytics.Snapshot
	svc, err := analytics.New(store, &analytics.Config{Snapshotter: &analytics.SnapshotterConfig{
		Clock:      clock,
		AfterBatch: func(_ context.Context, snaps []analytics.Snapshot) { got = append(got, snaps...) },
	}})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Snapshotter().Clock() != clock {
		t.Errorf("Snapshotter().Clock() = %v, want Config.Snapshotter.Clock", svc.Snapshotter().Clock())
	}
	p, err := analytics.PeriodOf(analytics.Daily, svcNow.Add(-24*time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Snapshotter().Generate(ctx, analytics.Scope{TeamID: "t1"}, p); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Scope.TeamID != "t1" {
		t.Errorf("Config.Snapshotter.AfterBatch got %+v, want the one snapshot generated", got)
	}
}

// cmpAny returns "" when got is want: equal by == when comparable (the
// same clock or logger), else deeply equal; otherwise what differs.
func cmpAny(want, got any) string {
	wt, gt := reflect.TypeOf(want), reflect.TypeOf(got)
	if wt == gt && wt != nil && wt.Comparable() {
		if want == got {
			return ""
		}
	} else if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("got %v (%T), want %v (%T)", got, got, want, want)
}
