package pgstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics/store"
)

// SourceError is New's error for a configuration that is invalid or a
// source mapping that does not match the database, and Migrations' and
// MigrationSQL's for an invalid configuration: every problem found, each
// an error wrapping analytics.ErrInvalidArgument that names the Config
// field (a *analytics.FieldError). The configuration's own problems (a
// name that is not an identifier, an unknown DefaultTimeZone, TeamVia with
// TeamID, a value in two lists, …) come first, then those found in the
// database, which New still looks for: it skips only the tables and
// columns whose names are not identifiers (and every one when
// Source.Schema is not). errors.Is(err, analytics.ErrInvalidArgument)
// holds for it.
type SourceError struct {
	Problems []error
}

// Error lists the problems, one per line.
func (e *SourceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pgstore: the configuration or its source mapping is wrong (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems.
func (e *SourceError) Unwrap() []error { return e.Problems }

// normalize is the form in which names and values are compared for a near
// match: lower case, without underscores, hyphens or spaces.
func normalize(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return r
	}, s)
}

// singular strips one trailing "s" of a normalized table name.
func singular(s string) string {
	if len(s) > 1 && strings.HasSuffix(s, "s") {
		return s[:len(s)-1]
	}
	return s
}

// nearest returns the candidate whose normalized form equals name's (with
// plural, also up to one trailing "s"), or "". Of several, the first in
// byte order.
func nearest(name string, candidates []string, plural bool) string {
	n := normalize(name)
	if plural {
		n = singular(n)
	}
	var out []string
	for _, c := range candidates {
		cn := normalize(c)
		if plural {
			cn = singular(cn)
		}
		if cn == n && c != name {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return ""
	}
	slices.Sort(out)
	return out[0]
}

// suggest is the "; did you mean …?" hint of a missing name, or "".
func suggest(name string, candidates []string, plural bool) string {
	if c := nearest(name, candidates, plural); c != "" {
		return fmt.Sprintf("; did you mean %s?", quoteIdent(c))
	}
	return ""
}

func mapKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// suggestTable is the hint for a missing table: the near match among the
// tables and views of schema (or of the search_path when it is "").
func suggestTable(ctx context.Context, db *bun.DB, schema, name string) (string, error) {
	rows, err := db.QueryContext(ctx, `
SELECT c.relname::text FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
	AND (CASE WHEN ?0 = '' THEN n.nspname = ANY(current_schemas(false)) ELSE n.nspname = ?0 END)`, schema)
	if err != nil {
		return "", fmt.Errorf("pgstore: checking the source tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", fmt.Errorf("pgstore: checking the source tables: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("pgstore: checking the source tables: %w", err)
	}
	return suggest(name, names, true), nil
}

// valueCheck is one list of configured values of a column.
type valueCheck struct {
	field  string // the list's Config field
	values []string
}

// valueColumn is a column whose values the mapping lists.
type valueColumn struct {
	table, column string
	lists         []valueCheck
}

// valueColumns lists every configured value list of src by column.
// IgnoredStatuses is included only when the host set it: its defaults
// name values a host may simply not have.
func valueColumns(src *Source, explicitIgnored bool) []valueColumn {
	p := "Config.Source."
	m, cv, cp, ct := &src.Messages, &src.Conversations, &src.Campaigns, &src.Contacts
	status := []valueCheck{
		{p + "Messages.SentStatuses", m.SentStatuses},
		{p + "Messages.DeliveredStatuses", m.DeliveredStatuses},
		{p + "Messages.ReadStatuses", m.ReadStatuses},
		{p + "Messages.FailedStatuses", m.FailedStatuses},
	}
	if explicitIgnored {
		status = append(status, valueCheck{p + "Messages.IgnoredStatuses", m.IgnoredStatuses})
	}
	cols := []valueColumn{
		{m.Table, m.Status, status},
		{m.Table, m.SenderType, []valueCheck{
			{p + "Messages.InboundSenderTypes", m.InboundSenderTypes},
			{p + "Messages.OutboundSenderTypes", m.OutboundSenderTypes},
		}},
		{cv.Table, cv.Status, []valueCheck{
			{p + "Conversations.OpenStatuses", cv.OpenStatuses},
			{p + "Conversations.ClosedStatuses", cv.ClosedStatuses},
		}},
		{cp.Table, cp.Status, []valueCheck{
			{p + "Campaigns.RunningStatuses", cp.RunningStatuses},
			{p + "Campaigns.CompletedStatuses", cp.CompletedStatuses},
			{p + "Campaigns.FailedStatuses", cp.FailedStatuses},
		}},
	}
	if len(ct.BlockedValues) > 0 {
		cols = append(cols, valueColumn{ct.Table, ct.Blocked, []valueCheck{{p + "Contacts.BlockedValues", ct.BlockedValues}}})
	}
	return cols
}

// checkValues checks every configured value of a column that is an enum
// against its labels (pg_enum), in one statement. Columns that are not
// enums, and tables or columns that do not exist (checkSource reports
// those), are skipped.
func checkValues(ctx context.Context, db *bun.DB, src *Source, explicitIgnored bool) ([]error, error) {
	cols := valueColumns(src, explicitIgnored)
	tables, names := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		tables[i], names[i] = qualify(src.Schema, c.table), c.column
	}
	rows, err := db.QueryContext(ctx, `
SELECT t.ord::int, format('%I.%I', tn.nspname, ty.typname), e.enumlabel::text
FROM unnest(?0::text[], ?1::text[]) WITH ORDINALITY AS t(tbl, col, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = to_regclass(t.tbl) AND a.attname = t.col AND NOT a.attisdropped
JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace
JOIN pg_catalog.pg_enum e ON e.enumtypid = ty.oid
ORDER BY t.ord, e.enumsortorder`, pgdialect.Array(tables), pgdialect.Array(names))
	if err != nil {
		return nil, fmt.Errorf("pgstore: checking the source values: %w", err)
	}
	defer rows.Close()
	labels := make([][]string, len(cols))
	types := make([]string, len(cols))
	for rows.Next() {
		var ord int
		var typ, label string
		if err := rows.Scan(&ord, &typ, &label); err != nil {
			return nil, fmt.Errorf("pgstore: checking the source values: %w", err)
		}
		labels[ord-1] = append(labels[ord-1], label)
		types[ord-1] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: checking the source values: %w", err)
	}
	var problems []error
	for i, c := range cols {
		if labels[i] == nil {
			continue // not an enum
		}
		for _, l := range c.lists {
			for j, v := range l.values {
				if slices.Contains(labels[i], v) {
					continue
				}
				problems = append(problems, store.InvalidArgument(fmt.Sprintf("%s[%d]", l.field, j),
					"%s is not a label of enum %s of column %s.%s, whose labels are %s%s",
					quoteLiteral(v), types[i], qualify(src.Schema, c.table), quoteIdent(c.column),
					strings.Join(labels[i], ", "), suggestValue(v, labels[i])))
			}
		}
	}
	return problems, nil
}

// suggestValue is the "; did you mean …?" hint of a value, or "".
func suggestValue(v string, labels []string) string {
	if c := nearest(v, labels, false); c != "" {
		return fmt.Sprintf("; did you mean %s?", quoteLiteral(c))
	}
	return ""
}
