package bench

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
)

// dailyCPUConns is the pool of the daily job measured by DailyCPU, as in
// the daily suite.
const dailyCPUConns = 8

// DailyCPU measures the CPU time the daily job costs per million messages
// of the day: the Postgres backends' (read from /proc, so Postgres must run
// on this host) and this process's, over o.Reps runs after a warm-up, on
// the daily dataset of o.Teams teams. CPU time, unlike wall time, does not
// grow with the other load of a shared machine (but for contention for
// caches), so it gives what the job needs of a dedicated core.
func DailyCPU(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	e, err := openEnv(ctx, &o, o.SchemaPrefix+fmt.Sprintf("daily_%d", o.Teams), dailyConfig(o.Teams, o.MessagesPerTeamDay))
	if err != nil {
		return err
	}
	defer e.Close()
	sn, err := analytics.NewSnapshotter(e.store, &analytics.SnapshotterConfig{Clock: analytics.NewFakeClock(dailyAt), BatchSize: o.BatchSize})
	if err != nil {
		return err
	}
	run := func() error {
		r, err := sn.GenerateAll(ctx, analytics.Daily, dailyAt)
		if err == nil && r.Failed > 0 {
			err = fmt.Errorf("bench: daily job: %d scopes failed: %v", r.Failed, r.Err())
		}
		return err
	}
	fmt.Fprintf(o.Log, "bench: daily job's CPU time on %s\n", e.ds.Schema)
	if err := run(); err != nil { // opens the pool's connections
		return err
	}
	pids, err := poolPIDs(ctx, e.db.DB.DB, dailyCPUConns)
	if err != nil {
		return err
	}
	pg0, err := sumCPU(pids)
	if err != nil {
		return err
	}
	go0, start := processCPU(), time.Now()
	for range o.Reps {
		if err := run(); err != nil {
			return err
		}
	}
	wall, goCPU := time.Since(start)/time.Duration(o.Reps), (processCPU()-go0)/time.Duration(o.Reps)
	pg1, err := sumCPU(pids)
	if err != nil {
		return err
	}
	pgCPU := (pg1 - pg0) / time.Duration(o.Reps)
	items, err := TeamPeriods(ctx, e.store, analytics.Daily, dailyAt)
	if err != nil {
		return err
	}
	msgs, err := (&Floor{Conn: e.conn}).PerTeam(ctx, items)
	if err != nil {
		return err
	}
	perM := func(d time.Duration) string { return Secs(time.Duration(float64(d) * 1e6 / float64(max(msgs, 1)))) }
	rep.Add(Line{Suite: fmt.Sprintf("dailycpu, %d teams", o.Teams),
		What:  fmt.Sprintf("daily job's CPU time (%d connections; mean of %d runs), %d messages in the day", dailyCPUConns, o.Reps, msgs),
		Value: join("wall "+Secs(wall), "Postgres backends' CPU "+Secs(pgCPU), "Go CPU "+Secs(goCPU)),
		Ratio: join("per million messages: wall "+perM(wall), "Postgres CPU "+perM(pgCPU), "Go CPU "+perM(goCPU))})
	return nil
}

// poolPIDs returns the backend PIDs of db's n connections: it holds n
// connections at once (opening any missing) and asks each for its PID.
// With n idle connections allowed, the same ones serve the next runs.
func poolPIDs(ctx context.Context, db *sql.DB, n int) ([]int, error) {
	var pids []int
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		conns = append(conns, c)
		var pid int
		if err := c.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// sumCPU adds up postgresCPU of pids.
func sumCPU(pids []int) (time.Duration, error) {
	var s time.Duration
	for _, p := range pids {
		d, err := postgresCPU(p)
		if err != nil {
			return 0, err
		}
		s += d
	}
	return s, nil
}
