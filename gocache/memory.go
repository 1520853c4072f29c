package gocache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/allegro/bigcache/v3"
	"github.com/eko/gocache/lib/v4/store"
	bigcachestore "github.com/eko/gocache/store/bigcache/v4"
)

// memoryTier is the in-process tier: a gocache store holding entries under
// memory-tier keys.
type memoryTier struct {
	store store.StoreInterface
	// own is the bigcache behind the default store, closed by close; nil
	// for a host's store. bigcache copies on Get and Set, so its entries
	// are never shared with callers; a host's store may share them, so its
	// reads and writes are copied.
	own   *bigcache.BigCache
	stats *tierCounters
	log   *slog.Logger
}

// newMemoryTier returns cfg.Memory, or the default bigcache store.
func newMemoryTier(cfg *Config, stats *tierCounters) (*memoryTier, error) {
	m := &memoryTier{store: cfg.Memory, stats: stats, log: cfg.Logger}
	if m.store != nil {
		return m, nil
	}
	bc, err := bigcache.New(context.Background(), bigcache.Config{
		Shards: cfg.L1Shards,
		// bigcache evicts by insertion age only, never checks it on Get,
		// and has one window for all entries: it is used here to evict
		// dead entries, never for expiry, which every entry carries.
		LifeWindow:         max(cfg.TTLs.RealTime, cfg.TTLs.Dashboard, cfg.TTLs.Snapshots, cfg.TTLs.Campaigns) + time.Minute,
		CleanWindow:        time.Minute,
		MaxEntriesInWindow: cfg.L1Shards * 16,
		MaxEntrySize:       2048,
		HardMaxCacheSize:   cfg.L1MaxMB,
		Verbose:            false,
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: memory cache: %w", err)
	}
	m.own = bc
	m.store = bigcachestore.NewBigcache(bc)
	return m, nil
}

// get returns the value of the entry under k, if there is one that has not
// expired at now. record=false leaves the hit and miss counters alone.
func (m *memoryTier) get(ctx context.Context, k string, now time.Time, record bool) ([]byte, bool) {
	b, err := m.read(ctx, k)
	if err != nil {
		if !notFound(err) {
			m.stats.errors.Add(1)
			m.log.Debug("analytics: cache: memory tier failed a read", "key", k, "error", err)
		}
		if record {
			m.stats.misses.Add(1)
		}
		return nil, false
	}
	exp, val, ok := decodeEntry(b)
	switch {
	case !ok:
		m.stats.errors.Add(1)
		m.log.Debug("analytics: cache: undecodable memory entry", "key", k)
	case now.UnixNano() >= exp:
		if record {
			m.stats.expired.Add(1)
		}
	default:
		if record {
			m.stats.hits.Add(1)
		}
		if m.own == nil {
			val = bytes.Clone(val)
		}
		return val, true
	}
	if record {
		m.stats.misses.Add(1)
	}
	return nil, false
}

// read returns the bytes stored under k. The default store is read
// straight from its bigcache, as the store's own Get does, without boxing
// the key and the value into interfaces on every hit; a host's store is
// read through its Get, and may return []byte or string.
func (m *memoryTier) read(ctx context.Context, k string) ([]byte, error) {
	if m.own != nil {
		return m.own.Get(k)
	}
	v, err := m.store.Get(ctx, k)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("the store returned a %T, not []byte or string", v)
}

// notFound reports whether err is a store's "no such key".
func notFound(err error) bool {
	return errors.Is(err, bigcache.ErrEntryNotFound) || errors.Is(err, &store.NotFound{})
}

// set stores entry under k for ttl, for the stores that honour it.
func (m *memoryTier) set(ctx context.Context, k string, entry []byte, ttl time.Duration) {
	var err error
	if m.own != nil {
		err = m.store.Set(ctx, k, entry)
	} else {
		err = m.store.Set(ctx, k, bytes.Clone(entry), store.WithExpiration(ttl))
	}
	if err != nil {
		m.stats.errors.Add(1)
		m.log.Debug("analytics: cache: memory tier refused an entry", "bytes", len(entry), "error", err)
		return
	}
	m.stats.sets.Add(1)
}

// close closes the default store's bigcache; a host's store stays open.
func (m *memoryTier) close() error {
	if m.own == nil {
		return nil
	}
	return m.own.Close()
}
