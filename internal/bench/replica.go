package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store/pgstore"
)

// replicaReads measures, after the reads suite's dailies are stored, the
// same uncached real-time read and 30-day dashboard as measureUncached
// with the store reading on Options.ReplicaURL, a physical standby of
// Options.DatabaseURL that has the dataset by replication. It returns the
// durations, or why the replica was not measured (an error of its own is
// for a failed measurement).
func replicaReads(ctx context.Context, o *Options, e *env, clock analytics.Clock, team string) (rt, dash []time.Duration, skip string, err error) {
	rdb, err := Open(ctx, o.ReplicaURL, e.db.Schema, 8)
	if err != nil {
		return nil, nil, fmt.Sprintf("cannot connect to -replica-url: %v", err), nil
	}
	defer rdb.Close()
	if why := notStandbyOf(ctx, e.db, rdb); why != "" {
		return nil, nil, why, nil
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := testenv.WaitReplayed(wctx, e.db.DB, rdb.DB); err != nil {
		return nil, nil, fmt.Sprintf("-replica-url has not replayed the dataset: %v", err), nil
	}
	st, err := pgstore.New(ctx, e.db.DB, &pgstore.Config{Replica: rdb.DB})
	if err != nil {
		return nil, nil, fmt.Sprintf("-replica-url is not a standby of -database-url with the dataset: %v", err), nil
	}
	svc, err := analytics.New(st, &analytics.Config{Clock: clock})
	if err != nil {
		return nil, nil, "", err
	}
	before := e.db.Statements()
	o2 := *o
	o2.ProfileDir = "" // the profiles are the primary's
	_, rt, dash, err = measureUncached(ctx, &o2, rdb, svc, team)
	if err == nil && e.db.Statements() != before {
		err = fmt.Errorf("bench: %d statements of the replica's reads ran on the primary", e.db.Statements()-before)
	}
	return rt, dash, "", err
}

// reportReplica adds the replica's lines to rep, beside the primary's rt
// and dash of the same run.
func reportReplica(rep *Report, rt, dash, pRT, pDash []time.Duration, skip string) {
	suite := "reads, 1 team of 10"
	if skip != "" {
		rep.Add(Line{Suite: suite, What: "uncached reads on a read replica (pgstore.Config.Replica)", Value: "not measured: " + skip})
		return
	}
	rep.Add(Line{Suite: suite, What: "real-time read (Service.RealTime) uncached, on the read replica",
		Value: join("p50 "+Secs(Quantile(rt, 0.5)), "p95 "+Secs(Quantile(rt, 0.95))),
		Ratio: "replica/primary p50 = " + X(Ratio(Quantile(rt, 0.5), Quantile(pRT, 0.5)))})
	rep.Add(Line{Suite: suite, What: "30-day dashboard uncached, on the read replica",
		Value: join("p50 "+Secs(Quantile(dash, 0.5)), "p95 "+Secs(Quantile(dash, 0.95))),
		Ratio: "replica/primary p50 = " + X(Ratio(Quantile(dash, 0.5), Quantile(pDash, 0.5)))})
}

// notStandbyOf says why rdb is not a physical standby of db's cluster, or
// returns "" when it is one.
func notStandbyOf(ctx context.Context, db, rdb *DB) string {
	const q = `SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system())::text`
	var pRec, rRec bool
	var pID, rID string
	if err := db.QueryRowContext(ctx, q).Scan(&pRec, &pID); err != nil {
		return fmt.Sprintf("reading -database-url's system identifier: %v", err)
	}
	if err := rdb.QueryRowContext(ctx, q).Scan(&rRec, &rID); err != nil {
		return fmt.Sprintf("reading -replica-url's system identifier: %v", err)
	}
	if pRec || !rRec || pID != rID {
		return "-replica-url is not a physical standby of -database-url"
	}
	return ""
}
