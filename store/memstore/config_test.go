package memstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// WithDefaults gives the system clock, and keeps a clock that is set.
func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	var nilCfg *memstore.Config
	if got := nilCfg.WithDefaults().Clock; got != analytics.SystemClock() {
		t.Errorf("WithDefaults().Clock = %v, want analytics.SystemClock()", got)
	}
	clock := analytics.NewFakeClock(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	if got := (&memstore.Config{Clock: clock}).WithDefaults().Clock; got != clock {
		t.Errorf("WithDefaults().Clock = %v, want the clock set", got)
	}
}

// New panics with a *analytics.FieldError naming Config.Clock for a typed
// nil clock, which would otherwise panic at first use.
func TestNewRejectsTypedNilClock(t *testing.T) {
	t.Parallel()
	defer func() {
		err, _ := recover().(error)
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != "Config.Clock" || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("New with a nil *FakeClock panicked with %v, want a FieldError naming Config.Clock", err)
		}
	}()
	var nilClock *analytics.FakeClock
	memstore.New(&memstore.Config{Clock: nilClock})
}
