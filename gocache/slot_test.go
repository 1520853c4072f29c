package gocache

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// slotIDs are team and account IDs that could break a hash tag if they
// were written raw: braces alone, paired, reversed and inside text, the
// escape character, non-ASCII, and IDs at the length limit.
var slotIDs = []string{
	"t", "{", "}", "{}", "}{", "a{b}c", "{a}", "a}b{", "{{}}", "}}", "%7B", "%7D", " ", ".",
	"é", "日本語", "🙂{🙂}",
	strings.Repeat("x{", 512), strings.Repeat("}", 1024), strings.Repeat("y", 1024),
}

// slotKeys returns every Redis key the cache writes for team (each value
// key shape, with and without an account, with and without a query) with
// the team's generation key, which all must hash to one slot.
func slotKeys(prefix, team string) (gen string, values []string) {
	keys := []analytics.CacheKey{
		analytics.RealTimeKey(analytics.TeamScope(team)),
		analytics.DashboardKey(team, 30),
		analytics.SnapshotsKey(analytics.TeamScope(team), analytics.Daily, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 31)),
		{Kind: "custom", TeamID: team, Query: "{q}:}{"},
	}
	for _, acc := range append([]string{"all"}, slotIDs...) {
		keys = append(keys,
			analytics.RealTimeKey(analytics.AccountScope(team, acc)),
			analytics.SnapshotsKey(analytics.AccountScope(team, acc), analytics.Weekly, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 31)),
			analytics.CacheKey{Kind: "custom", TeamID: team, AccountID: acc, Query: acc})
	}
	for i, k := range keys {
		values = append(values, valueKey(prefix, k, int64(i), false, 0))
	}
	return genKey(prefix, team), values
}

// keySlot is the Redis Cluster hash slot of key, written from the cluster
// specification: CRC16 (XMODEM) of the hash tag (the bytes between the
// first '{' and the first '}' after it, if not empty) or else of the
// whole key, modulo 16384.
func keySlot(key string) int {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if end := strings.IndexByte(key[open+1:], '}'); end > 0 {
			key = key[open+1 : open+1+end]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}

// TestKeySlotMatchesSpec checks keySlot against slots the Redis Cluster
// specification gives, so that the slot proof below rests on it.
func TestKeySlotMatchesSpec(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]int{
		"123456789":            0x31C3, // the CRC16 (XMODEM) check value
		"somekey":              11058,  // examples of CLUSTER KEYSLOT's documentation
		"foo{hash_tag}":        2515,
		"{user1000}.following": keySlot("user1000"),
		"foo{}{bar}":           keySlot("foo{}{bar}"),
		"foo{{bar}}zap":        keySlot("{bar"),
		"foo{bar}{zap}":        keySlot("bar"),
	} {
		if got := keySlot(key); got != want {
			t.Errorf("keySlot(%q) = %d, want %d", key, got, want)
		}
	}
}

// TestClusterSlots proves on the Redis Cluster of TEST_REDIS_CLUSTER_ADDRS
// that every key the cache writes for a team shares the slot of the team's
// generation key, whatever braces the team and account IDs hold, so that
// the one MGET of a read never fails with CROSSSLOT; that the prefix
// cannot hold a brace; and that teams spread over the slots.
func TestClusterSlots(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.RedisCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var all []string
	for _, team := range slotIDs {
		gen, values := slotKeys(prefix, team)
		all = append(all, gen)
		all = append(all, values...)
	}
	slots := clusterKeySlots(ctx, t, rdb, all)
	for _, team := range slotIDs {
		gen, values := slotKeys(prefix, team)
		if slots[gen] != keySlot(gen) {
			t.Fatalf("CLUSTER KEYSLOT %q = %d, the specification gives %d", gen, slots[gen], keySlot(gen))
		}
		for _, v := range values {
			if slots[v] != slots[gen] || keySlot(v) != slots[gen] {
				t.Errorf("team %q: value key %q is in slot %d (by the specification %d), its generation key %q in %d",
					team, v, slots[v], keySlot(v), gen, slots[gen])
				continue
			}
			// The read's one MGET, through the cluster client.
			if err := rdb.Set(ctx, v, "v", time.Minute).Err(); err != nil {
				t.Fatalf("SET %q: %v", v, err)
			}
			if res, err := rdb.MGet(ctx, gen, v).Result(); err != nil || res[1] != "v" {
				t.Fatalf("MGET %q %q = %v, %v", gen, v, res, err)
			}
		}
	}

	t.Run("PrefixHasNoBrace", func(t *testing.T) {
		for _, p := range []string{"{", "}", "a{b}", "}{", "{}"} {
			_, err := New(&Config{Redis: rdb, Prefix: p})
			var fe *analytics.FieldError
			if !errors.As(err, &fe) || fe.Field != "Config.Prefix" {
				t.Errorf("New with Prefix %q: %v, want an error naming Config.Prefix", p, err)
			}
		}
	})

	t.Run("TeamsSpread", func(t *testing.T) {
		const teams = 1000
		var gens []string
		for i := range teams {
			gens = append(gens, genKey(prefix, "team-"+strconv.Itoa(i)))
		}
		distinct := map[int]bool{}
		for _, s := range clusterKeySlots(ctx, t, rdb, gens) {
			distinct[s] = true
		}
		masters, used := map[string]bool{}, map[string]bool{}
		ranges, err := rdb.ClusterSlots(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ranges {
			masters[r.Nodes[0].Addr] = true
			for s := range distinct {
				if s >= r.Start && s <= r.End {
					used[r.Nodes[0].Addr] = true
				}
			}
		}
		t.Logf("%d teams: %d distinct slots on %d of %d masters", teams, len(distinct), len(used), len(masters))
		if len(distinct) < teams*9/10 || len(used) != len(masters) {
			t.Errorf("%d teams fall in %d slots on %d of %d masters; want them spread", teams, len(distinct), len(used), len(masters))
		}
	})
}

// TestClusterCacheBraces: a cache on the cluster serves every key of the
// brace-laden IDs from Redis without a Redis error.
func TestClusterCacheBraces(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.RedisCluster(t)
	ctx := context.Background()
	c, err := New(&Config{Redis: rdb, Prefix: prefix, DisableL1: true, RedisTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, team := range slotIDs {
		for _, acc := range []string{"", "{", "}{", "a{b}c"} {
			k := analytics.DashboardKey(team, 7)
			k.AccountID = acc
			if err := c.Set(ctx, k, []byte(team+acc), time.Minute); err != nil {
				t.Fatal(err)
			}
			if v, ok, err := c.Get(ctx, k); err != nil || !ok || string(v) != team+acc {
				t.Fatalf("Get(%+v) = %q, %v, %v", k, v, ok, err)
			}
		}
		if err := c.InvalidateTeam(ctx, team); err != nil {
			t.Fatalf("InvalidateTeam(%q): %v", team, err)
		}
	}
	if st := c.Stats(); st.L2.Errors != 0 || st.L2.Hits == 0 {
		t.Errorf("L2 stats %+v: want hits and no errors", st.L2)
	}
}

// clusterKeySlots asks the cluster for the slot of every key (CLUSTER
// KEYSLOT, pipelined to one node).
func clusterKeySlots(ctx context.Context, t *testing.T, rdb *redis.ClusterClient, keys []string) map[string]int {
	t.Helper()
	node := redis.NewClient(&redis.Options{Addr: rdb.Options().Addrs[0]})
	defer node.Close()
	cmds := make([]*redis.IntCmd, len(keys))
	if _, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.ClusterKeySlot(ctx, k)
		}
		return nil
	}); err != nil {
		t.Fatalf("CLUSTER KEYSLOT: %v", err)
	}
	out := make(map[string]int, len(keys))
	for i, k := range keys {
		out[k] = int(cmds[i].Val())
	}
	return out
}
