package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/bench"
	"github.com/msgstats/analytics/store/pgstore"
)

type hook struct{ on bool }

func (h *hook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }
func (h *hook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if !h.on {
		return
	}
	f := strings.Fields(e.Query)
	k := f[0]
	if len(f) > 1 {
		k += " " + f[1]
	}
	fmt.Printf("%-30s %6.2f ms\n", k, float64(time.Since(e.StartTime).Microseconds())/1000)
	os.WriteFile("/tmp/rt_"+strings.ReplaceAll(k, " ", "_")+".sql", []byte(e.Query), 0o644)
}

func main() {
	ctx := context.Background()
	db, err := bench.Open(ctx, os.Getenv("TEST_DATABASE_URL"), "bench_reads", 4)
	if err != nil {
		panic(err)
	}
	st, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		panic(err)
	}
	h := &hook{}
	db.AddQueryHook(h)
	clock := analytics.NewFakeClock(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC))
	svc, _ := analytics.New(st, &analytics.Config{Clock: clock})
	for i := 0; i < 10; i++ {
		if _, err := svc.RealTime(ctx, analytics.TeamScope("team-0001")); err != nil {
			panic(err)
		}
	}
	h.on = true
	t0 := time.Now()
	m, err := svc.RealTime(ctx, analytics.TeamScope("team-0001"))
	fmt.Println("realtime", time.Since(t0), m.Messages.Total, err)
	t0 = time.Now()
	_, err = svc.Dashboard(ctx, "team-0001", 30)
	fmt.Println("dashboard", time.Since(t0), err)
}
