package pgstore

import (
	"context"
	"strings"
)

// Index is an index on a host table that the store's reads use.
type Index struct {
	// Name is the index's name, prefixed "analytics_" so that it never
	// clashes with the host's own indexes.
	Name string
	// Table is the quoted, possibly schema-qualified table.
	Table string
	// Columns is the quoted key, e.g. `"team_id", "created_at"`.
	Columns string
	// Skip, when not empty, says why CreateRecommendedIndexes does not
	// create the index: the source table is a view or a foreign table,
	// which cannot have indexes (index the tables it reads instead), or,
	// in the indexes of IndexPlan, an index of the table under another
	// name already serves (Skip then names it). RecommendedIndexes sets
	// it only for views and foreign tables.
	Skip string
	// Partitioned reports that the table is a partitioned table (PARTITION
	// BY), whose index is built partition by partition: see Statements.
	Partitioned bool
	// Partitions, in the indexes of IndexPlan on a partitioned table, are
	// the indexes its partitions still need for this one to be valid: one
	// for each partition, at any depth, with no index attached to it yet.
	// Empty when the index exists and is valid, and in RecommendedIndexes.
	Partitions []PartitionIndex
}

// SQL returns CREATE INDEX IF NOT EXISTS for the index. It locks the table
// against writes while it builds; see Concurrently. On a partitioned table
// it builds the index on every partition, under their locks, and it does
// nothing when an index of its name exists, even one not yet valid: run
// Statements, which completes it.
func (ix Index) SQL() string {
	return "CREATE INDEX IF NOT EXISTS " + quoteIdent(ix.Name) + " ON " + ix.Table + " (" + ix.Columns + ")"
}

// Concurrently returns CREATE INDEX CONCURRENTLY IF NOT EXISTS for the
// index, which builds without blocking writes. It cannot run inside a
// transaction block (so not in most migration tools' transactions), and a
// failed build leaves an INVALID index to drop before retrying. Postgres
// refuses it on a partitioned table: run Statements(true) of IndexPlan's
// index instead.
func (ix Index) Concurrently() string {
	return strings.Replace(ix.SQL(), "CREATE INDEX", "CREATE INDEX CONCURRENTLY", 1)
}

// RecommendedIndexes returns the indexes on the host's tables that the
// store's statements are written for:
//
//   - messages (team_id, created_at), conversations (team_id, created_at),
//     contacts (team_id, created_at) and campaigns (team_id, created_at):
//     every aggregation statement reads a range of created_at for a set of
//     teams (team_id = ANY(…) AND created_at >= … AND created_at < …);
//   - whatsapp_accounts (team_id): the accounts of each team listed;
//   - teams ((id::text COLLATE "C")): Teams pages in byte order of IDs;
//   - messages (team_id, campaign_id), only when Source.Messages.CampaignID
//     is mapped: CampaignFunnels reads the messages of a page of campaigns
//     (campaign_id alone for a table with a TeamVia).
//
// A message's conversation is looked up by (team_id, id), which the
// conversations table's primary key (or a unique index) should cover.
//
// A table with a TeamVia has no team column: its index is on (account_id,
// created_at) for TeamViaAccount (the statements read the accounts of the
// teams), on (created_at) alone for TeamViaConversation, and its rows are
// joined to their accounts or conversations by those tables' IDs, which
// their primary keys (or unique indexes) should cover.
//
// An index on a source that is a view or a foreign table has Skip set,
// saying so; one on a partitioned table has Partitioned set, and is made
// as Statements says.
func (s *Store) RecommendedIndexes() []Index {
	ixs := make([]Index, 0, 6)
	for _, r := range s.recommended() {
		ixs = append(ixs, r.Index)
	}
	return ixs
}

// recommendedIndex is an Index of RecommendedIndexes with its table and
// key columns unquoted; keys is nil for an index on an expression.
type recommendedIndex struct {
	Index
	table string
	keys  []string
}

// recommended returns the indexes of RecommendedIndexes with their
// unquoted table and key columns.
func (s *Store) recommended() []recommendedIndex {
	src := &s.cfg.Source
	tbl := func(name string) string { return qualify(src.Schema, name) }
	name := func(table, suffix string) string {
		n := "analytics_" + table + suffix
		if len(n) > maxIdentLen {
			n = n[:maxIdentLen]
		}
		return n
	}
	tc := func(a, b string) string { return quoteIdent(a) + ", " + quoteIdent(b) }
	ixs := s.skipViews([]Index{
		viaIndex(src.Messages.TeamVia, src.Messages.AccountID, src.Messages.CreatedAt, name(src.Messages.Table, "_team_created_idx"), tbl(src.Messages.Table), tc(src.Messages.TeamID, src.Messages.CreatedAt)),
		viaIndex(src.Conversations.TeamVia, src.Conversations.AccountID, src.Conversations.CreatedAt, name(src.Conversations.Table, "_team_created_idx"), tbl(src.Conversations.Table), tc(src.Conversations.TeamID, src.Conversations.CreatedAt)),
		viaIndex(src.Contacts.TeamVia, src.Contacts.AccountID, src.Contacts.CreatedAt, name(src.Contacts.Table, "_team_created_idx"), tbl(src.Contacts.Table), tc(src.Contacts.TeamID, src.Contacts.CreatedAt)),
		viaIndex(src.Campaigns.TeamVia, src.Campaigns.AccountID, src.Campaigns.CreatedAt, name(src.Campaigns.Table, "_team_created_idx"), tbl(src.Campaigns.Table), tc(src.Campaigns.TeamID, src.Campaigns.CreatedAt)),
		{Name: name(src.Accounts.Table, "_team_idx"), Table: tbl(src.Accounts.Table), Columns: quoteIdent(src.Accounts.TeamID)},
		{Name: name(src.Teams.Table, "_id_c_idx"), Table: tbl(src.Teams.Table), Columns: "(" + quoteIdent(src.Teams.ID) + `::text COLLATE "C")`},
		campaignIndex(src, name(src.Messages.Table, "_team_campaign_idx"), tbl(src.Messages.Table)),
	})
	keys := func(via TeamVia, account, team, created string) []string {
		switch via {
		case TeamViaAccount:
			return []string{account, created}
		case TeamViaConversation:
			return []string{created}
		}
		return []string{team, created}
	}
	m, cv, ct, cp := src.Messages, src.Conversations, src.Contacts, src.Campaigns
	out := []recommendedIndex{
		{ixs[0], m.Table, keys(m.TeamVia, m.AccountID, m.TeamID, m.CreatedAt)},
		{ixs[1], cv.Table, keys(cv.TeamVia, cv.AccountID, cv.TeamID, cv.CreatedAt)},
		{ixs[2], ct.Table, keys(ct.TeamVia, ct.AccountID, ct.TeamID, ct.CreatedAt)},
		{ixs[3], cp.Table, keys(cp.TeamVia, cp.AccountID, cp.TeamID, cp.CreatedAt)},
		{ixs[4], src.Accounts.Table, []string{src.Accounts.TeamID}},
		{ixs[5], src.Teams.Table, nil},
	}
	if k := campaignKeys(src); k != nil {
		out = append(out, recommendedIndex{ixs[6], m.Table, k})
	}
	return out
}

// CreateRecommendedIndexes creates every index of IndexPlan that does not
// exist yet (CREATE INDEX IF NOT EXISTS: the Statements(false) of each
// index, one statement for a table that is not partitioned), except
// those with Skip set (on views and foreign tables, and those an index of
// another name already serves), which it leaves out without error:
// IndexPlan lists them with the reason. On a partitioned table it builds
// the index partition by partition and attaches each, which also
// completes an index left invalid by an interrupted run. This is the only
// method that writes to the host's tables' definitions; on a large, busy
// database prefer running the Statements(true) of each index of IndexPlan
// through the host's own tooling.
func (s *Store) CreateRecommendedIndexes(ctx context.Context) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	plan, err := s.IndexPlan(ctx)
	if err != nil {
		return err
	}
	for _, ix := range plan {
		if ix.Skip != "" {
			continue
		}
		for _, stmt := range ix.Statements(false) {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				return s.wrap(ctx, "creating index "+ix.Name, err)
			}
		}
	}
	return s.checkTeamIndexes(ctx)
}

// skipViews sets Skip on the indexes of ixs whose table is a view or a
// foreign table, and Partitioned on those of partitioned tables, as New
// found them.
func (s *Store) skipViews(ixs []Index) []Index {
	src := &s.cfg.Source
	tables := []string{src.Messages.Table, src.Conversations.Table, src.Contacts.Table, src.Campaigns.Table, src.Accounts.Table, src.Teams.Table, src.Messages.Table}
	for i := range ixs {
		if ixs[i].Name == "" {
			ixs = ixs[:i] // no campaign index: Messages.CampaignID is not mapped
			break
		}
		switch s.relkinds[tables[i]] {
		case "v":
			ixs[i].Skip = ixs[i].Table + " is a view, which cannot have indexes"
		case "f":
			ixs[i].Skip = ixs[i].Table + " is a foreign table, which cannot have indexes"
		case "p":
			ixs[i].Partitioned = true
		}
	}
	return ixs
}

// viaIndex is the recommended index of a table with the given TeamVia:
// teamIndex (name, table and columns) for TeamViaColumn, else one on
// (account, created_at) or (created_at), named for its key.
func viaIndex(via TeamVia, account, createdAt, name, table, columns string) Index {
	base := strings.TrimSuffix(name, "_team_created_idx")
	switch via {
	case TeamViaAccount:
		return Index{Name: base + "_account_created_idx", Table: table, Columns: quoteIdent(account) + ", " + quoteIdent(createdAt)}
	case TeamViaConversation:
		return Index{Name: base + "_created_idx", Table: table, Columns: quoteIdent(createdAt)}
	}
	return Index{Name: name, Table: table, Columns: columns}
}
