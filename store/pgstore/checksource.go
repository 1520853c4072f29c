package pgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// CheckSourceLimit is the most uncovered values CheckSource lists per
// column, those with the most rows first.
const CheckSourceLimit = 20

// ValueCount is one value of a mapped column and how many rows have it.
// Null reports the SQL NULL (Value is then "").
type ValueCount struct {
	Value string
	Null  bool
	Rows  int64
	// NearMatch, for a value no list covers, is the configured value of
	// the column's lists that is the same in normalized form (lower case,
	// without underscores, hyphens or spaces), such as "DELIVERED" for
	// "delivered": the value the mapping probably meant. Empty when none
	// is.
	NearMatch string
}

// String formats the value with its rows and near match, such as
// 'delivered' (4 rows; did you mean 'DELIVERED'?), or NULL (2 rows).
func (v ValueCount) String() string {
	var b strings.Builder
	if v.Null {
		b.WriteString("NULL")
	} else {
		b.WriteString(quoteLiteral(v.Value))
	}
	fmt.Fprintf(&b, " (%d row", v.Rows)
	if v.Rows != 1 {
		b.WriteString("s")
	}
	if v.NearMatch != "" {
		fmt.Fprintf(&b, "; did you mean %s?", quoteLiteral(v.NearMatch))
	}
	b.WriteString(")")
	return b.String()
}

// ColumnCheck is CheckSource's finding for one mapped column.
type ColumnCheck struct {
	// Field is the Config field of the column, e.g.
	// "Config.Source.Messages.Status"; Table and Column name it.
	Field, Table, Column string
	// Uncovered are the values of the column that no list of the mapping
	// covers, most rows first (then in byte order), at most
	// CheckSourceLimit of them, each with its NearMatch among the
	// configured values; More reports that there are others. For
	// Messages.SenderType with OutboundSenderTypes empty every value is
	// covered (as outbound), so none is listed.
	Uncovered []ValueCount
	More      bool
	// Unused are the configured values no row has, in the order of the
	// mapping's lists (IgnoredStatuses left out): a list that matches
	// nothing gives zeros.
	Unused []string
	// Unreached, in the finding for a table's TeamVia (Field
	// "Config.Source.Messages.TeamVia" and the like; Column is the account
	// or conversation column the team is reached through), is the number
	// of the table's rows that reach no team: no account or conversation,
	// one that does not exist, or one with no team. Those rows are never
	// counted in any snapshot. Always 0 in the findings for columns.
	Unreached int64
}

// OK reports whether the column has neither uncovered nor unused values,
// and, for a TeamVia, no rows that reach no team.
func (c ColumnCheck) OK() bool {
	return len(c.Uncovered) == 0 && len(c.Unused) == 0 && c.Unreached == 0
}

// CheckSource reads the values of the mapped status and sender-type
// columns (Messages.Status, Messages.SenderType, Conversations.Status,
// Campaigns.Status) and reports, per column, the values present in the
// data that no list of the mapping covers, and the configured values
// that no row has. New checks the configured values of enum columns
// against their labels; CheckSource is the check for text columns, whose
// values only the data shows (it reads enum columns too: a label may be
// in the data and in no list). After the columns' findings come, for each
// table with a TeamVia (messages, conversations, contacts, campaigns, in
// that order), one whose Unreached counts the table's rows that reach no
// team, which no snapshot counts.
//
// Cost: one statement per column, each a sequential scan of its whole
// table (the messages table twice) with a hash aggregate over the
// column's distinct values, which a status column has few of, so linear
// in the rows. Each table with a TeamVia adds one statement: two scans of
// the table, one of them hash joined to the accounts (or to the
// conversations, and their accounts when conversations have a TeamVia),
// likewise linear in the rows. It is meant
// for deployment and health checks, not for every request; run it on a
// replica when the tables are large.
func (s *Store) CheckSource(ctx context.Context) ([]ColumnCheck, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	src := &s.cfg.Source
	m, cv, cp := &src.Messages, &src.Conversations, &src.Campaigns
	p := "Config.Source."
	cols := []struct {
		field, table, column string
		known                []string
		ignored              []string // covered, but not reported when unused
		all                  bool     // every value is covered
	}{
		{p + "Messages.Status", m.Table, m.Status, slices.Concat(m.SentStatuses, m.DeliveredStatuses, m.ReadStatuses, m.FailedStatuses), m.IgnoredStatuses, false},
		{p + "Messages.SenderType", m.Table, m.SenderType, slices.Concat(m.InboundSenderTypes, m.OutboundSenderTypes), nil, len(m.OutboundSenderTypes) == 0},
		{p + "Conversations.Status", cv.Table, cv.Status, slices.Concat(cv.OpenStatuses, cv.ClosedStatuses), nil, false},
		{p + "Campaigns.Status", cp.Table, cp.Status, slices.Concat(cp.RunningStatuses, cp.CompletedStatuses, cp.FailedStatuses), nil, false},
	}
	out := make([]ColumnCheck, 0, len(cols))
	for _, c := range cols {
		limit := CheckSourceLimit + 1
		if c.all {
			limit = 0
		}
		q := `WITH x AS MATERIALIZED (
	SELECT ` + quoteIdent(c.column) + `::text AS v, count(*) AS n FROM ` + qualify(src.Schema, c.table) + ` GROUP BY 1)
SELECT v, n, true FROM x WHERE v = ANY(?0::text[])
UNION ALL
(SELECT v, n, false FROM x WHERE NOT COALESCE(v = ANY(?0::text[]), false) ORDER BY n DESC, v COLLATE "C" LIMIT ?1)`
		res := ColumnCheck{Field: c.field, Table: c.table, Column: c.column}
		present := map[string]bool{}
		err := s.query(ctx, s.reader(ctx), "checking the source values", q, []any{textArray(slices.Concat(c.known, c.ignored)), limit}, func(rows *sql.Rows) error {
			var v sql.NullString
			var n int64
			var covered bool
			if err := rows.Scan(&v, &n, &covered); err != nil {
				return err
			}
			if covered {
				present[v.String] = true
				return nil
			}
			if len(res.Uncovered) == CheckSourceLimit {
				res.More = true
				return nil
			}
			vc := ValueCount{Value: v.String, Null: !v.Valid, Rows: n}
			if v.Valid {
				vc.NearMatch = nearest(v.String, slices.Concat(c.known, c.ignored), false)
			}
			res.Uncovered = append(res.Uncovered, vc)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%w (column %s.%s)", err, quoteIdent(c.table), quoteIdent(c.column))
		}
		for _, k := range c.known {
			if !present[k] && !slices.Contains(res.Unused, k) {
				res.Unused = append(res.Unused, k)
			}
		}
		out = append(out, res)
	}
	unreached, err := s.unreachedChecks(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, unreached...), nil
}
