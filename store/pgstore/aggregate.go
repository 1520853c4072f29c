package pgstore

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"golang.org/x/sync/errgroup"

	"github.com/msgstats/analytics"
)

// scanMargin widens the message scan on both sides, so that rounding the
// bounds to Postgres's microseconds can never leave out a message that
// matters. Scanning more never changes a result; see scanSQL.
const scanMargin = time.Millisecond

// scopeKey identifies one scope within a group of items.
type scopeKey struct {
	team, account string
	teamWide      bool
}

func keyOf(s analytics.Scope) scopeKey {
	return scopeKey{team: s.TeamID, account: s.AccountID, teamWide: s.TeamWide()}
}

// periodKey groups items whose periods have the same instants and the
// same hour clock (an index in Aggregate's clockSet; see countTraffic).
// zone is "" but for the items of a team with working hours whose period
// starts in another zone than the team's first item of those instants:
// its name then puts them in a group of their own, since business times
// are read in the zone of each item's period.
type periodKey struct {
	start, end time.Time
	clock      int
	zone       string
}

// groupItems groups the items of req by periodKey, in the order of their
// first item, with the working hours of each group's teams that have some.
// clocks collects the hour clocks of the periods.
func groupItems(req analytics.AggregateRequest, clocks *clockSet) ([]periodKey, map[periodKey][]int, map[periodKey]map[string]zoneHours) {
	var order []periodKey
	groups := map[periodKey][]int{}
	hours := map[periodKey]map[string]zoneHours{}
	for i, it := range req.Items {
		k := periodKey{start: it.Period.Start.UTC(), end: it.Period.End.UTC(), clock: clocks.id(it.Period)}
		if h := req.WorkingHours[it.Scope.TeamID]; h != nil {
			loc := it.Period.Start.Location()
			if first, ok := hours[k][it.Scope.TeamID]; ok && first.loc.String() != loc.String() {
				k.zone = loc.String()
			}
			if hours[k] == nil {
				hours[k] = map[string]zoneHours{}
			}
			hours[k][it.Scope.TeamID] = zoneHours{hours: h, loc: loc}
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	return order, groups, hours
}

// Aggregate implements analytics.ActivityReader.
//
// Items are grouped by their period's (Start, End) instants, so teams whose
// zones share local midnight share a group. Each group costs four
// statements, whatever the number of teams and accounts in it: the scan of
// messages and conversations (whose per-conversation metrics are computed
// in Go; see aggregateThreads), the lookup of the contacts of conversations
// created outside the scan range, contacts, and campaigns. Each statement
// reads every team of the group at once (team_id = ANY(array)) and serves
// the team-wide and per-account scopes together. A group's statements run
// in one read-only REPEATABLE READ transaction (so they see one snapshot of
// the data) with Config.AggregateWorkMem, JIT off and no parallel workers,
// and up to Config.AggregateParallelism groups run at once, each on its own
// connection; a large group is split by teams to keep them busy. Scopes
// with no rows get zero metrics. Business times (req.WorkingHours) cost no
// statement: each team with working hours gets, per group, the calendar of
// its open instants over the scan range, and each answered turn two binary
// searches in it. The result equals store.ComputeMetrics over the same rows.
//
// A cancelled ctx stops the running statements (the driver cancels them on
// the server) and returns an error wrapping ctx's error.
func (s *Store) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRequestIDs(req); err != nil {
		return nil, err
	}
	w := req.Window()
	var clocks clockSet
	order, groups, hours := groupItems(req, &clocks)
	type unit struct {
		key      periodKey
		teams    []string
		accounts bool // an item of the group is an account scope
		res      map[scopeKey]*analytics.Metrics
	}
	var units []*unit
	for _, k := range order {
		teams := teamsOf(req.Items, groups[k])
		accounts := slices.ContainsFunc(groups[k], func(i int) bool { return !req.Items[i].Scope.TeamWide() })
		for _, part := range split(teams, chunks(len(order), len(teams), s.cfg.AggregateParallelism)) {
			units = append(units, &unit{key: k, teams: part, accounts: accounts})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.AggregateParallelism)
	for _, u := range units {
		g.Go(func() error {
			res, err := s.aggregateGroup(gctx, u.teams, u.key.start, u.key.end, w, hours[u.key], u.accounts, req.Sketches, clocks.list[u.key.clock])
			u.res = res
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, s.wrap(ctx, "aggregating", ctx.Err())
		}
		return nil, err
	}
	merged := map[periodKey]map[scopeKey]*analytics.Metrics{}
	for _, u := range units {
		m := merged[u.key]
		if m == nil {
			m = map[scopeKey]*analytics.Metrics{}
			merged[u.key] = m
		}
		maps.Copy(m, u.res) // chunks hold disjoint teams
	}
	out := make([]analytics.Metrics, len(req.Items))
	for _, k := range order {
		res := merged[k]
		for _, i := range groups[k] {
			it := req.Items[i]
			var m analytics.Metrics
			if r := res[keyOf(it.Scope)]; r != nil {
				m = *r
			}
			m.Range = analytics.Range{Start: it.Period.Start, End: it.Period.End}
			if req.Sketches && m.ActiveSketch == nil {
				m.ActiveSketch = emptySketch // no active contacts
			}
			m.Derive()
			out[i] = m
		}
	}
	return out, nil
}

// minChunkTeams is the fewest teams a group is split into chunks of.
const minChunkTeams = 25

// chunks is how many parts a group of n teams is split into when there
// are groups groups and up to par run at once: enough to keep par
// connections busy, never parts smaller than minChunkTeams.
func chunks(groups, n, par int) int {
	if par <= 1 || groups >= par {
		return 1
	}
	c := (par + groups - 1) / groups
	return max(1, min(c, n/minChunkTeams))
}

// split cuts xs into n parts of nearly equal length.
func split(xs []string, n int) [][]string {
	if n <= 1 {
		return [][]string{xs}
	}
	var out [][]string
	for i := range n {
		lo, hi := i*len(xs)/n, (i+1)*len(xs)/n
		if lo < hi {
			out = append(out, xs[lo:hi])
		}
	}
	return out
}

// ceilMicro rounds t up to a whole microsecond, Postgres's precision.
func ceilMicro(t time.Time) time.Time {
	r := t.Truncate(time.Microsecond)
	if r.Before(t) {
		r = r.Add(time.Microsecond)
	}
	return r
}

func (s *Store) aggArgs(teams []string, start, end time.Time, w time.Duration) []any {
	m, cv, cp := s.cfg.Source.Messages, s.cfg.Source.Conversations, s.cfg.Source.Campaigns
	args := make([]any, numAllAggArgs)
	args[argTeams] = pgdialect.Array(teams)
	setTeamArgs(args, teams)
	args[argBlocked] = pgdialect.Array(s.cfg.Source.Contacts.BlockedValues)
	args[argStart] = ceilMicro(start)
	args[argEnd] = ceilMicro(end)
	args[argScanLo] = start.Add(-w - scanMargin).Truncate(time.Microsecond)
	args[argScanHi] = ceilMicro(end.Add(2*w + scanMargin))
	args[argScanMid] = ceilMicro(end.Add(w + scanMargin))
	args[argInbound] = pgdialect.Array(m.InboundSenderTypes)
	args[argSentAll] = pgdialect.Array(slices.Concat(m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses))
	args[argDeliveredAll] = pgdialect.Array(slices.Concat(m.DeliveredStatuses, m.ReadStatuses))
	args[argRead] = pgdialect.Array(m.ReadStatuses)
	args[argMsgFailed] = pgdialect.Array(m.FailedStatuses)
	args[argOpen] = pgdialect.Array(cv.OpenStatuses)
	args[argClosed] = pgdialect.Array(cv.ClosedStatuses)
	args[argRunning] = pgdialect.Array(cp.RunningStatuses)
	args[argCompleted] = pgdialect.Array(cp.CompletedStatuses)
	args[argCampFailed] = pgdialect.Array(cp.FailedStatuses)
	args[argAccounts] = true
	setUnmappedArgs(args, &s.cfg.Source.Messages)
	return args
}

// emptySketch is the sketch of no contacts.
var emptySketch = analytics.SketchOf()

// aggregateGroup runs the four statements of one period for teams, in one
// read-only transaction, measuring business times against hours (by team;
// teams with none have no entry). With sketches, each scope's metrics get
// the sketch of its active contacts (scopes without any get none here).
// clock reads the period's hours in the items' zone, for Traffic.
func (s *Store) aggregateGroup(ctx context.Context, teams []string, start, end time.Time, w time.Duration, hours map[string]zoneHours, accounts, sketches bool, clock *hourClock) (map[scopeKey]*analytics.Metrics, error) {
	args := s.aggArgs(teams, start, end, w)
	args[argAccounts] = accounts
	res := map[scopeKey]*analytics.Metrics{}
	get := func(team string, account sql.NullString, grouping int64) *analytics.Metrics {
		k := scopeKey{team: team, teamWide: grouping == 1}
		if !k.teamWide {
			if !account.Valid || account.String == "" {
				return nil // activity with no account: team-wide only
			}
			k.account = account.String
		}
		m := res[k]
		if m == nil {
			m = &analytics.Metrics{}
			res[k] = m
		}
		return m
	}

	err := s.inTx(ctx, "aggregating", func(tx txQuerier) error {
		return s.aggregateStatements(ctx, tx, args, w, hours, res, get, sketches, clock)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// aggregateStatements runs the statements of a group in tx.
func (s *Store) aggregateStatements(ctx context.Context, tx txQuerier, args []any, w time.Duration, hours map[string]zoneHours, res map[scopeKey]*analytics.Metrics, get func(string, sql.NullString, int64) *analytics.Metrics, sketches bool, clock *hourClock) error {
	if err := s.aggregateThreads(ctx, tx, args, w, hours, res, sketches, clock); err != nil {
		return err
	}

	err := s.query(ctx, tx, "aggregating contacts", s.contactsStatement(), args, func(rows *sql.Rows) error {
		var team string
		var account sql.NullString
		var g int64
		var c analytics.ContactMetrics
		if err := rows.Scan(&team, &account, &g, &c.Total, &c.New, &c.Blocked, &c.EngagementScoreCenti); err != nil {
			return err
		}
		if m := get(team, account, g); m != nil {
			m.Contacts.Total, m.Contacts.New, m.Contacts.Blocked, m.Contacts.EngagementScoreCenti =
				c.Total, c.New, c.Blocked, c.EngagementScoreCenti
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = s.query(ctx, tx, "aggregating campaigns", s.q.campaigns, args, func(rows *sql.Rows) error {
		var team string
		var account sql.NullString
		var g int64
		var c analytics.CampaignMetrics
		if err := rows.Scan(&team, &account, &g, &c.Total, &c.Active, &c.Completed, &c.Failed,
			&c.TotalRecipients, &c.MessagesSent, &c.MessagesDelivered, &c.MessagesRead); err != nil {
			return err
		}
		if m := get(team, account, g); m != nil {
			m.Campaigns = c
		}
		return nil
	})
	if err != nil {
		return err
	}
	return nil
}

// txQuerier is what the aggregation statements run on: a transaction.
type txQuerier = bun.IDB

// inTx runs f in a read-only REPEATABLE READ transaction, so that its
// statements see one snapshot of the data, with the aggregation settings:
// work_mem (Config.AggregateWorkMem), no JIT (compiling these plans costs
// more than it saves), no parallel workers (the store already runs
// Config.AggregateParallelism statements at once, and a parallel plan of a
// small scan can be slower than a serial one), and no nested loops or
// merge joins: the planner's estimates of CTE sizes are guesses, and a
// small guess can make it pick a quadratic nested loop, so every join is a
// hash join except the gated key lookups, which can only be nested loops.
//
// The transaction runs on a connection of its own, which f's tx carries
// (an aggTx), so that queryRaw can read rows from its driver connection;
// cursor_tuple_fraction 1 plans the cursors queryRaw declares for all
// their rows, as the statements themselves would be.
func (s *Store) inTx(ctx context.Context, what string, f func(tx txQuerier) error) error {
	db := s.reader(ctx)
	what = s.on(db, what)
	conn, err := db.Conn(ctx)
	if err != nil {
		return s.wrap(ctx, what, err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return s.wrap(ctx, what, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback() // read-only: nothing to undo; f's error is the one to report
		}
	}()
	if _, err := tx.ExecContext(ctx, `SELECT set_config('work_mem', ?, true), set_config('jit', 'off', true),
	set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true),
	set_config('max_parallel_workers_per_gather', '0', true), set_config('cursor_tuple_fraction', '1', true)`, s.cfg.AggregateWorkMem); err != nil {
		return s.wrap(ctx, what, err)
	}
	var q txQuerier = tx
	if db != s.db {
		q = replicaTx{tx} // its statements' errors name Config.Replica
	}
	if err := f(aggTx{IDB: q, conn: conn.Conn}); err != nil {
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return s.wrap(ctx, what, err)
	}
	return nil
}

// teamsOf returns the distinct teams of items[idx], sorted.
func teamsOf(items []analytics.ScopePeriod, idx []int) []string {
	teams := make([]string, 0, len(idx))
	for _, i := range idx {
		teams = append(teams, items[i].Scope.TeamID)
	}
	slices.Sort(teams)
	return slices.Compact(teams)
}

// replicaTx is a transaction on Config.Replica: see Store.on.
type replicaTx struct{ bun.Tx }

// query runs one statement and calls row for each result row. Its errors
// say what, and name Config.Replica when db is on it.
func (s *Store) query(ctx context.Context, db bun.IDB, what, query string, args []any, row func(*sql.Rows) error) error {
	what = s.on(db, what)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return s.wrap(ctx, what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return s.wrap(ctx, what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap(ctx, what, err)
	}
	if err := rows.Close(); err != nil {
		return s.wrap(ctx, what, err)
	}
	return nil
}
