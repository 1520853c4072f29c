package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics/store"
)

// statsCoverage is the share of a column's rows that the most common
// values and NULLs of its statistics must cover for checkStats to take
// them as every value of the column.
const statsCoverage = 0.999

// maxStatsShown is the most sampled values a problem of checkStats lists.
const maxStatsShown = 20

// columnStats is what the planner's statistics (pg_stats) say of a column:
// its most common values, most common first, with their shares of the
// rows.
type columnStats struct {
	vals  []string
	freqs []float64
}

// has reports whether v is one of the sampled values.
func (cs *columnStats) has(v string) bool { return slices.Contains(cs.vals, v) }

// describe lists the sampled values with their shares, for errors.
func (cs *columnStats) describe() string {
	parts := make([]string, 0, min(len(cs.vals), maxStatsShown)+1)
	for i, v := range cs.vals {
		if i == maxStatsShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(cs.vals)-maxStatsShown))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%.1f%%)", quoteLiteral(v), 100*cs.freqs[i]))
	}
	return strings.Join(parts, ", ")
}

// checkStats checks the configured values of the status, sender-type and
// blocked columns that are not enums (whose labels checkValues checks)
// against the planner's statistics of the column, in one statement that
// reads pg_stats and never the tables. A column is checked only when its
// statistics exist (it has been analyzed) and their most common values
// with the NULLs cover the column (their shares add up to at least
// statsCoverage): the sampled values are then every value the column has,
// as of the last ANALYZE. It reports
//
//   - a configured value (of any list) that is not among them while a near
//     match is (the same in normalized form, such as 'sent' and 'SENT');
//   - InboundSenderTypes matching none of them, and SentStatuses,
//     DeliveredStatuses and ReadStatuses together matching none of them:
//     a messages table with no inbound message, or none ever sent, is not
//     plausible, whereas a list such as FailedStatuses may match nothing
//     on a host that has had no failure yet.
//
// A column without statistics, or whose sampled values do not cover it,
// is skipped: Store.CheckSource is the exact check. So is a char(n)
// column, whose statistics hold its values padded with spaces, where the
// statements compare them as text, without.
func checkStats(ctx context.Context, db *bun.DB, src *Source, explicitIgnored bool) ([]error, error) {
	cols := valueColumns(src, explicitIgnored)
	stats, err := readColumnStats(ctx, db, src.Schema, cols)
	if err != nil {
		return nil, err
	}
	var problems []error
	for i, c := range cols {
		if stats[i] != nil {
			problems = append(problems, checkColumnStats(src.Schema, c, stats[i])...)
		}
	}
	return problems, nil
}

// readColumnStats reads the planner's statistics of cols (tables in schema,
// or in the search_path for schema ""), in the order of cols. A column's
// statistics are nil when it has none, is an enum or char(n) column, or
// when its most common values with the NULLs do not cover it.
func readColumnStats(ctx context.Context, db *bun.DB, schema string, cols []valueColumn) ([]*columnStats, error) {
	tables, names := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		tables[i], names[i] = qualify(schema, c.table), c.column
	}
	rows, err := db.QueryContext(ctx, `
SELECT t.ord::int, s.null_frac::float8,
	COALESCE(to_json(s.most_common_vals::text::text[]), '[]')::text,
	COALESCE(to_json(s.most_common_freqs::float8[]), '[]')::text
FROM unnest(?0::text[], ?1::text[]) WITH ORDINALITY AS t(tbl, col, ord)
JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.tbl)
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = t.col AND NOT a.attisdropped
JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
	AND s.inherited = (c.relkind = 'p')
WHERE ty.typtype <> 'e' AND ty.oid <> 'bpchar'::regtype`, pgdialect.Array(tables), pgdialect.Array(names))
	if err != nil {
		return nil, fmt.Errorf("pgstore: reading the source columns' statistics: %w", err)
	}
	defer rows.Close()
	stats := make([]*columnStats, len(cols))
	for rows.Next() {
		var ord int
		var nullFrac float64
		var vals, freqs string
		if err := rows.Scan(&ord, &nullFrac, &vals, &freqs); err != nil {
			return nil, fmt.Errorf("pgstore: reading the source columns' statistics: %w", err)
		}
		cs := &columnStats{}
		if err := json.Unmarshal([]byte(vals), &cs.vals); err != nil {
			return nil, fmt.Errorf("pgstore: reading the source columns' statistics: %w", err)
		}
		if err := json.Unmarshal([]byte(freqs), &cs.freqs); err != nil {
			return nil, fmt.Errorf("pgstore: reading the source columns' statistics: %w", err)
		}
		sum := nullFrac
		for _, f := range cs.freqs {
			sum += f
		}
		if len(cs.vals) == len(cs.freqs) && sum >= statsCoverage {
			stats[ord-1] = cs
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: reading the source columns' statistics: %w", err)
	}
	return stats, nil
}

// checkColumnStats checks the configured values of column c against its
// statistics cs, as checkStats describes, and returns every mismatch.
func checkColumnStats(schema string, c valueColumn, cs *columnStats) []error {
	var problems []error
	p := "Config.Source.Messages."
	where := fmt.Sprintf("column %s.%s in the planner's statistics (pg_stats, as of its last ANALYZE)",
		qualify(schema, c.table), quoteIdent(c.column))
	nearMiss := map[string]bool{} // lists with a value reported for its near match
	matched := map[string]bool{}  // lists with a value among the sampled ones
	for _, l := range c.lists {
		for j, v := range l.values {
			if cs.has(v) {
				matched[l.field] = true
				continue
			}
			if hint := suggestValue(v, cs.vals); hint != "" {
				nearMiss[l.field] = true
				problems = append(problems, store.InvalidArgument(fmt.Sprintf("%s[%d]", l.field, j),
					"%s is not among the values of %s, which are %s%s", quoteLiteral(v), where, cs.describe(), hint))
			}
		}
	}
	if len(cs.vals) == 0 {
		return problems // every row is NULL
	}
	if f := p + "InboundSenderTypes"; c.hasList(f) && !matched[f] && !nearMiss[f] {
		problems = append(problems, store.InvalidArgument(f,
			"matches none of the values of %s, which are %s: no message would count as inbound", where, cs.describe()))
	}
	sent := []string{p + "SentStatuses", p + "DeliveredStatuses", p + "ReadStatuses"}
	if c.hasList(sent[0]) && !matched[sent[0]] && !matched[sent[1]] && !matched[sent[2]] &&
		!nearMiss[sent[0]] && !nearMiss[sent[1]] && !nearMiss[sent[2]] {
		problems = append(problems, store.InvalidArgument(sent[0],
			"SentStatuses, DeliveredStatuses and ReadStatuses together match none of the values of %s, which are %s: no message would count as sent",
			where, cs.describe()))
	}
	return problems
}

// hasList reports whether the column has the list of the Config field f.
func (c valueColumn) hasList(f string) bool {
	return slices.ContainsFunc(c.lists, func(l valueCheck) bool { return l.field == f })
}
