package gocache

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/msgstats/analytics"
)

func TestCacheKeyScheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key   analytics.CacheKey
		gen   int64
		redis string
	}{
		{analytics.RealTimeKey(analytics.TeamScope("team_1")), 0, "analytics:realtime:{team_1}:g0:all"},
		{analytics.RealTimeKey(analytics.AccountScope("team_1", "acc-9")), 2, "analytics:realtime:{team_1}:g2:acc-9"},
		{analytics.RealTimeKey(analytics.AccountScope("team_1", "all")), 2, "analytics:realtime:{team_1}:g2:%61ll"},
		{analytics.DashboardKey("team_1", 30), 3, "analytics:dashboard:{team_1}:g3:all:30d"},
		{analytics.SnapshotsKey(analytics.TeamScope("t"), analytics.Daily, analytics.NewDate(2026, 1, 1), analytics.NewDate(2026, 1, 31)), 0,
			"analytics:snapshots:{t}:g0:all:Daily:2026-01-01:2026-01-31"},
		{analytics.RealTimeKey(analytics.AccountScope("a:b{c}", "50%")), 1, "analytics:realtime:{a%3Ab%7Bc%7D}:g1:50%25"},
		{analytics.CacheKey{Kind: "x", TeamID: "é", Query: "a b|c"}, 0, "analytics:x:{%C3%A9}:g0:all:a%20b%7Cc"},
	}
	for _, tt := range tests {
		if got := valueKey("analytics", tt.key, tt.gen, false, 0); got != tt.redis {
			t.Errorf("valueKey(%+v, g%d) = %q, want %q", tt.key, tt.gen, got, tt.redis)
		}
		if got, want := valueKey("analytics", tt.key, tt.gen, true, 7), tt.redis+"|7"; got != want {
			t.Errorf("memory key of %+v = %q, want %q", tt.key, got, want)
		}
	}
	if got, want := genKey("analytics", "a:b"), "analytics:gen:{a%3Ab}"; got != want {
		t.Errorf("genKey = %q, want %q", got, want)
	}
}

// TestCacheKeyDistinct checks pairs that a naive scheme would confuse.
func TestCacheKeyDistinct(t *testing.T) {
	t.Parallel()
	keys := []analytics.CacheKey{
		analytics.RealTimeKey(analytics.TeamScope("t")),
		analytics.RealTimeKey(analytics.AccountScope("t", "all")),
		analytics.RealTimeKey(analytics.AccountScope("t", "%61ll")),
		analytics.RealTimeKey(analytics.AccountScope("t", "a")),
		{Kind: analytics.KindDashboard, TeamID: "t", AccountID: "a"},
		{Kind: analytics.KindRealTime, TeamID: "t", AccountID: "a:", Query: ""},
		{Kind: analytics.KindRealTime, TeamID: "t", AccountID: "a", Query: ":"},
		{Kind: analytics.KindRealTime, TeamID: "t:g0:a", AccountID: ""},
		{Kind: analytics.KindRealTime, TeamID: "t}:g0:{a", AccountID: ""},
		{Kind: analytics.KindRealTime, TeamID: "t", AccountID: "%3A"},
		{Kind: analytics.KindRealTime, TeamID: "t", AccountID: ":"},
		{Kind: analytics.KindRealTime, TeamID: "t", Query: "%3A"},
		{Kind: analytics.KindRealTime, TeamID: "t", Query: "all"},
		{Kind: analytics.KindRealTime, TeamID: "t", AccountID: "all", Query: "x"},
		{Kind: analytics.KindRealTime, TeamID: "t", AccountID: "x|1"},
		{Kind: "gen", TeamID: "t"},
	}
	seen := map[string]analytics.CacheKey{genKey("p", "t"): {Kind: "<gen counter>"}}
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			t.Fatalf("%+v: %v", k, err)
		}
		for _, l1 := range []bool{false, true} {
			s := valueKey("p", k, 0, l1, 1)
			if prev, ok := seen[s]; ok {
				t.Errorf("%+v and %+v share the key %q", prev, k, s)
			}
			seen[s] = k
		}
	}
}

// parseValueKey inverts valueKey for prefix, so that a round trip proves
// the encoding injective.
func parseValueKey(t *testing.T, prefix, s string) (k analytics.CacheKey, gen int64, epoch uint64, l1 bool) {
	t.Helper()
	rest, ok := strings.CutPrefix(s, prefix+":")
	if !ok {
		t.Fatalf("%q lacks the prefix", s)
	}
	if i := strings.LastIndexByte(rest, '|'); i >= 0 {
		e, err := strconv.ParseUint(rest[i+1:], 10, 64)
		if err != nil {
			t.Fatalf("%q: epoch: %v", s, err)
		}
		rest, epoch, l1 = rest[:i], e, true
	}
	parts := strings.SplitN(rest, ":", 5)
	if len(parts) < 4 {
		t.Fatalf("%q: %d segments", s, len(parts))
	}
	team := parts[1]
	if len(team) < 2 || team[0] != '{' || team[len(team)-1] != '}' {
		t.Fatalf("%q: team segment %q lacks its hash tag", s, team)
	}
	g, err := strconv.ParseInt(strings.TrimPrefix(parts[2], "g"), 10, 64)
	if err != nil || !strings.HasPrefix(parts[2], "g") {
		t.Fatalf("%q: generation %q", s, parts[2])
	}
	k.Kind = unescape(t, parts[0])
	k.TeamID = unescape(t, team[1:len(team)-1])
	if parts[3] != "all" {
		k.AccountID = unescape(t, parts[3])
	}
	if len(parts) == 5 {
		k.Query = unescape(t, parts[4])
		if k.Query == "" {
			t.Fatalf("%q: empty query segment", s)
		}
	}
	return k, g, epoch, l1
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			t.Fatalf("%q: truncated escape", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil || strings.ToUpper(s[i+1:i+3]) != s[i+1:i+3] {
			t.Fatalf("%q: bad escape", s)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String()
}

// FuzzCacheKey checks that every valid key survives a round trip through
// its encoded form, so no two distinct keys (and generations and epochs)
// encode alike, that the hash tag is exactly the escaped team, and that
// the generation key shares that tag.
func FuzzCacheKey(f *testing.F) {
	f.Add("realtime", "team", "", "", int64(0), uint64(1))
	f.Add("realtime", "team", "all", "", int64(3), uint64(2))
	f.Add("dashboard", "t:{x}", "%61ll", "30d", int64(9), uint64(0))
	f.Add("snapshots", "%", "a|b", "Daily:2026-01-01:2026-01-31", int64(1), uint64(5))
	f.Fuzz(func(t *testing.T, kind, team, account, query string, gen int64, epoch uint64) {
		k := analytics.CacheKey{Kind: kind, TeamID: team, AccountID: account, Query: query}
		if k.Validate() != nil || gen < 0 {
			return
		}
		for _, l1 := range []bool{false, true} {
			s := valueKey("pre:fix", k, gen, l1, epoch)
			gotK, gotGen, gotEpoch, gotL1 := parseValueKey(t, "pre:fix", s)
			want := fmt.Sprint(k, gen, l1)
			got := fmt.Sprint(gotK, gotGen, gotL1)
			if diff := cmp.Diff(k, gotK); diff != "" || got != want {
				t.Fatalf("round trip of %q (-want +got):\n%s\n%s vs %s", s, diff, want, got)
			}
			if l1 && gotEpoch != epoch {
				t.Fatalf("%q: epoch %d, want %d", s, gotEpoch, epoch)
			}
			open := strings.IndexByte(s, '{')
			end := strings.IndexByte(s[open:], '}')
			tag := s[open+1 : open+end]
			g := genKey("pre:fix", team)
			if gOpen := strings.IndexByte(g, '{'); g[gOpen+1:len(g)-1] != tag {
				t.Fatalf("hash tags differ: value %q, generation %q", s, g)
			}
			if unescape(t, tag) != team {
				t.Fatalf("%q: hash tag %q is not the team %q", s, tag, team)
			}
		}
	})
}
