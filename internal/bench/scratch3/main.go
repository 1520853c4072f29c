package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/bench"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/store/pgstore"
)

type hook struct {
	mu sync.Mutex
	ts []struct {
		d time.Duration
		q string
	}
}

func (h *hook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }
func (h *hook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	h.mu.Lock()
	h.ts = append(h.ts, struct {
		d time.Duration
		q string
	}{time.Since(e.StartTime), e.Query})
	h.mu.Unlock()
}

func main() {
	ctx := context.Background()
	url := os.Getenv("TEST_DATABASE_URL")
	cfg := synth.Config{Seed: 7, Teams: 60, AccountsPerTeam: 3, Start: analytics.NewDate(2026, 3, 2), Days: 35, MessagesPerDay: 6000}
	if _, err := bench.Load(ctx, url, "perf_cc", cfg, true, os.Stderr); err != nil {
		panic(err)
	}
	db, err := bench.Open(ctx, url, "perf_cc", 4)
	if err != nil {
		panic(err)
	}
	st, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		panic(err)
	}
	teams, _ := synth.Teams(cfg)
	from := analytics.NewDate(2026, 3, 2).In(time.UTC)
	var items []analytics.ScopePeriod
	for _, t := range teams {
		loc, _ := t.Location()
		seen := map[analytics.Period]bool{}
		for d := 0; d < cfg.Days; d++ {
			day := analytics.DateOf(from.In(loc)).AddDays(d)
			for _, typ := range analytics.SnapshotTypes() {
				p, _ := analytics.PeriodOf(typ, day.In(loc).Add(12*time.Hour), loc)
				if seen[p] {
					continue
				}
				seen[p] = true
				for _, sc := range t.Scopes() {
					items = append(items, analytics.ScopePeriod{Scope: sc, Period: p})
				}
			}
		}
	}
	h := &hook{}
	db.AddQueryHook(h)
	t0 := time.Now()
	if _, err := st.Aggregate(ctx, analytics.AggregateRequest{Items: items}); err != nil {
		panic(err)
	}
	fmt.Println("total", time.Since(t0), len(items), "statements", len(h.ts))
	sort.Slice(h.ts, func(i, j int) bool { return h.ts[i].d > h.ts[j].d })
	agg := map[string]time.Duration{}
	for _, x := range h.ts {
		f := strings.Fields(x.q)
		k := f[0]
		if len(f) > 1 {
			k += " " + f[1]
		}
		agg[k] += x.d
	}
	fmt.Println(agg)
	for i := 0; i < 3 && i < len(h.ts); i++ {
		fmt.Println(h.ts[i].d)
		os.WriteFile(fmt.Sprintf("/tmp/slow_%d.sql", i), []byte(h.ts[i].q), 0o644)
	}
}
