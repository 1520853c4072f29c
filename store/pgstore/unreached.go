package pgstore

import (
	"context"
	"database/sql"
	"fmt"
)

// unreachedChecks returns CheckSource's finding for each source table with
// a TeamVia, in the order messages, conversations, contacts, campaigns:
// Unreached is the table's rows less the rows that reach a team through
// the join the statements read in its place (viaTables), counted in one
// statement per table.
func (s *Store) unreachedChecks(ctx context.Context) ([]ColumnCheck, error) {
	src := &s.cfg.Source
	via := viaTables(src, s.types, false)
	p := "Config.Source."
	tables := []struct {
		field, table string
		via          TeamVia
		account      string
	}{
		{p + "Messages.TeamVia", src.Messages.Table, src.Messages.TeamVia, src.Messages.AccountID},
		{p + "Conversations.TeamVia", src.Conversations.Table, src.Conversations.TeamVia, src.Conversations.AccountID},
		{p + "Contacts.TeamVia", src.Contacts.Table, src.Contacts.TeamVia, src.Contacts.AccountID},
		{p + "Campaigns.TeamVia", src.Campaigns.Table, src.Campaigns.TeamVia, src.Campaigns.AccountID},
	}
	var out []ColumnCheck
	for _, t := range tables {
		joined, ok := via[t.table]
		if t.via == TeamViaColumn || !ok {
			continue
		}
		column := t.account
		if t.via == TeamViaConversation {
			column = src.Messages.ConversationID
		}
		q := `SELECT (SELECT count(*) FROM ` + qualify(src.Schema, t.table) + `) -
	(SELECT count(*) FROM ` + joined + ` v WHERE v.` + quoteIdent(viaTeamColumn) + ` IS NOT NULL)`
		res := ColumnCheck{Field: t.field, Table: t.table, Column: column}
		err := s.query(ctx, s.reader(ctx), "counting the rows that reach no team", q, nil, func(rows *sql.Rows) error {
			return rows.Scan(&res.Unreached)
		})
		if err != nil {
			return nil, fmt.Errorf("%w (table %s)", err, quoteIdent(t.table))
		}
		out = append(out, res)
	}
	return out, nil
}
