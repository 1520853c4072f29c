package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/pgstore"
)

// refreshSizes are the team sizes, in messages a day, whose uncached
// real-time refresh the refresh suite measures: for each, the team of the
// daily dataset whose fifth day is nearest in size. The largest team is
// measured too.
var refreshSizes = []int{10, 100, 1000}

// refreshDay is the day read: each team's fifth local day of the daily
// dataset, read at 23:00 local time, so that "today" holds most of it.
var refreshDay = dailyStart.AddDays(4)

// refreshResult is one team's measurement.
type refreshResult struct {
	team     string
	dayMsgs  int64 // the team's messages in its local day
	today    int64 // messages the read counted (today so far)
	lat      []time.Duration
	pgCPU    time.Duration // the Postgres backend's CPU time per read; 0 if unknown
	pgCPUErr string
	goCPU    time.Duration // this process's CPU time per read
}

// Refresh measures the Service's uncached real-time read (one Aggregate
// per read, no cache) on one connection, for teams of the daily dataset of
// o.Teams teams with about 10, 100 and 1000 messages a day and its largest
// team: the latency, the reads per second it gives on one connection, and
// the CPU time the Postgres backend spends per read, read from /proc when
// Postgres runs on this host, which gives the reads one Postgres core
// serves. The dataset is shared with the daily suite and left as it is.
func Refresh(ctx context.Context, o Options, rep *Report) error {
	o.defaults()
	schema := o.SchemaPrefix + fmt.Sprintf("daily_%d", o.Teams)
	if _, err := Load(ctx, o.DatabaseURL, schema, dailyConfig(o.Teams, o.MessagesPerTeamDay), o.Reuse, o.Log); err != nil {
		return err
	}
	db, err := Open(ctx, o.DatabaseURL, schema, 1) // one connection: one backend
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := pgstore.New(ctx, db.DB, nil)
	if err != nil {
		return err
	}
	teams, sizes, err := refreshTeams(ctx, db)
	if err != nil {
		return err
	}
	var pid int
	if err := db.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return err
	}
	var rs []refreshResult
	for i, id := range teams {
		fmt.Fprintf(o.Log, "bench: uncached real-time reads of %s (%d messages in the day)\n", id, sizes[i])
		r, err := measureRefresh(ctx, st, id, pid)
		if err != nil {
			return err
		}
		r.dayMsgs = sizes[i]
		rs = append(rs, r)
	}
	reportRefresh(rep, o.Teams, rs)
	return nil
}

// refreshTeams returns the teams whose refreshDay (in their own zone) is
// nearest refreshSizes in messages, then the largest, with those counts.
func refreshTeams(ctx context.Context, db *DB) ([]string, []int64, error) {
	day := time.Date(refreshDay.Year, refreshDay.Month, refreshDay.Day, 0, 0, 0, 0, time.UTC)
	rows, err := db.QueryContext(ctx, `
WITH n AS (
	SELECT t.id, count(*) AS msgs
	FROM teams t JOIN messages m ON m.team_id = t.id
	WHERE m.created_at >= (?0::timestamp AT TIME ZONE t.timezone) AT TIME ZONE 'UTC'
		AND m.created_at < ((?0::timestamp + interval '1 day') AT TIME ZONE t.timezone) AT TIME ZONE 'UTC'
	GROUP BY t.id
)
SELECT x.id, x.msgs FROM unnest(?1::int[]) AS s(size)
	CROSS JOIN LATERAL (SELECT id, msgs FROM n ORDER BY abs(msgs - s.size), id LIMIT 1) x
UNION ALL
(SELECT id, msgs FROM n ORDER BY msgs DESC, id LIMIT 1)`, day, intArray(refreshSizes))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []string
	var sizes []int64
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, nil, err
		}
		ids, sizes = append(ids, id), append(sizes, n)
	}
	return ids, sizes, rows.Err()
}

// intArray is a Postgres array literal of xs.
func intArray(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return "{" + strings.Join(s, ",") + "}"
}

// measureRefresh times uncached real-time reads of team at 23:00 on its
// refreshDay: a warm-up, then at least 20 reads and at least 2 s of them,
// and the CPU time of backend pid over the measured reads.
func measureRefresh(ctx context.Context, st *pgstore.Store, team string, pid int) (refreshResult, error) {
	r := refreshResult{team: team}
	t, err := st.Team(ctx, team)
	if err != nil {
		return r, err
	}
	loc, err := t.Location()
	if err != nil {
		return r, err
	}
	now := time.Date(refreshDay.Year, refreshDay.Month, refreshDay.Day, 23, 0, 0, 0, loc)
	svc, err := analytics.New(st, &analytics.Config{Clock: analytics.NewFakeClock(now)})
	if err != nil {
		return r, err
	}
	read := func(ctx context.Context) error {
		m, err := svc.RealTime(ctx, analytics.TeamScope(team))
		r.today = m.Messages.Total
		return err
	}
	for range 5 {
		if err := read(ctx); err != nil {
			return r, err
		}
	}
	cpu0, cpuErr := postgresCPU(pid)
	go0 := processCPU()
	start := time.Now()
	for len(r.lat) < 20 || time.Since(start) < 2*time.Second {
		s := time.Now()
		if err := read(ctx); err != nil {
			return r, err
		}
		r.lat = append(r.lat, time.Since(s))
	}
	cpu1, err := postgresCPU(pid)
	r.goCPU = (processCPU() - go0) / time.Duration(len(r.lat))
	if cpuErr == nil && err == nil {
		r.pgCPU = (cpu1 - cpu0) / time.Duration(len(r.lat))
	} else {
		r.pgCPUErr = fmt.Sprint(cpuErr, err)
	}
	return r, nil
}

// postgresCPU is backendCPU of a Postgres backend: an error when process
// pid of this host is not one (Postgres runs on another host or in a
// container, whose PIDs are not this host's).
func postgresCPU(pid int) (time.Duration, error) {
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return 0, err
	}
	if !strings.HasPrefix(string(comm), "postgres") {
		return 0, fmt.Errorf("bench: process %d is %q, not a Postgres backend of this host", pid, strings.TrimSpace(string(comm)))
	}
	return backendCPU(pid)
}

// backendCPU returns the user and system CPU time of process pid (a
// Postgres backend on this host) from /proc/PID/stat, in clock ticks of
// 10 ms (USER_HZ is 100 on Linux).
func backendCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14 and stime 15.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: /proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, x := range f[11:13] {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// processCPU returns this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRefresh adds the lines of the refresh suite to rep.
func reportRefresh(rep *Report, teams int, rs []refreshResult) {
	suite := fmt.Sprintf("refresh, daily dataset of %d teams", teams)
	for _, r := range rs {
		p50 := Quantile(r.lat, 0.5)
		cpu := "Postgres CPU per read unknown (" + r.pgCPUErr + ")"
		perCore := ""
		if r.pgCPUErr == "" && r.pgCPU > 0 {
			cpu = "Postgres backend CPU " + Secs(r.pgCPU) + " per read"
			perCore = fmt.Sprintf("%.0f reads/s per Postgres core", float64(time.Second)/float64(r.pgCPU))
		}
		rep.Add(Line{Suite: suite,
			What: fmt.Sprintf("uncached real-time read, one connection: %s, %d messages in its day, %d counted at 23:00 (%d reads)",
				r.team, r.dayMsgs, r.today, len(r.lat)),
			Value: join("p50 "+Secs(p50), "p95 "+Secs(Quantile(r.lat, 0.95)), cpu, "Go CPU "+Secs(r.goCPU)+" per read"),
			Ratio: join(fmt.Sprintf("%.0f reads/s on one connection", float64(time.Second)/float64(p50)), perCore)})
	}
}
