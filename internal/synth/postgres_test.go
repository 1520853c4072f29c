package synth

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
)

// connect returns a connection to the test database and a fresh schema
// name that is dropped when the test ends.
func connect(t *testing.T) (*pgx.Conn, string) {
	t.Helper()
	url := testenv.Require(t, "TEST_DATABASE_URL")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	schema := testenv.UniqueName("synth_test_")
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	return conn, schema
}

// pgCfg is small enough to read back row by row.
var pgCfg = Config{Seed: 11, Teams: 8, Days: 4, MessagesPerDay: 2500, BatchSize: 1000}

// schemaObjects lists the constraints and indexes of a schema's tables,
// with the schema name taken out of their definitions.
func schemaObjects(t *testing.T, conn *pgx.Conn, schema string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		SELECT r.relname || ' constraint ' || c.conname || ' ' || replace(pg_get_constraintdef(c.oid), $1 || '.', '')
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE n.nspname = $1
		UNION ALL
		SELECT tablename || ' index ' || replace(indexdef, $1 || '.', '')
		FROM pg_indexes WHERE schemaname = $1
		ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, conn *pgx.Conn, table string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestLoadPostgres(t *testing.T) {
	t.Parallel()
	conn, schema := connect(t)
	ctx := context.Background()

	// A schema made by SchemaSQL alone, to compare keys and indexes with,
	// and a host index on messages that the load must keep.
	ref := schema + "_ref"
	t.Cleanup(func() { _, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ref+" CASCADE") })
	for _, s := range []string{
		"CREATE SCHEMA " + ref, "SET search_path TO " + ref, SchemaSQL,
		"CREATE INDEX messages_team_created ON messages (team_id, created_at)",
		"CREATE SCHEMA " + schema, "SET search_path TO " + schema, SchemaSQL,
		"CREATE INDEX messages_team_created ON messages (team_id, created_at)",
		"SET search_path TO public",
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}

	stats, err := LoadPostgres(ctx, conn, schema, pgCfg)
	if err != nil {
		t.Fatalf("LoadPostgres: %v", err)
	}
	var path string
	if err := conn.QueryRow(ctx, "SHOW search_path").Scan(&path); err != nil || path != "public" {
		t.Errorf("search_path after LoadPostgres = %q (%v), want the connection's own, public", path, err)
	}

	wantTeams, want := build(t, pgCfg)
	nAccounts := 0
	for _, tm := range wantTeams {
		nAccounts += len(tm.AccountIDs)
	}
	got := Stats{
		Teams: stats.Teams, Accounts: stats.Accounts, Contacts: stats.Contacts,
		Conversations: stats.Conversations, Messages: stats.Messages, Campaigns: stats.Campaigns,
	}
	wantStats := Stats{
		Teams: int64(len(wantTeams)), Accounts: int64(nAccounts), Contacts: int64(len(want.Contacts)),
		Conversations: int64(len(want.Conversations)), Messages: int64(len(want.Messages)), Campaigns: int64(len(want.Campaigns)),
	}
	if diff := gocmp.Diff(wantStats, got); diff != "" {
		t.Errorf("Stats counts (-generated +reported):\n%s", diff)
	}
	if stats.Total <= 0 || stats.Copy <= 0 || stats.Copy > stats.Total {
		t.Errorf("Stats durations %+v: want 0 < Copy <= Total", stats)
	}

	if diff := gocmp.Diff(schemaObjects(t, conn, ref), schemaObjects(t, conn, schema)); diff != "" {
		t.Errorf("keys and indexes after the load differ from the schema's (-before +after):\n%s", diff)
	}

	gotTeams, gotA := readBack(t, conn, schema)
	if diff := gocmp.Diff(wantTeams, gotTeams); diff != "" {
		t.Errorf("teams (-generated +Postgres):\n%s", diff)
	}
	sortActivity(&want)
	if diff := gocmp.Diff(want, gotA); diff != "" {
		t.Errorf("activity (-generated +Postgres):\n%s", diff)
	}

	// A second load of the same IDs fails on the keys and changes nothing.
	if _, err := LoadPostgres(ctx, conn, schema, pgCfg); err == nil {
		t.Errorf("a second LoadPostgres of the same dataset succeeded; want a key violation")
	}
	if n := count(t, conn, schema+".messages"); n != int64(len(want.Messages)) {
		t.Errorf("after the failed second load %d messages, want %d", n, len(want.Messages))
	}
	if diff := gocmp.Diff(schemaObjects(t, conn, ref), schemaObjects(t, conn, schema)); diff != "" {
		t.Errorf("keys and indexes after a failed load differ (-before +after):\n%s", diff)
	}
}

func TestLoadPostgresFailsWhole(t *testing.T) {
	t.Parallel()
	conn, schema := connect(t)
	ctx := context.Background()

	// The server rejects a row in the middle of the message stream.
	for _, s := range []string{
		"CREATE SCHEMA " + schema, "SET search_path TO " + schema, SchemaSQL,
		"ALTER TABLE messages ADD CONSTRAINT not_this_one CHECK (id <> 'team-0005-m-100')",
		"SET search_path TO public",
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	before := schemaObjects(t, conn, schema)
	if _, err := LoadPostgres(ctx, conn, schema, pgCfg); err == nil {
		t.Fatal("LoadPostgres succeeded with a row the server rejects")
	}
	for _, table := range []string{"teams", "whatsapp_accounts", "messages", "conversations", "contacts", "campaigns"} {
		if n := count(t, conn, schema+"."+table); n != 0 {
			t.Errorf("%d rows left in %s after a failed load, want 0", n, table)
		}
	}
	if diff := gocmp.Diff(before, schemaObjects(t, conn, schema)); diff != "" {
		t.Errorf("keys and indexes after a failed load differ (-before +after):\n%s", diff)
	}

	// The context is cancelled while the messages stream.
	if _, err := conn.Exec(ctx, "ALTER TABLE "+schema+".messages DROP CONSTRAINT not_this_one"); err != nil {
		t.Fatal(err)
	}
	cctx := &cancelAfter{Context: ctx}
	cctx.left.Store(5) // pgSink asks once per batch of messages, of which there are 10
	if _, err := LoadPostgres(cctx, conn, schema, pgCfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("LoadPostgres with a context cancelled midway = %v, want context.Canceled", err)
	}
	if n := count(t, conn, schema+".teams"); n != 0 {
		t.Errorf("%d teams left after a cancelled load, want 0", n)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("connection unusable after a cancelled load: %v", err)
	}
}

// cancelAfter is a context whose Err reports context.Canceled once it has
// been asked left times, so that a load is cancelled partway without a
// timer.
type cancelAfter struct {
	context.Context
	left atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestLoadPostgresInvalid(t *testing.T) {
	t.Parallel()
	conn, schema := connect(t)
	for name, call := range map[string]func() error{
		"empty schema": func() error { _, err := LoadPostgres(context.Background(), conn, "", pgCfg); return err },
		"bad config":   func() error { _, err := LoadPostgres(context.Background(), conn, schema, Config{Days: -1}); return err },
		"nil conn":     func() error { _, err := LoadPostgres(context.Background(), nil, schema, pgCfg); return err },
	} {
		if err := call(); !errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("%s: LoadPostgres = %v, want ErrInvalidArgument", name, err)
		}
	}
}

// readBack reads the loaded tables into the generator's types, sorted by ID.
func readBack(t *testing.T, conn *pgx.Conn, schema string) ([]analytics.Team, store.Activity) {
	t.Helper()
	ctx := context.Background()
	query := func(sql string) pgx.Rows {
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return rows
	}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s := schema + "."

	teams, err := pgx.CollectRows(query(`SELECT t.id, t.timezone, array_agg(a.id ORDER BY a.id)
		FROM `+s+`teams t JOIN `+s+`whatsapp_accounts a ON a.team_id = t.id GROUP BY t.id ORDER BY t.id`),
		func(r pgx.CollectableRow) (analytics.Team, error) {
			var tm analytics.Team
			err := r.Scan(&tm.ID, &tm.TimeZone, &tm.AccountIDs)
			return tm, err
		})
	check(err)

	var a store.Activity
	a.Messages, err = pgx.CollectRows(query(`SELECT id, team_id, coalesce(account_id, ''), coalesce(conversation_id, ''),
		status, sender_type, created_at, coalesce(campaign_id, '') FROM `+s+`messages ORDER BY id`),
		func(r pgx.CollectableRow) (store.Message, error) {
			var m store.Message
			var sender string
			err := r.Scan(&m.ID, &m.TeamID, &m.AccountID, &m.ConversationID, &m.Status, &sender, &m.CreatedAt, &m.CampaignID)
			m.Inbound = sender == InboundSenderType
			if err == nil && sender != SenderType(m) {
				t.Errorf("message %s has sender_type %q, want %q", m.ID, sender, SenderType(m))
			}
			return m, err
		})
	check(err)
	a.Conversations, err = pgx.CollectRows(query(`SELECT id, team_id, coalesce(account_id, ''), coalesce(contact_id, ''),
		status, created_at FROM `+s+`conversations ORDER BY id`),
		func(r pgx.CollectableRow) (store.Conversation, error) {
			var c store.Conversation
			err := r.Scan(&c.ID, &c.TeamID, &c.AccountID, &c.ContactID, &c.Status, &c.CreatedAt)
			return c, err
		})
	check(err)
	a.Contacts, err = pgx.CollectRows(query(`SELECT id, team_id, created_at, is_blocked, last_contacted_at,
		engagement_score FROM `+s+`contacts ORDER BY id`),
		func(r pgx.CollectableRow) (store.Contact, error) {
			var c store.Contact
			var last *time.Time
			err := r.Scan(&c.ID, &c.TeamID, &c.CreatedAt, &c.Blocked, &last, &c.EngagementScore)
			if last != nil {
				c.LastContactedAt = *last
			}
			return c, err
		})
	check(err)
	a.Campaigns, err = pgx.CollectRows(query(`SELECT id, team_id, coalesce(account_id, ''), status, total_recipients,
		messages_sent, messages_delivered, messages_read, created_at FROM `+s+`campaigns ORDER BY id`),
		func(r pgx.CollectableRow) (store.Campaign, error) {
			var c store.Campaign
			err := r.Scan(&c.ID, &c.TeamID, &c.AccountID, &c.Status, &c.TotalRecipients,
				&c.MessagesSent, &c.MessagesDelivered, &c.MessagesRead, &c.CreatedAt)
			return c, err
		})
	check(err)
	return teams, a
}

// sortActivity sorts every kind by ID, the order readBack returns (the
// database's C collation orders like Go strings).
func sortActivity(a *store.Activity) {
	slices.SortFunc(a.Messages, func(x, y store.Message) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(a.Conversations, func(x, y store.Conversation) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(a.Contacts, func(x, y store.Contact) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(a.Campaigns, func(x, y store.Campaign) int { return cmp.Compare(x.ID, y.ID) })
}
