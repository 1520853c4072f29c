package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// readsCPURuns is how many uncached reads of each kind readsCPU measures,
// after readsCPUWarmup unmeasured ones.
const (
	readsCPURuns   = 100
	readsCPUWarmup = 10
)

// readCPU is the CPU time of one kind of uncached read, per read.
type readCPU struct {
	what  string
	pg    time.Duration // the Postgres backend's CPU time; 0 if unknown
	pgErr string        // why pg is unknown
	goCPU time.Duration // this process's CPU time
	wall  time.Duration // the mean wall time
}

// readsCPU measures the CPU time of team's uncached real-time read and of
// its 30-day dashboard, on a store of its own with one connection (one
// Postgres backend, whose CPU time /proc gives when Postgres runs on this
// host): per read, the backend's CPU time (what a read costs the
// database, which the load of a shared machine inflates far less than
// wall time) and this process's (the Go side: decoding rows and computing
// the metrics, and the rest of the process, such as the garbage collector).
func readsCPU(ctx context.Context, o *Options, schema string, clock analytics.Clock, team string) ([]readCPU, error) {
	db, err := Open(ctx, o.DatabaseURL, schema, 1)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		return nil, err
	}
	svc, err := analytics.New(st, &analytics.Config{Clock: clock})
	if err != nil {
		return nil, err
	}
	var pid int
	if err := db.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return nil, err
	}
	scope := analytics.TeamScope(team)
	reads := []struct {
		what string
		f    func() error
	}{
		{"uncached real-time read", func() error { _, err := svc.RealTime(ctx, scope); return err }},
		{"uncached 30-day dashboard", func() error { _, err := svc.Dashboard(ctx, team, 30); return err }},
	}
	var out []readCPU
	for _, r := range reads {
		c, err := measureCPU(r.f, pid)
		if err != nil {
			return nil, err
		}
		c.what = r.what
		out = append(out, c)
	}
	return out, nil
}

// measureCPU calls f readsCPUWarmup times, then readsCPURuns times, and
// returns the CPU times per measured call of backend pid and of this
// process, and the mean wall time.
func measureCPU(f func() error, pid int) (readCPU, error) {
	var c readCPU
	for range readsCPUWarmup {
		if err := f(); err != nil {
			return c, err
		}
	}
	pg0, err0 := postgresCPU(pid)
	go0, start := processCPU(), time.Now()
	for range readsCPURuns {
		if err := f(); err != nil {
			return c, err
		}
	}
	c.wall = time.Since(start) / readsCPURuns
	c.goCPU = (processCPU() - go0) / readsCPURuns
	pg1, err1 := postgresCPU(pid)
	if err0 == nil && err1 == nil {
		c.pg = (pg1 - pg0) / readsCPURuns
	} else {
		c.pgErr = fmt.Sprint(err0, err1)
	}
	return c, nil
}

// reportReadsCPU adds a line per kind of read of readsCPU to rep.
func reportReadsCPU(rep *Report, cs []readCPU) {
	for _, c := range cs {
		pg, perCore := "Postgres backend CPU unknown ("+c.pgErr+")", ""
		if c.pgErr == "" {
			pg = "Postgres backend CPU " + Secs(c.pg)
			if c.pg > 0 {
				perCore = fmt.Sprintf("%.0f reads/s per Postgres core", float64(time.Second)/float64(c.pg))
			}
		}
		rep.Add(Line{Suite: "reads, 1 team of 10",
			What:  fmt.Sprintf("%s, CPU time per read (one connection, mean of %d reads)", c.what, readsCPURuns),
			Value: join(pg, "Go CPU "+Secs(c.goCPU), "wall "+Secs(c.wall)),
			Ratio: perCore})
	}
}
