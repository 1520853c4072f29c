package pgstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// IndexPlan returns the indexes of RecommendedIndexes with Skip also set
// on each that an existing index of the table, under another name, already
// serves: a valid btree index, with no predicate (not partial), whose
// leading key columns are the recommended ones in the same order (a
// Prisma-made @@index([teamId, createdAt]), say). Skip then names that
// index. CREATE INDEX IF NOT EXISTS compares names only, so without this
// CreateRecommendedIndexes would build a second, identical index. The
// index on the teams' IDs, on an expression, is matched by name only.
//
// On a partitioned table, only a valid index of the table itself serves
// (one made ON ONLY the table is not valid until every partition has one
// attached), and an index to make has Partitions: the partitions with no
// index attached to it yet (see PartitionIndex).
//
// It reads the catalog (pg_index) in one statement, and one more for each
// partitioned table.
func (s *Store) IndexPlan(ctx context.Context) ([]Index, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	recs := s.recommended()
	tables := make([]string, len(recs))
	for i, r := range recs {
		tables[i] = qualify(s.cfg.Source.Schema, r.table)
	}
	type existing struct {
		name string
		keys []*string // nil: an expression
	}
	found := make([][]existing, len(recs))
	err := s.query(ctx, s.db, "reading the source tables' indexes", `
SELECT t.ord::int, ic.relname::text,
	to_json(ARRAY(SELECT a.attname::text
		FROM generate_series(0, i.indnkeyatts - 1) AS g(n)
		LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[g.n] AND a.attnum > 0
		ORDER BY g.n))::text
FROM unnest(?0::text[]) WITH ORDINALITY AS t(tbl, ord)
JOIN pg_catalog.pg_index i ON i.indrelid = to_regclass(t.tbl)
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE am.amname = 'btree' AND i.indisvalid AND i.indisready AND i.indpred IS NULL
ORDER BY t.ord, ic.relname`, []any{pgdialect.Array(tables)}, func(rows *sql.Rows) error {
		var ord int
		var name, keys string
		if err := rows.Scan(&ord, &name, &keys); err != nil {
			return err
		}
		e := existing{name: name}
		if err := json.Unmarshal([]byte(keys), &e.keys); err != nil {
			return fmt.Errorf("keys of index %s: %w", quoteIdent(name), err)
		}
		found[ord-1] = append(found[ord-1], e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Index, len(recs))
	for i, r := range recs {
		out[i] = r.Index
		if r.Skip != "" || r.keys == nil {
			continue
		}
		for _, e := range found[i] {
			if e.name != r.Name && leadingKeys(e.keys, r.keys) {
				out[i].Skip = fmt.Sprintf("index %s on %s already serves it (its leading keys are %s)", quoteIdent(e.name), r.Table, r.Columns)
				break
			}
		}
	}
	for i, r := range recs {
		if out[i].Skip == "" && r.Partitioned {
			if out[i].Partitions, err = s.partitionIndexes(ctx, r); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// leadingKeys reports whether the first key columns of an index (nil for
// an expression) are keys, in order.
func leadingKeys(index []*string, keys []string) bool {
	if len(index) < len(keys) {
		return false
	}
	return slices.EqualFunc(index[:len(keys)], keys, func(a *string, b string) bool { return a != nil && *a == b })
}
