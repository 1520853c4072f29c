package pgstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

var _ analytics.Store = (*Store)(nil)

// Store is the production analytics.Store on Postgres 15 or later. It reads
// the host's activity tables (never writing them) and owns the snapshot,
// job-run and migration tables. It is safe for concurrent use; it holds no
// connection of its own beyond the *bun.DB it was given.
type Store struct {
	db  *bun.DB
	cfg Config
	q   queries
	// types are the types of the mapped ID columns; relkinds the kinds of
	// the source tables (see sourceInfo).
	types    colTypes
	relkinds map[string]string
	// rep routes reads to Config.Replica; nil without one.
	rep *replica
	// teamIndexed records whether the contacts and conversations tables
	// both have an index led by their team column (contactsStatement).
	teamIndexed atomic.Bool
}

// New returns a Store on db, which must use Bun's pgdialect (with any driver:
// pgx's stdlib or Bun's pgdriver), configured by cfg.WithDefaults() (nil
// for every default).
//
// New checks the configuration and then the source mapping against the
// database: every mapped table must exist (through the search_path, or in
// Source.Schema) and have every mapped column, with a suitable type, and
// every configured value of a column that is an enum must be one of its
// labels. For such columns that are text, it also checks the configured
// values against the planner's statistics when the table has been
// analyzed (see "Checking the mapping" in the package documentation;
// without statistics it skips this, and Store.CheckSource is the exact
// check). Mismatches, and the configuration's own problems, give a
// *SourceError listing every one at once, each naming the Config field,
// the table and the column (and the labels or values a value could have
// been), with the near match or the setting that fits when there is one;
// it wraps analytics.ErrInvalidArgument. The store's own tables need
// not exist yet: run Migrate (or MigrationSQL through the host's tool).
//
// With Config.Replica, New also checks the replica: that it can be reached
// (an error naming Config.Replica if not), and that it is a physical
// standby of db's cluster, connected to db's database, that sees the
// source tables and, once Migrate has made it, the snapshot table, and
// that resolves each of their names to the table db resolves it to (the
// same OID: a standby whose search_path finds a same-named table of
// another schema first is refused); its
// problems are in a *SourceError naming Config.Replica.
func New(ctx context.Context, db *bun.DB, cfg *Config) (*Store, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if db == nil {
		return nil, store.InvalidArgument("db", "must not be nil")
	}
	if db.Dialect().Name() != dialect.PG {
		return nil, store.InvalidArgument("db", "must use the Postgres dialect (pgdialect), got %s", db.Dialect().Name())
	}
	c := cfg.WithDefaults()
	problems := c.problems() // validate's, with the names it reports replaced, to check the rest against the database
	if c.Source.Schema == invalidName {
		return nil, &SourceError{Problems: problems} // no table can be found
	}
	kinds, info, tableProblems, err := checkSource(ctx, db, &c.Source)
	if err != nil {
		return nil, err
	}
	explicitIgnored := cfg != nil && len(cfg.Source.Messages.IgnoredStatuses) > 0
	valueProblems, err := checkValues(ctx, db, &c.Source, explicitIgnored)
	if err != nil {
		return nil, err
	}
	statsProblems, err := checkStats(ctx, db, &c.Source, explicitIgnored)
	if err != nil {
		return nil, err
	}
	if problems = slices.Concat(problems, tableProblems, valueProblems, statsProblems); len(problems) > 0 {
		return nil, &SourceError{Problems: problems}
	}
	s := &Store{db: db, cfg: *c, types: info.types, relkinds: info.relkinds}
	if c.Replica != nil {
		if err := checkReplica(ctx, db, c); err != nil {
			return nil, err
		}
		s.rep = newReplica(db, c.Replica, c)
	}
	s.q = buildQueries(c, kinds, info.types)
	if err := s.checkTeamIndexes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the store's configuration with every default filled in.
func (s *Store) Config() Config { return s.cfg }

// DB returns the *bun.DB the store writes on: the primary.
func (s *Store) DB() *bun.DB { return s.db }

// colKind is what a mapped column must be.
type colKind int

const (
	kindAny colKind = iota
	kindID
	kindTime
	kindBool
	kindNumber
	kindJSON // json, jsonb or text
)

type colCheck struct {
	field, name string
	kind        colKind
}

type tableCheck struct {
	field, name string
	cols        []colCheck
}

// tsKinds records, per timestamp column ("table.column"), whether it is
// timestamp with time zone.
type tsKinds map[string]bool

func sourceChecks(s *Source) []tableCheck {
	p := "Config.Source."
	return []tableCheck{
		{p + "Teams.Table", s.Teams.Table, []colCheck{
			{p + "Teams.ID", s.Teams.ID, kindID},
			{p + "Teams.TimeZone", s.Teams.TimeZone, kindAny},
			{p + "Teams.WorkingHours", orNoColumn(s.Teams.WorkingHours), kindJSON},
		}},
		{p + "Accounts.Table", s.Accounts.Table, []colCheck{
			{p + "Accounts.ID", s.Accounts.ID, kindID},
			{p + "Accounts.TeamID", s.Accounts.TeamID, kindID},
		}},
		{p + "Messages.Table", s.Messages.Table, []colCheck{
			{p + "Messages.ID", s.Messages.ID, kindID},
			{p + "Messages.TeamID", s.Messages.TeamID, kindID},
			{p + "Messages.AccountID", s.Messages.AccountID, kindID},
			{p + "Messages.ConversationID", s.Messages.ConversationID, kindID},
			{p + "Messages.Status", s.Messages.Status, kindAny},
			{p + "Messages.SenderType", s.Messages.SenderType, kindAny},
			{p + "Messages.CreatedAt", s.Messages.CreatedAt, kindTime},
		}},
		{p + "Conversations.Table", s.Conversations.Table, []colCheck{
			{p + "Conversations.ID", s.Conversations.ID, kindID},
			{p + "Conversations.TeamID", s.Conversations.TeamID, kindID},
			{p + "Conversations.AccountID", s.Conversations.AccountID, kindID},
			{p + "Conversations.ContactID", s.Conversations.ContactID, kindID},
			{p + "Conversations.Status", s.Conversations.Status, kindAny},
			{p + "Conversations.CreatedAt", s.Conversations.CreatedAt, kindTime},
		}},
		{p + "Contacts.Table", s.Contacts.Table, []colCheck{
			{p + "Contacts.ID", s.Contacts.ID, kindID},
			{p + "Contacts.TeamID", s.Contacts.TeamID, kindID},
			{p + "Contacts.CreatedAt", s.Contacts.CreatedAt, kindTime},
			{p + "Contacts.Blocked", s.Contacts.Blocked, blockedKind(&s.Contacts)},
			{p + "Contacts.EngagementScore", s.Contacts.EngagementScore, kindNumber},
		}},
		{p + "Campaigns.Table", s.Campaigns.Table, []colCheck{
			{p + "Campaigns.TeamID", s.Campaigns.TeamID, kindID},
			{p + "Campaigns.AccountID", s.Campaigns.AccountID, kindID},
			{p + "Campaigns.Status", s.Campaigns.Status, kindAny},
			{p + "Campaigns.TotalRecipients", s.Campaigns.TotalRecipients, kindNumber},
			{p + "Campaigns.MessagesSent", s.Campaigns.MessagesSent, kindNumber},
			{p + "Campaigns.MessagesDelivered", s.Campaigns.MessagesDelivered, kindNumber},
			{p + "Campaigns.MessagesRead", s.Campaigns.MessagesRead, kindNumber},
			{p + "Campaigns.CreatedAt", s.Campaigns.CreatedAt, kindTime},
		}},
	}
}

// checkSource resolves every source table the way queries will (to_regclass
// follows the search_path) and checks its columns in information_schema.
// It returns every mismatch it finds; the error is for a failed query.
func checkSource(ctx context.Context, db *bun.DB, src *Source) (tsKinds, sourceInfo, []error, error) {
	checks := append(sourceChecks(src), shapeChecks(src)...)
	info := sourceInfo{types: colTypes{}, relkinds: map[string]string{}}
	found, err := readSourceTables(ctx, db, src.Schema, checks, info.relkinds)
	if err != nil {
		return nil, info, nil, err
	}
	kinds := tsKinds{}
	var problems []error
	for i, t := range checks {
		ft := found[i]
		if t.name == invalidName {
			continue // reported by problems
		}
		if !ft.found {
			where := "in the search_path"
			if src.Schema != "" {
				where = "in schema " + quoteIdent(src.Schema)
			}
			hint, err := suggestTable(ctx, db, src.Schema, t.name)
			if err != nil {
				return nil, info, nil, err
			}
			problems = append(problems, store.InvalidArgument(t.field, "table %s does not exist %s%s", quoteIdent(t.name), where, hint))
			continue
		}
		problems = append(problems, checkColumns(src, t, ft, info, kinds)...)
	}
	return kinds, info, problems, nil
}

// foundTable is a source table as the catalog has it.
type foundTable struct {
	found bool
	where string             // schema.name, as found
	cols  map[string]string  // data type by column name
	udts  map[string]udtInfo // type and enum labels by column name
}

// readSourceTables reads from the catalog, in one statement, the table of
// each of checks (a name in schema, or in the search_path for schema "")
// and its columns, in the order of checks. It records the relkind of each
// table found in relkinds, by name.
func readSourceTables(ctx context.Context, db *bun.DB, schema string, checks []tableCheck, relkinds map[string]string) ([]foundTable, error) {
	names := make([]string, len(checks))
	for i, t := range checks {
		names[i] = qualify(schema, t.name)
	}
	rows, err := db.QueryContext(ctx, `
SELECT t.ord::int, n.nspname::text, c.relname::text, col.column_name::text, col.data_type::text, c.relkind::text,
	CASE WHEN col.udt_name IS NOT NULL THEN format('%I.%I', col.udt_schema, col.udt_name) END,
	(SELECT string_agg(e.enumlabel::text, ', ' ORDER BY e.enumsortorder)
		FROM pg_catalog.pg_type ty
		JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace AND tn.nspname = col.udt_schema
		JOIN pg_catalog.pg_enum e ON e.enumtypid = ty.oid
		WHERE ty.typname = col.udt_name)
FROM unnest(?::text[]) WITH ORDINALITY AS t(name, ord)
LEFT JOIN pg_catalog.pg_class c ON c.oid = to_regclass(t.name)
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN information_schema.columns col ON col.table_schema = n.nspname AND col.table_name = c.relname`,
		pgdialect.Array(names))
	if err != nil {
		return nil, fmt.Errorf("pgstore: checking the source tables: %w", err)
	}
	defer rows.Close()
	found := make([]foundTable, len(checks))
	for rows.Next() {
		var ord int
		var nsp, rel, col, typ, relkind, udt, labels sql.NullString
		if err := rows.Scan(&ord, &nsp, &rel, &col, &typ, &relkind, &udt, &labels); err != nil {
			return nil, fmt.Errorf("pgstore: checking the source tables: %w", err)
		}
		ft := &found[ord-1]
		if rel.Valid {
			ft.found = true
			ft.where = nsp.String + "." + rel.String
			relkinds[checks[ord-1].name] = relkind.String
		}
		if col.Valid {
			if ft.cols == nil {
				ft.cols, ft.udts = map[string]string{}, map[string]udtInfo{}
			}
			ft.cols[col.String] = typ.String
			ft.udts[col.String] = udtInfo{udt.String, labels.String}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: checking the source tables: %w", err)
	}
	return found, nil
}

// checkColumns checks the columns of t against the table ft found for it
// and returns every mismatch. For the columns that pass, it records the
// ID columns' types in info.types and, in kinds, whether each time column
// is a timestamp with time zone; both by "table.column".
func checkColumns(src *Source, t tableCheck, ft foundTable, info sourceInfo, kinds tsKinds) []error {
	var problems []error
	for _, c := range t.cols {
		if c.name == noColumn || c.name == invalidName {
			continue
		}
		typ, ok := ft.cols[c.name]
		if !ok {
			hint := suggest(c.name, mapKeys(ft.cols), false)
			if hint == "" {
				hint = shapeHint(src, c.field, ft.cols)
			}
			problems = append(problems, store.InvalidArgument(c.field, "table %s has no column %s (or it is not readable)%s",
				ft.where, quoteIdent(c.name), hint))
			continue
		}
		if err := checkType(c, ft.where, typ, ft.udts[c.name]); err != nil {
			problems = append(problems, err)
			continue
		}
		if c.kind == kindID {
			info.types[t.name+"."+c.name], _ = idTypeOf(typ)
		}
		if c.kind == kindTime {
			kinds[t.name+"."+c.name] = typ == "timestamp with time zone"
		}
	}
	return problems
}

// sourceInfo is what checkSource learns of the source tables beyond
// checking them: the types of the ID columns, and the kind of each table
// by name (pg_class.relkind: "r" table, "p" partitioned table, "v" view,
// "m" materialized view, "f" foreign table).
type sourceInfo struct {
	types    colTypes
	relkinds map[string]string
}

// udtInfo is the type of a column as information_schema names it
// (udt_schema.udt_name, quoted), and its labels when it is an enum.
type udtInfo struct {
	name, labels string
}

func checkType(c colCheck, table, typ string, udt udtInfo) error {
	var ok bool
	var want string
	switch c.kind {
	case kindAny:
		return nil
	case kindID:
		_, ok = idTypeOf(typ)
		want = "text, varchar, char, uuid, bigint, integer or smallint"
	case kindTime:
		ok, want = typ == "timestamp without time zone" || typ == "timestamp with time zone", "a timestamp"
	case kindBool:
		ok, want = typ == "boolean", "boolean"
	case kindJSON:
		switch typ {
		case "json", "jsonb", "text", "character varying":
			ok = true
		}
		want = "json, jsonb or text"
	case kindNumber:
		switch typ {
		case "smallint", "integer", "bigint", "numeric", "real", "double precision":
			ok = true
		}
		want = "numeric"
	}
	if ok {
		return nil
	}
	if typ == "USER-DEFINED" || typ == "ARRAY" {
		typ = fmt.Sprintf("%s (type %s", typ, udt.name)
		if udt.labels != "" {
			typ += ", an enum whose labels are " + udt.labels
		}
		typ += ")"
	}
	hint := ""
	if c.field == "Config.Source.Contacts.Blocked" {
		hint = "; for a column whose values say whether a contact is blocked, set Config.Source.Contacts.BlockedValues to those values (compared as text)"
	}
	return store.InvalidArgument(c.field, "column %s of %s is %s; it must be %s%s", quoteIdent(c.name), table, typ, want, hint)
}

// Teams implements analytics.TeamReader: up to limit teams whose ID sorts
// after the given one in byte order (COLLATE "C", as Go compares strings),
// each with its account IDs sorted the same way.
func (s *Store) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, store.InvalidArgument("limit", "must be positive, got %d", limit)
	}
	if after != "" {
		if err := analytics.ValidateID("after", after); err != nil {
			return nil, err
		}
	}
	db := s.reader(ctx)
	rows, err := db.QueryContext(ctx, s.q.teams, after, limit)
	if err != nil {
		return nil, s.wrap(ctx, s.on(db, "listing teams"), err)
	}
	return scanTeams(ctx, s, rows, s.on(db, "reading teams"))
}

// Team implements analytics.TeamReader. With Config.Replica, a team the
// replica does not have is read again on the primary, so that a team the
// host has just inserted is found. An unknown ID gives an error
// wrapping analytics.ErrNotFound; an ID that cannot be a value of
// Source.Teams.ID's type (a uuid or integer column; see Source) gives one
// wrapping analytics.ErrInvalidArgument. Such errors name the field
// "Scope.TeamID", as the Service passes Team the team of the scope its
// caller gave.
func (s *Store) Team(ctx context.Context, id string) (analytics.Team, error) {
	if err := checkCtx(ctx); err != nil {
		return analytics.Team{}, err
	}
	if err := analytics.ValidateID("Scope.TeamID", id); err != nil {
		return analytics.Team{}, err
	}
	if err := s.checkID("Scope.TeamID", s.cfg.Source.Teams.Table, s.cfg.Source.Teams.ID, id); err != nil {
		return analytics.Team{}, err
	}
	db := s.reader(ctx)
	teams, err := s.readTeam(ctx, db, id)
	if err == nil && len(teams) == 0 && db != s.db {
		// A team the host has just inserted may not be on the replica
		// yet: ask the primary before saying it does not exist.
		teams, err = s.readTeam(ctx, s.db, id)
	}
	if err != nil {
		return analytics.Team{}, err
	}
	if len(teams) == 0 {
		return analytics.Team{}, fmt.Errorf("%w: team %q", analytics.ErrNotFound, id)
	}
	return teams[0], nil
}

// readTeam reads the team id on db: none, or one.
func (s *Store) readTeam(ctx context.Context, db *bun.DB, id string) ([]analytics.Team, error) {
	what := s.on(db, "reading team")
	rows, err := db.QueryContext(ctx, s.q.team, id)
	if err != nil {
		return nil, s.wrap(ctx, what, err)
	}
	return scanTeams(ctx, s, rows, what)
}

// scanTeams scans teams from rows; its errors say what.
func scanTeams(ctx context.Context, s *Store, rows *sql.Rows, what string) ([]analytics.Team, error) {
	defer rows.Close()
	var out []analytics.Team
	for rows.Next() {
		var t analytics.Team
		var accounts string
		var hours sql.NullString
		if err := rows.Scan(&t.ID, &t.TimeZone, &accounts, &hours); err != nil {
			return nil, s.wrap(ctx, what, err)
		}
		t.TimeZone = teamZone(s.cfg.Source.Teams, t.TimeZone)
		if err := json.Unmarshal([]byte(accounts), &t.AccountIDs); err != nil {
			return nil, fmt.Errorf("pgstore: accounts of team %q: %w", t.ID, err)
		}
		if len(t.AccountIDs) == 0 {
			t.AccountIDs = nil
		}
		t.Hours, t.HoursErr = parseTeamHours(t.ID, hours.String)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, what, err)
	}
	rows.Close()
	if err := s.callHours(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// on returns what, a read's description for its errors, naming
// Config.Replica when the read runs on it (db is the replica, or a
// transaction on it).
func (s *Store) on(db bun.IDB, what string) string {
	if t, ok := db.(aggTx); ok {
		db = t.IDB
	}
	if _, ok := db.(replicaTx); ok || (s.rep != nil && db == bun.IDB(s.rep.db)) {
		return what + " on Config.Replica"
	}
	return what
}

// wrap prefixes err and, when ctx has ended, makes sure the result also
// wraps ctx's error, whatever the driver returned.
func (s *Store) wrap(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("pgstore: %s: %w (%v)", what, cerr, err)
	}
	return fmt.Errorf("pgstore: %s: %w", what, err)
}

// sqlState returns the SQLSTATE of a Postgres error from pgx or Bun's
// pgdriver, or "".
func sqlState(err error) string {
	var pgx interface{ SQLState() string }
	if errors.As(err, &pgx) {
		return pgx.SQLState()
	}
	var pgdrv interface{ Field(byte) string }
	if errors.As(err, &pgdrv) {
		return pgdrv.Field('C')
	}
	return ""
}
