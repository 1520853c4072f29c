package pgstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// PartitionIndex is the index one partition of a partitioned table needs
// for a recommended Index to become valid: Postgres cannot build an index
// on a partitioned table concurrently, so it is built partition by
// partition and attached to the index of the partition's parent.
type PartitionIndex struct {
	// Name is the index's name: "analytics_" + partition + the
	// recommended index's suffix (e.g. "analytics_messages_2026_03_team_created_idx",
	// cut to 63 bytes), or the partition's existing index when Exists is set.
	Name string
	// Schema is the schema of the partition, and so of its index.
	Schema string
	// Table is the quoted, schema-qualified partition.
	Table string
	// Parent is the quoted, schema-qualified index to attach this one to:
	// the recommended index, or that of the partition's parent when the
	// partition is a partition of a partition.
	Parent string
	// Partitioned reports that the partition is itself partitioned: its
	// index is made ON ONLY it (quick) and becomes valid once its own
	// partitions, which come after it in Index.Partitions, are attached.
	Partitioned bool
	// Exists reports that the partition already has Name, with exactly the
	// recommended key columns and attached to no index: it is attached,
	// not built.
	Exists bool
	// Drop reports that the partition has an index called Name that cannot
	// be attached (not valid, as a failed CREATE INDEX CONCURRENTLY leaves
	// it, or with other columns): it is dropped and built again.
	Drop bool
}

// quotedName is the quoted, schema-qualified index.
func (p PartitionIndex) quotedName() string { return qualify(p.Schema, p.Name) }

// Statements returns, in order, the statements that create the index
// without blocking writes when concurrently is set, or with the lock of
// SQL when not. Each can be run again after a failure. For a table that
// is not partitioned, it is the one statement of SQL or Concurrently.
//
// For a partitioned table, with the Partitions of IndexPlan: CREATE INDEX
// ON ONLY the table (an invalid index, made at once), then for each
// partition lacking an attached index, CREATE INDEX [CONCURRENTLY] on it
// (DROP INDEX first, when Drop is set) and ALTER INDEX … ATTACH
// PARTITION; the index becomes valid when the last partition is
// attached. A partition created later with CREATE TABLE … PARTITION OF
// gets the index from Postgres, built and attached, and one attached
// with ALTER TABLE … ATTACH PARTITION has a matching index attached or
// built; neither needs a statement of this package. Concurrent builds
// cannot run inside a transaction block.
func (ix Index) Statements(concurrently bool) []string {
	if !ix.Partitioned {
		if concurrently {
			return []string{ix.Concurrently()}
		}
		return []string{ix.SQL()}
	}
	create := "CREATE INDEX IF NOT EXISTS "
	drop := "DROP INDEX IF EXISTS "
	if concurrently {
		create = "CREATE INDEX CONCURRENTLY IF NOT EXISTS "
		drop = "DROP INDEX CONCURRENTLY IF EXISTS "
	}
	out := []string{"CREATE INDEX IF NOT EXISTS " + quoteIdent(ix.Name) + " ON ONLY " + ix.Table + " (" + ix.Columns + ")"}
	for _, p := range ix.Partitions {
		if p.Drop {
			out = append(out, drop+p.quotedName())
		}
		switch {
		case p.Exists:
		case p.Partitioned:
			out = append(out, "CREATE INDEX IF NOT EXISTS "+quoteIdent(p.Name)+" ON ONLY "+p.Table+" ("+ix.Columns+")")
		default:
			out = append(out, create+quoteIdent(p.Name)+" ON "+p.Table+" ("+ix.Columns+")")
		}
		out = append(out, "ALTER INDEX "+p.Parent+" ATTACH PARTITION "+p.quotedName())
	}
	return out
}

// partitionRow is a partition of a partitioned table as
// readPartitionIndexes reads it.
type partitionRow struct {
	oid, parent         int64
	level               int
	leaf                bool
	schema, name, table string // unquoted schema and name; quoted, qualified table
	attached            string // unquoted index attached to the recommended one
	reusable            string // unquoted index that can be attached
	indexes             []string
}

// partitionIndexes returns the Partitions of r, a recommended index on a
// partitioned table, with keys its key columns: every partition, at any
// depth, with no index attached to r's yet, parents before their own
// partitions. An index of the partition with exactly keys (btree, valid,
// not unique, no predicate, expression or included column, default
// operator classes, collations and order) attached to no other is
// attached rather than built.
func (s *Store) partitionIndexes(ctx context.Context, r recommendedIndex) ([]PartitionIndex, error) {
	var rootSchema string
	var rows []partitionRow
	err := s.query(ctx, s.db, "reading the partitions of "+r.Table, partitionsSQL, []any{r.Table, r.Name, pgdialect.Array(r.keys)},
		func(rs *sql.Rows) error {
			var p partitionRow
			var parent sql.NullInt64
			var attached, reusable sql.NullString
			var names string
			if err := rs.Scan(&rootSchema, &p.oid, &parent, &p.level, &p.leaf, &p.schema, &p.name, &attached, &reusable, &names); err != nil {
				return err
			}
			p.table = qualify(p.schema, p.name)
			p.parent, p.attached, p.reusable = parent.Int64, attached.String, reusable.String
			if err := json.Unmarshal([]byte(names), &p.indexes); err != nil {
				return fmt.Errorf("indexes of %s: %w", p.table, err)
			}
			rows = append(rows, p)
			return nil
		})
	if err != nil {
		return nil, err
	}
	suffix := "_idx"
	if prefix := "analytics_" + r.table; strings.HasPrefix(r.Name, prefix) {
		suffix = strings.TrimPrefix(r.Name, prefix)
	}
	indexOf := map[int64]string{} // the quoted index each partition has, or will have
	var out []PartitionIndex
	for _, p := range rows {
		parent := qualify(rootSchema, r.Name)
		if p.level > 1 {
			parent = indexOf[p.parent]
		}
		if p.attached != "" {
			indexOf[p.oid] = qualify(p.schema, p.attached) // an index is in its table's schema
			continue
		}
		pi := PartitionIndex{Schema: p.schema, Table: p.table, Parent: parent, Partitioned: !p.leaf}
		if p.reusable != "" {
			pi.Name, pi.Exists = p.reusable, true
		} else {
			pi.Name = clipIdent("analytics_" + p.name + suffix)
			pi.Drop = slices.Contains(p.indexes, pi.Name)
		}
		indexOf[p.oid] = pi.quotedName()
		out = append(out, pi)
	}
	return out, nil
}

// clipIdent cuts name to maxIdentLen bytes at a character boundary, as
// Postgres truncates identifiers.
func clipIdent(name string) string {
	for len(name) > maxIdentLen {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return name
}

// partitionsSQL reads the partitions of the table ?0 (quoted) at every
// depth, parents first, for the recommended index named ?1 with key
// columns ?2: each with the index attached to ?1 (at any depth) if any, an
// index that could be attached if any, and the names of its indexes.
const partitionsSQL = `
WITH r AS (
	SELECT c.oid AS tbl, n.nspname,
		(SELECT i.indexrelid FROM pg_catalog.pg_index i
			JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
			WHERE i.indrelid = c.oid AND ic.relname = ?1) AS idx
	FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.oid = to_regclass(?0)
), attached AS (
	SELECT i.indrelid AS tbl, xc.relname::text AS idx
	FROM r, pg_catalog.pg_partition_tree(r.idx) x
	JOIN pg_catalog.pg_index i ON i.indexrelid = x.relid
	JOIN pg_catalog.pg_class xc ON xc.oid = x.relid
	WHERE r.idx IS NOT NULL AND x.level > 0
)
SELECT r.nspname::text, t.relid::oid::bigint, t.parentrelid::oid::bigint, t.level, t.isleaf,
	pn.nspname::text, pc.relname::text,
	(SELECT a.idx FROM attached a WHERE a.tbl = t.relid),
	(SELECT xc.relname::text FROM pg_catalog.pg_index xi
		JOIN pg_catalog.pg_class xc ON xc.oid = xi.indexrelid
		JOIN pg_catalog.pg_am am ON am.oid = xc.relam
		WHERE xi.indrelid = t.relid AND am.amname = 'btree' AND xi.indisvalid AND NOT xi.indisunique
			AND xi.indpred IS NULL AND xi.indexprs IS NULL
			AND xi.indnatts = cardinality(?2::text[]) AND xi.indnkeyatts = xi.indnatts
			AND 0 = ALL (xi.indoption::int2[])
			AND NOT EXISTS (SELECT FROM pg_catalog.pg_inherits h WHERE h.inhrelid = xi.indexrelid)
			AND ARRAY(SELECT a.attname::text FROM generate_series(0, xi.indnatts - 1) AS g(n)
				JOIN pg_catalog.pg_attribute a ON a.attrelid = xi.indrelid AND a.attnum = xi.indkey[g.n]
				ORDER BY g.n) = ?2::text[]
			AND NOT EXISTS (SELECT FROM generate_series(0, xi.indnatts - 1) AS g(n)
				JOIN pg_catalog.pg_attribute a ON a.attrelid = xi.indrelid AND a.attnum = xi.indkey[g.n]
				JOIN pg_catalog.pg_opclass oc ON oc.oid = xi.indclass[g.n]
				WHERE a.attcollation <> xi.indcollation[g.n] OR NOT oc.opcdefault)
		ORDER BY xc.relname LIMIT 1),
	to_json(ARRAY(SELECT ic.relname::text FROM pg_catalog.pg_index ii
		JOIN pg_catalog.pg_class ic ON ic.oid = ii.indexrelid WHERE ii.indrelid = t.relid))::text
FROM r, pg_catalog.pg_partition_tree(r.tbl) t
JOIN pg_catalog.pg_class pc ON pc.oid = t.relid
JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
WHERE t.level > 0
ORDER BY t.level, pn.nspname, pc.relname`
