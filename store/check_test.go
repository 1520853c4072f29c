package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

func TestInvalidArgument(t *testing.T) {
	t.Parallel()
	err := error(store.InvalidArgument("Config.BatchSize", "must be positive, got %d", -3))
	if !errors.Is(err, analytics.ErrInvalidArgument) {
		t.Errorf("InvalidArgument = %v, want it to wrap ErrInvalidArgument", err)
	}
	var fe *analytics.FieldError
	if !errors.As(err, &fe) || fe.Field != "Config.BatchSize" || fe.Reason != "must be positive, got -3" {
		t.Errorf("InvalidArgument = %#v, want a FieldError naming Config.BatchSize with the formatted reason", err)
	}
	if want := "analytics: invalid argument: Config.BatchSize: must be positive, got -3"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

// nilCtx is a context.Context implementation whose nil pointer, stored in
// the interface, is a typed nil.
type nilCtx struct{ context.Context }

func TestCheckContext(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var typedNil *nilCtx
	tests := []struct {
		name    string
		ctx     context.Context
		invalid bool
	}{
		{"nil", nil, true},
		{"typed nil", typedNil, true},
		{"background", context.Background(), false},
		{"cancelled", cancelled, false},
	}
	for _, tt := range tests {
		err := store.CheckContext(tt.ctx)
		if !tt.invalid {
			if err != nil {
				t.Errorf("%s: CheckContext = %v, want nil", tt.name, err)
			}
			continue
		}
		var fe *analytics.FieldError
		if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "ctx" {
			t.Errorf("%s: CheckContext = %v, want a FieldError naming ctx", tt.name, err)
		}
	}
}

func TestValidateSnapshotDates(t *testing.T) {
	t.Parallel()
	d := func(day int) analytics.Date { return analytics.NewDate(2026, time.March, day) }
	tests := []struct {
		name  string
		teams []string
		typ   analytics.SnapshotType
		from  analytics.Date
		to    analytics.Date
		field string // "" when valid
	}{
		{"valid", []string{"t1", "t2"}, analytics.Daily, d(1), d(31), ""},
		{"one day", []string{"t1"}, analytics.Monthly, d(1), d(1), ""},
		{"no teams", nil, analytics.Weekly, d(1), d(2), ""},
		{"zero type", []string{"t1"}, 0, d(1), d(2), "typ"},
		{"zero from", []string{"t1"}, analytics.Daily, analytics.Date{}, d(2), "from"},
		{"zero to", []string{"t1"}, analytics.Daily, d(1), analytics.Date{}, "from"},
		{"from after to", []string{"t1"}, analytics.Daily, d(3), d(2), "from"},
		{"empty team", []string{"t1", ""}, analytics.Daily, d(1), d(2), "teams[1]"},
		{"long team", []string{strings.Repeat("t", 1025)}, analytics.Daily, d(1), d(2), "teams[0]"},
		{"type checked first", []string{""}, 0, d(3), d(2), "typ"},
	}
	for _, tt := range tests {
		err := store.ValidateSnapshotDates(tt.teams, tt.typ, tt.from, tt.to)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v, want nil", tt.name, err)
			}
			continue
		}
		var fe *analytics.FieldError
		if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: %v, want a FieldError naming %s", tt.name, err, tt.field)
		}
	}
}
