// Package gocache is the tiered cache of the analytics SDK: an in-process
// memory tier in front of a shared Redis, behind the analytics.Cache
// interface that analytics.Service reads through.
//
// # Tiers
//
// The memory tier is any gocache store (a store.StoreInterface of
// github.com/eko/gocache/lib/v4). By default it is gocache's bigcache store
// over a bigcache of Config.L1Shards shards and Config.L1MaxMB MiB; a host
// that already runs another gocache store passes it as Config.Memory. The
// Redis tier is a go-redis client (Config.Redis, any redis.UniversalClient):
// it holds the entries shared by every replica and each team's generation
// counter. Either tier may be turned off.
//
// Reads try memory, then Redis (backfilling memory), then, for Load, the
// load function; writes go to both tiers.
//
// # Guarantees
//
//   - Per-entry expiry: every entry carries its expiry, read on the
//     configured Clock, and is never served after it, whatever the store
//     does with TTLs (bigcache ignores them).
//   - Invalidation: each team has a generation number in Redis that is part
//     of every key of the team. InvalidateTeam increments it with one INCR,
//     so no replica reads the team's older entries from Redis again, and
//     each replica re-reads the generation at most once per
//     Config.InvalidationBound, which bounds how long it serves older
//     entries from memory. Nothing deletes or flushes keys: the entries of
//     an old generation expire by their own TTL, and Clear is never called
//     on any store.
//   - Single flight: concurrent Loads of one key on one Cache run the load
//     function once, on a context detached from the callers', so a caller
//     that gives up never fails the others.
//   - Degraded mode: when Redis fails or is slow, the cache serves from
//     memory and the load functions for Config.RedisBackoff, then probes
//     Redis again; once Redis answers, the memory entries stored before
//     are no longer served. Tier errors are counted (Stats) and logged,
//     never returned.
//
// # Key scheme
//
// Every value lives in Redis under
//
//	{prefix}:{kind}:{{team}}:g{gen}:{account|all}[:{query}]
//
// and each team's generation counter under
//
//	{prefix}:gen:{{team}}
//
// for example analytics:realtime:{team_1}:g0:all and
// analytics:dashboard:{team_1}:g3:all:30d. Kind, team and account are
// escaped: every byte outside A–Z a–z 0–9 '-' '_' becomes '%' and two
// upper-case hex digits, and an account named "all" is written "%61ll". The
// query, last, is escaped the same way except that ':' and '.' stay raw.
// Reading a key from the left is therefore unambiguous, so distinct
// analytics.CacheKeys never collide. The braces around the team are a Redis
// Cluster hash tag: all keys of one team, its generation counter included,
// hash to one slot, so one MGET reads a generation and a value together on
// Cluster too. Memory-tier keys append "|" and the team's local epoch.
//
// # Redis access
//
// Entries and generations are read and written with go-redis directly, not
// through gocache's redis store: a read is one MGET of the generation and
// the value, which the store's interface cannot express (it would take two
// round trips), and the store's Get returns a string that a
// cache.Cache[[]byte] turns into an empty value.
//
// # Existing gocache caches
//
// A host that already runs a gocache cache.CacheInterface[[]byte], for
// example a chain, can use it as the analytics.Cache through Adapt, with the
// weaker guarantees its documentation lists.
package gocache
