package pgstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
)

// scanMargin widens the message scan on both sides, so that rounding the
// bounds to Postgres's microseconds can never leave out a message that
// matters. Scanning more never changes a result; see messagesSQL.
const scanMargin = time.Millisecond

// scopeKey identifies one scope within a group of items.
type scopeKey struct {
	team, account string
	teamWide      bool
}

func keyOf(s analytics.Scope) scopeKey {
	return scopeKey{team: s.TeamID, account: s.AccountID, teamWide: s.TeamWide()}
}

// periodKey groups items whose periods have the same instants.
type periodKey struct{ start, end time.Time }

// Aggregate implements analytics.ActivityReader.
//
// Items are grouped by their period's (Start, End) instants, so teams whose
// zones share local midnight share a group. Each group costs four
// statements, one per source table (messages, conversations, contacts,
// campaigns), whatever the number of teams and accounts in it: each
// statement reads every team of the group at once (team_id = ANY(array))
// and computes the team-wide and per-account scopes together with GROUPING
// SETS. Scopes with no rows get zero metrics. The result equals
// analytics.ComputeMetrics over the same rows.
//
// A cancelled ctx stops the running statement (the driver cancels it on
// the server) and returns an error wrapping ctx's error.
func (s *Store) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	w := req.Window()
	var order []periodKey
	groups := map[periodKey][]int{}
	for i, it := range req.Items {
		k := periodKey{start: it.Period.Start.UTC(), end: it.Period.End.UTC()}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	out := make([]analytics.Metrics, len(req.Items))
	for _, k := range order {
		idx := groups[k]
		var teams []string
		for _, i := range idx {
			teams = append(teams, req.Items[i].Scope.TeamID)
		}
		slices.Sort(teams)
		teams = slices.Compact(teams)
		res, err := s.aggregateGroup(ctx, teams, k.start, k.end, w)
		if err != nil {
			return nil, err
		}
		for _, i := range idx {
			it := req.Items[i]
			var m analytics.Metrics
			if r := res[keyOf(it.Scope)]; r != nil {
				m = *r
			}
			m.Period = analytics.Range{Start: it.Period.Start, End: it.Period.End}
			m.Derive()
			out[i] = m
		}
	}
	return out, nil
}

// ceilMicro rounds t up to a whole microsecond, Postgres's precision.
func ceilMicro(t time.Time) time.Time {
	r := t.Truncate(time.Microsecond)
	if r.Before(t) {
		r = r.Add(time.Microsecond)
	}
	return r
}

// unixMicroCeil is t in µs since the epoch, rounded up.
func unixMicroCeil(t time.Time) int64 { return ceilMicro(t).UnixMicro() }

func (s *Store) aggArgs(teams []string, start, end time.Time, w time.Duration) []any {
	m, cv, cp := s.cfg.Source.Messages, s.cfg.Source.Conversations, s.cfg.Source.Campaigns
	wFloor := int64(w / time.Microsecond)
	wCeil := wFloor
	if w%time.Microsecond != 0 {
		wCeil++
	}
	args := make([]any, numAggArgs)
	args[argTeams] = pgdialect.Array(teams)
	args[argStart] = ceilMicro(start)
	args[argEnd] = ceilMicro(end)
	args[argStartUs] = unixMicroCeil(start)
	args[argEndUs] = unixMicroCeil(end)
	args[argScanLo] = start.Add(-w - scanMargin).Truncate(time.Microsecond)
	args[argScanHi] = ceilMicro(end.Add(2*w + scanMargin))
	args[argWindowFloorUs] = wFloor
	args[argWindowCeilUs] = wCeil
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
	return args
}

// aggregateGroup runs the four statements of one period for teams.
func (s *Store) aggregateGroup(ctx context.Context, teams []string, start, end time.Time, w time.Duration) (map[scopeKey]*analytics.Metrics, error) {
	args := s.aggArgs(teams, start, end, w)
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

	err := s.query(ctx, "aggregating messages", s.q.messages, args, func(rows *sql.Rows) error {
		var kind, team string
		var account sql.NullString
		var g int64
		var v [14]int64
		var hist analytics.Histogram
		dest := []any{&kind, &team, &account, &g}
		for i := range v {
			dest = append(dest, &v[i])
		}
		for i := range hist {
			dest = append(dest, &hist[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		m := get(team, account, g)
		if m == nil {
			return nil
		}
		switch kind {
		case "f":
			m.Conversations.FirstResponseCount = v[12]
			m.Conversations.FirstResponseTimeMs = v[13]
			return nil
		case "a":
			m.Contacts.Active = v[11]
			return nil
		}
		msg := &m.Messages
		msg.Total, msg.Sent, msg.Delivered, msg.Read, msg.Failed, msg.Replied, msg.Inbound, msg.Outbound =
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
		cv := &m.Conversations
		cv.ResponseCount, cv.ResponseTimeMs, cv.Unanswered = v[8], v[9], v[10]
		cv.Histogram = hist
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = s.query(ctx, "aggregating conversations", s.q.conversations, args, func(rows *sql.Rows) error {
		var team string
		var account sql.NullString
		var g, total, open, closed int64
		if err := rows.Scan(&team, &account, &g, &total, &open, &closed); err != nil {
			return err
		}
		if m := get(team, account, g); m != nil {
			m.Conversations.Total, m.Conversations.Open, m.Conversations.Closed = total, open, closed
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = s.query(ctx, "aggregating contacts", s.q.contacts, args, func(rows *sql.Rows) error {
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
		return nil, err
	}

	err = s.query(ctx, "aggregating campaigns", s.q.campaigns, args, func(rows *sql.Rows) error {
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
		return nil, err
	}
	return res, nil
}

// query runs one statement and calls row for each result row.
func (s *Store) query(ctx context.Context, what, query string, args []any, row func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
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
