package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

type hook struct {
	mu  sync.Mutex
	n   int
	t0  map[int]time.Time
	out []string
}

func (h *hook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }
func (h *hook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	q := e.Query
	kind := strings.Fields(q)[0]
	if strings.Contains(q, "WITH d AS MATERIALIZED") {
		kind = "messages"
	} else if strings.Contains(q, "WITH k AS") {
		kind = "contacts"
	} else if strings.Contains(q, "\"campaigns\" c") {
		kind = "campaigns"
	} else if strings.HasPrefix(q, "INSERT") {
		kind = "upsert"
	}
	fmt.Fprintf(os.Stderr, "%-14s %8.1f ms\n", kind, float64(time.Since(e.StartTime).Microseconds())/1000)
	if os.Getenv("DUMP") != "" && h.n < 30 {
		os.WriteFile(fmt.Sprintf("/tmp/q_%02d_%s.sql", h.n, kind), []byte(q), 0o644)
	}
}

type timedStore struct {
	*pgstore.Store
	agg, ups time.Duration
}

func (t *timedStore) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	t0 := time.Now()
	defer func() { t.agg += time.Since(t0) }()
	return t.Store.Aggregate(ctx, req)
}

func (t *timedStore) UpsertSnapshots(ctx context.Context, s []analytics.Snapshot) error {
	t0 := time.Now()
	defer func() { t.ups += time.Since(t0) }()
	return t.Store.UpsertSnapshots(ctx, s)
}

func main() {
	ctx := context.Background()
	cfg, _ := pgx.ParseConfig(os.Getenv("TEST_DATABASE_URL"))
	cfg.RuntimeParams["search_path"] = os.Args[1]
	sqldb := sql.OpenDB(stdlib.GetConnector(*cfg))
	db := bun.NewDB(sqldb, pgdialect.New())
	st, err := pgstore.New(ctx, db, nil)
	must(err)
	h := &hook{}
	db.AddQueryHook(h)
	at := time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)
	clock := analytics.NewFakeClock(at)
	bs := 0
	if v := os.Getenv("BATCH"); v != "" {
		fmt.Sscan(v, &bs)
	}
	ts := &timedStore{Store: st}
	sn, err := analytics.NewSnapshotter(ts, &analytics.SnapshotterConfig{Clock: clock, BatchSize: bs})
	must(err)
	if f := os.Getenv("CPUPROF"); f != "" {
		out, _ := os.Create(f)
		pprof.StartCPUProfile(out)
		defer pprof.StopCPUProfile()
	}
	for i := 0; i < 3; i++ {
		h.n = 0
		t0 := time.Now()
		rep, err := sn.GenerateAll(ctx, analytics.Daily, at)
		must(err)
		fmt.Println(time.Since(t0), rep.Succeeded, rep.Failed, h.n, "aggregate", ts.agg, "upsert", ts.ups)
		ts.agg, ts.ups = 0, 0
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
