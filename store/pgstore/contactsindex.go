package pgstore

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// contactsStatement returns the contacts statement to run: the per-team
// form (contactsPerTeamSQL), which reads each team's contacts and
// conversations through an index led by the team column, when both tables
// have such an index; else the set-wide form (contactsSQL), which reads
// the group's rows in one pass. Without the index, the per-team form
// would scan both tables once per team of the group.
func (s *Store) contactsStatement() string {
	if s.q.contactsTeam != "" && s.teamIndexed.Load() {
		return s.q.contactsTeam
	}
	return s.q.contacts
}

// checkTeamIndexes records whether the contacts and conversations tables
// both have a valid btree index, not partial, whose first key is their
// team column (a primary key (team_id, id), the recommended
// (team_id, created_at), a Prisma @@index([teamId])). New and
// CreateRecommendedIndexes call it; an index the host creates otherwise
// takes effect with the next New.
func (s *Store) checkTeamIndexes(ctx context.Context) error {
	if s.q.contactsTeam == "" {
		return nil
	}
	src := &s.cfg.Source
	tables := []string{qualify(src.Schema, src.Contacts.Table), qualify(src.Schema, src.Conversations.Table)}
	cols := []string{src.Contacts.TeamID, src.Conversations.TeamID}
	var n int
	err := s.query(ctx, s.db, "reading the source tables' indexes", `
SELECT count(*)::int FROM unnest(?0::text[], ?1::text[]) AS t(tbl, col)
WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_index i
	JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
	JOIN pg_catalog.pg_am am ON am.oid = ic.relam
	JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
	WHERE i.indrelid = to_regclass(t.tbl) AND am.amname = 'btree'
		AND i.indisvalid AND i.indisready AND i.indpred IS NULL AND a.attname = t.col)`,
		[]any{pgdialect.Array(tables), pgdialect.Array(cols)}, func(rows *sql.Rows) error {
			return rows.Scan(&n)
		})
	if err != nil {
		return err
	}
	s.teamIndexed.Store(n == len(tables))
	return nil
}
