package soak_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/internal/soak"
)

// WithDefaults sets every zero field to the default its documentation
// states.
func TestConfigWithDefaults(t *testing.T) {
	t.Parallel()
	var nilCfg *soak.Config
	got := nilCfg.WithDefaults()
	want := soak.Config{
		Duration: 20 * time.Second, Teams: 1000, Readers: 200, InvalidationsPerSecond: 200,
		InvalidationBound: gocache.DefaultInvalidationBound, CheckBound: gocache.DefaultInvalidationBound,
		TTLs: analytics.CacheTTLs{RealTime: 2 * time.Second, Dashboard: 3 * time.Second, Snapshots: 5 * time.Second},
	}
	if got.During != nil {
		t.Error("WithDefaults().During is set")
	}
	if diff := cmp.Diff(want, *got, cmpopts.IgnoreFields(soak.Config{}, "During")); diff != "" {
		t.Errorf("WithDefaults() (-want +got):\n%s", diff)
	}
	if got := (&soak.Config{InvalidationBound: time.Minute}).WithDefaults().CheckBound; got != time.Minute {
		t.Errorf("WithDefaults().CheckBound = %v, want InvalidationBound", got)
	}
}

// Run names the bad field of its Config before it sets anything up.
func TestRunNamesTheBadField(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer rdb.Close()
	tests := []struct {
		field string
		cfg   soak.Config
	}{
		{"Config.Redis", soak.Config{Prefix: "p"}},
		{"Config.Prefix", soak.Config{Redis: rdb}},
		{"Config.Teams", soak.Config{Redis: rdb, Prefix: "p", Teams: -1}},
		{"Config.Readers", soak.Config{Redis: rdb, Prefix: "p", Readers: -1}},
		{"Config.CheckBound", soak.Config{Redis: rdb, Prefix: "p", CheckBound: -time.Second}},
	}
	for _, tt := range tests {
		_, err := soak.Run(context.Background(), tt.cfg)
		var fe *analytics.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Run with a bad %s: %v, want a FieldError naming it", tt.field, err)
		}
	}
}
