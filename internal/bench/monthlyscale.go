package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
)

// tailDays is how many of the month's last days the monthly scale dataset
// holds messages for: those the monthly job as scheduled aggregates from
// messages in some zone (the last 2 or 3).
const tailDays = 3

// zoneCycle is the number of source teams MonthlyScale maps teams onto:
// the largest multiple of the number of synth's zones within 1000, so
// that team i and its source team i mod zoneCycle share a zone (synth
// gives zones round robin).
var zoneCycle = 1000 / len(synth.DefaultTimeZones) * len(synth.DefaultTimeZones)

// MonthlyScale measures the monthly job at n teams (10,000) without a
// month of their messages, which would be about n × 330 × 31 rows. Its
// dataset (schema month_N_tail of Options.ScaleDatabaseURL) holds the
// messages of the month's last tailDays days of n teams; their daily
// snapshots are those of the monthly suite's o.Teams teams (which the
// monthly suite must have left settled): team i of n gets, with its own
// IDs, the daily snapshots of source team i mod zoneCycle, which has the
// same zone, so that every snapshot covers its team's local day. It
// measures the monthly job twice:
//
//   - as scheduled (04:00 UTC on the 1st), with the dailies of the days
//     before the tail only, so that the job rolls those up and aggregates
//     the tail's days from messages for every scope (in the real schedule
//     some zones would already have a settled snapshot of the tail's
//     first day);
//   - settled (04:00 UTC on the 4th), with the dailies of every day: a
//     pure roll-up.
//
// Each with its peak heap, against the target of 200 MB.
func MonthlyScale(ctx context.Context, o Options, n int, rep *Report) error {
	o.defaults()
	url := o.ScaleDatabaseURL
	if url == "" {
		url = o.DatabaseURL
	}
	srcCfg := synth.Config{Teams: o.Teams, MessagesPerDay: o.Teams * o.MessagesPerTeamDay, Days: monthDays, Start: monthStart}
	src, err := openKept(ctx, &o, o.DatabaseURL, o.SchemaPrefix+fmt.Sprintf("month_%d", o.Teams), srcCfg)
	if err != nil {
		return err
	}
	defer src.Close()
	tailStart := monthStart.AddDays(monthDays - tailDays)
	cfg := synth.Config{Teams: n, MessagesPerDay: n * o.MessagesPerTeamDay, Days: tailDays, Start: tailStart}
	dst, err := openKept(ctx, &o, url, o.SchemaPrefix+fmt.Sprintf("month_%d_tail", n), cfg)
	if err != nil {
		return err
	}
	defer dst.Close()
	m, err := newTeamMap(ctx, src, dst)
	if err != nil {
		return err
	}
	if ok, err := settledDailies(ctx, src, m.srcScopes); err != nil || !ok {
		return fmt.Errorf("bench: %s lacks the settled daily snapshots of a monthly run (run -suites monthly first): %v", src.ds.Schema, err)
	}
	if _, err := dst.db.ExecContext(ctx, `TRUNCATE analytics_snapshots`); err != nil {
		return fmt.Errorf("bench: emptying the snapshots: %w", err)
	}
	var r monthlyResult
	r.onFirst, r.afterSettling = &tally{Store: dst.store}, &tally{Store: dst.store}
	fmt.Fprintf(o.Log, "bench: copying the dailies before %s onto %s\n", tailStart, dst.ds.Schema)
	if err := copyDailies(ctx, &o, src, dst, m, monthStart, tailStart.AddDays(-1)); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "bench: monthly job (as scheduled) on %s\n", dst.ds.Schema)
	name := fmt.Sprintf("monthly_%d", n)
	if r.rolled.SDK, r.rolled.Statements, r.rolled.PeakHeap, err = measureJob(&o, dst, name+"_on_the_1st", 1, 0, monthlyJob(ctx, &o, r.onFirst, monthAt, m.dstScopes, &r.rolled)); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "bench: copying the tail's dailies onto %s\n", dst.ds.Schema)
	if err := copyDailies(ctx, &o, src, dst, m, tailStart, monthStart.AddDays(monthDays-1)); err != nil {
		return err
	}
	fmt.Fprintf(o.Log, "bench: monthly job (settled) on %s\n", dst.ds.Schema)
	if r.settled.SDK, r.settled.Statements, r.settled.PeakHeap, err = measureJob(&o, dst, name+"_settled", o.Reps, 1, monthlyJob(ctx, &o, r.afterSettling, monthSettled, m.dstScopes, &r.settled)); err != nil {
		return err
	}
	suite := fmt.Sprintf("scale, %d teams (monthly)", n)
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("monthly job as scheduled (04:00 UTC on the 1st): days 1–%d rolled up from dailies copied from the %d-team month, the last %d days aggregated from %d messages: %d scopes",
		monthDays-tailDays, o.Teams, tailDays, dst.ds.Messages, r.rolled.Scopes),
		Value:  join(Secs(r.rolled.SDK.Median()), fmt.Sprintf("%d statements", r.rolled.Statements), "peak heap "+MB(r.rolled.PeakHeap), r.onFirst.String()),
		Target: "peak heap < 200 MB", Met: YesNo(r.rolled.PeakHeap < 200<<20)})
	rep.Add(Line{Suite: suite, What: fmt.Sprintf("monthly job once settled (04:00 UTC on the 4th): a pure roll-up of %d dailies copied from the %d-team month: %d scopes",
		m.dstScopes*monthDays, o.Teams, r.settled.Scopes),
		Value:  join(Secs(r.settled.SDK.Median()), fmt.Sprintf("%d statements", r.settled.Statements), "peak heap "+MB(r.settled.PeakHeap), r.afterSettling.String()),
		Target: "peak heap < 200 MB", Met: YesNo(r.settled.PeakHeap < 200<<20)})
	return nil
}

// teamMap maps each team of a source dataset to the teams of a larger one
// that take its daily snapshots, with their scopes in the same order.
type teamMap struct {
	scopes               map[analytics.Scope][]analytics.Scope // source scope -> target scopes
	srcScopes, dstScopes int
}

// newTeamMap maps target team i (in ID order) to source team i mod
// zoneCycle, checking that they share a zone and their number of
// accounts.
func newTeamMap(ctx context.Context, src, dst *env) (*teamMap, error) {
	from, err := allTeams(ctx, src.store)
	if err != nil {
		return nil, err
	}
	to, err := allTeams(ctx, dst.store)
	if err != nil {
		return nil, err
	}
	if len(from) < zoneCycle {
		return nil, fmt.Errorf("bench: %d source teams, want at least %d", len(from), zoneCycle)
	}
	m := &teamMap{scopes: map[analytics.Scope][]analytics.Scope{}}
	for _, t := range from {
		m.srcScopes += len(t.Scopes())
	}
	for i, t := range to {
		s := from[i%zoneCycle]
		if s.TimeZone != t.TimeZone || len(s.AccountIDs) != len(t.AccountIDs) {
			return nil, fmt.Errorf("bench: team %s (%s, %d accounts) cannot take the dailies of %s (%s, %d accounts)",
				t.ID, t.TimeZone, len(t.AccountIDs), s.ID, s.TimeZone, len(s.AccountIDs))
		}
		ss, ts := scopesSorted(s), scopesSorted(t)
		for j := range ss {
			m.scopes[ss[j]] = append(m.scopes[ss[j]], ts[j])
		}
		m.dstScopes += len(ts)
	}
	return m, nil
}

// scopesSorted returns t's scopes: the team-wide one, then its accounts in
// ID order.
func scopesSorted(t analytics.Team) []analytics.Scope {
	out := []analytics.Scope{analytics.TeamScope(t.ID)}
	for _, a := range slices.Sorted(slices.Values(t.AccountIDs)) {
		out = append(out, analytics.AccountScope(t.ID, a))
	}
	return out
}

// copyDailies copies the daily snapshots of src dated from first to last
// onto dst, each to every target scope of its scope (m), as it reads them
// (COPY into a temporary table, then one INSERT), and analyzes the table.
func copyDailies(ctx context.Context, o *Options, src, dst *env, m *teamMap, first, last analytics.Date) error {
	start := time.Now()
	if _, err := dst.conn.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS bench_copy (id text, team_id text, account text, date text,
	metrics text, created_at text, sketch bytea, compact bytea) ON COMMIT PRESERVE ROWS`); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if _, err := dst.conn.Exec(ctx, `TRUNCATE bench_copy`); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	rows, err := src.conn.Query(ctx, `SELECT team_id, coalesce(whatsapp_account_id, ''), date::text, metrics::text, created_at::text, active_sketch, metrics_compact
FROM analytics_snapshots WHERE snapshot_type = 'Daily' AND date BETWEEN $1::date AND $2::date`, first.String(), last.String())
	if err != nil {
		return fmt.Errorf("bench: reading the source dailies: %w", err)
	}
	defer rows.Close()
	var pending [][]any
	seq := 0
	n, err := dst.conn.CopyFrom(ctx, pgx.Identifier{"bench_copy"}, []string{"id", "team_id", "account", "date", "metrics", "created_at", "sketch", "compact"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for len(pending) == 0 {
				if !rows.Next() {
					return nil, rows.Err()
				}
				var team, account, date, metrics, created string
				var sketch, compact []byte
				if err := rows.Scan(&team, &account, &date, &metrics, &created, &sketch, &compact); err != nil {
					return nil, err
				}
				for _, to := range m.scopes[analytics.Scope{TeamID: team, AccountID: account}] {
					seq++
					var acc any
					if to.AccountID != "" {
						acc = to.AccountID
					}
					pending = append(pending, []any{fmt.Sprintf("copy-%s-%d", first, seq), to.TeamID, acc, date, metrics, created, sketch, compact})
				}
			}
			row := pending[0]
			pending = pending[1:]
			return row, nil
		}))
	if err != nil {
		return fmt.Errorf("bench: copying the dailies: %w", err)
	}
	for _, q := range []string{
		`INSERT INTO analytics_snapshots (id, team_id, whatsapp_account_id, date, snapshot_type, metrics, created_at, active_sketch, metrics_compact)
SELECT id, team_id, account, date::date, 'Daily', metrics::jsonb, created_at::timestamp(3), sketch, compact FROM bench_copy`,
		`TRUNCATE bench_copy`,
		`VACUUM ANALYZE analytics_snapshots`,
	} {
		if _, err := dst.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("bench: %s: %w", q, err)
		}
	}
	fmt.Fprintf(o.Log, "bench: copied %d daily snapshots in %.1f s\n", n, time.Since(start).Seconds())
	return nil
}
