package analytics_test

import (
	"errors"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// clockFunc is a clock of a type == cannot compare, as a host may write.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// A func-typed clock set once is the Service's and the Snapshotter's clock;
// two different ones are still rejected, naming the Snapshotter's field.
func TestNewAcceptsAFuncClock(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 11, 14, 0, 0, 0, time.UTC)
	now := clockFunc(func() time.Time { return at })
	other := clockFunc(func() time.Time { return at.Add(time.Hour) })
	for _, cfg := range []*analytics.Config{
		{Clock: now},
		{Snapshotter: &analytics.SnapshotterConfig{Clock: now}},
		{Clock: now, Snapshotter: &analytics.SnapshotterConfig{Clock: now}},
	} {
		svc, err := analytics.New(memstore.New(nil), cfg)
		if err != nil {
			t.Fatalf("New(%+v): %v", cfg, err)
		}
		if got := svc.Snapshotter().Clock().Now(); !got.Equal(at) {
			t.Errorf("Snapshotter's clock says %v, want %v", got, at)
		}
	}
	_, err := analytics.New(memstore.New(nil), &analytics.Config{Clock: now, Snapshotter: &analytics.SnapshotterConfig{Clock: other}})
	var fe *analytics.FieldError
	if !errors.As(err, &fe) || fe.Field != "Config.Snapshotter.Clock" {
		t.Errorf("New with two func clocks: %v, want a FieldError naming Config.Snapshotter.Clock", err)
	}
}
