package analytics_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/pgstore"
)

// A typed nil given to a constructor (a nil *redis.Client in gocache.Config,
// a nil *gocache.Cache as Config.Cache, a nil store, a nil clock) gives a
// FieldError naming the field, and no panic, then or later.
func TestTypedNilDependencies(t *testing.T) {
	t.Parallel()
	mem := memstore.New(nil)
	var (
		nilClient  *redis.Client
		nilCluster *redis.ClusterClient
		nilRing    *redis.Ring
		nilCache   *gocache.Cache
		nilClock   *analytics.FakeClock
		nilMem     *memstore.Store
		nilPG      *pgstore.Store
	)
	tests := []struct {
		name  string
		field string
		build func() error
	}{
		{"nil *redis.Client", "Config.Redis", func() error {
			_, err := gocache.New(&gocache.Config{Redis: nilClient})
			return err
		}},
		{"nil *redis.ClusterClient", "Config.Redis", func() error {
			_, err := gocache.New(&gocache.Config{Redis: nilCluster})
			return err
		}},
		{"nil *redis.Ring", "Config.Redis", func() error {
			_, err := gocache.New(&gocache.Config{Redis: nilRing})
			return err
		}},
		{"nil *redis.Client, memory off", "Config.Redis", func() error {
			_, err := gocache.New(&gocache.Config{Redis: nilClient, DisableL1: true})
			return err
		}},
		{"cache clock", "Config.Clock", func() error {
			_, err := gocache.New(&gocache.Config{Clock: nilClock})
			return err
		}},
		{"nil *gocache.Cache", "Config.Cache", func() error {
			_, err := analytics.New(mem, &analytics.Config{Cache: nilCache})
			return err
		}},
		{"service clock", "Config.Clock", func() error {
			_, err := analytics.New(mem, &analytics.Config{Clock: nilClock})
			return err
		}},
		{"service store", "store", func() error {
			_, err := analytics.New(nilMem, nil)
			return err
		}},
		{"snapshotter store", "store", func() error {
			_, err := analytics.NewSnapshotter(nilMem, nil)
			return err
		}},
		{"service nil *pgstore.Store", "store", func() error {
			_, err := analytics.New(nilPG, nil)
			return err
		}},
		{"snapshotter nil *pgstore.Store", "store", func() error {
			_, err := analytics.NewSnapshotter(nilPG, nil)
			return err
		}},
		{"snapshotter clock", "SnapshotterConfig.Clock", func() error {
			_, err := analytics.NewSnapshotter(mem, &analytics.SnapshotterConfig{Clock: nilClock})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := func() (err error) {
				defer func() {
					if v := recover(); v != nil {
						err = fmt.Errorf("panic: %v", v)
					}
				}()
				return tt.build()
			}()
			var fe *analytics.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, analytics.ErrInvalidArgument) {
				t.Errorf("got %v, want a FieldError naming %s", err, tt.field)
			}
		})
	}
}
