package bench

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
)

// Floor is the cheapest thing a snapshot job could possibly do: one bare
// aggregate pass over the raw messages of the job's periods, counting them
// by team, account and status, with nothing else (no replies, response
// times, contacts, conversations, campaigns, nor writes).
type Floor struct {
	Conn *pgx.Conn
}

// TeamPeriods returns, for every team, the period of type typ that is
// complete at instant at in the team's zone, as the job would choose it.
func TeamPeriods(ctx context.Context, r analytics.TeamReader, typ analytics.SnapshotType, at time.Time) ([]analytics.ScopePeriod, error) {
	teams, err := allTeams(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]analytics.ScopePeriod, 0, len(teams))
	for _, t := range teams {
		loc, err := t.Location()
		if err != nil {
			return nil, err
		}
		p, err := analytics.LastCompletePeriod(typ, at, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, analytics.ScopePeriod{Scope: analytics.TeamScope(t.ID), Period: p})
	}
	return out, nil
}

// PerTeam is the floor over exactly the rows the job counts: each team's
// messages of its own period, in one statement. It returns the number of
// messages counted.
func (f *Floor) PerTeam(ctx context.Context, items []analytics.ScopePeriod) (int64, error) {
	teams := make([]string, len(items))
	starts := make([]time.Time, len(items))
	ends := make([]time.Time, len(items))
	for i, it := range items {
		teams[i], starts[i], ends[i] = it.Scope.TeamID, utcWall(it.Period.Start), utcWall(it.Period.End)
	}
	return f.sum(ctx, `SELECT m.team_id, m.account_id, m.status, count(*) FROM messages m
JOIN unnest($1::text[], $2::timestamp[], $3::timestamp[]) AS b(team, s, e)
	ON m.team_id = b.team AND m.created_at >= b.s AND m.created_at < b.e
GROUP BY 1, 2, 3`, teams, starts, ends)
}

// Range is the floor in its plainest form: the messages of one range of
// instants, all teams, no team list.
func (f *Floor) Range(ctx context.Context, start, end time.Time) (int64, error) {
	return f.sum(ctx, `SELECT team_id, account_id, status, count(*) FROM messages
WHERE created_at >= $1 AND created_at < $2
GROUP BY 1, 2, 3`, utcWall(start), utcWall(end))
}

func (f *Floor) sum(ctx context.Context, sql string, args ...any) (int64, error) {
	rows, err := f.Conn.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var team string
		var account *string
		var status string
		var n int64
		if err := rows.Scan(&team, &account, &status, &n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, rows.Err()
}
