package pgstore_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/pgstore"
)

// env is one test's database: its own schema with the reference source
// tables, optionally loaded, and a migrated Store on it.
type env struct {
	db    *bun.DB
	store *pgstore.Store
	hook  *countHook
}

type envOptions struct {
	params   map[string]string // run-time parameters, e.g. TimeZone
	schema   string            // source DDL; defaults to synth.SchemaSQL
	cfg      *pgstore.Config
	noMig    bool
	collated bool // text columns collated linguistically (see collatedSchema)
	// precision of the source timestamps; defaults to a millisecond.
	precision time.Duration
}

func newEnv(t *testing.T, teams []analytics.Team, a *store.Activity, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	db := testenv.DBWithParams(t, o.params)
	ddl := o.schema
	switch {
	case o.collated:
		ddl = collatedSchema(t, db)
	case ddl == "":
		ddl = synth.SchemaSQL
	}
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		t.Fatalf("creating the source schema: %v", err)
	}
	if o.precision == 0 {
		o.precision = time.Millisecond
	}
	if err := synth.InsertRowsPrecision(ctx, db, teams, a, o.precision); err != nil {
		t.Fatalf("loading rows: %v", err)
	}
	st, err := pgstore.New(ctx, db, o.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !o.noMig {
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	h := &countHook{}
	db.AddQueryHook(h)
	return &env{db: db, store: st, hook: h}
}

// countHook counts the statements a *bun.DB runs while it is on.
type countHook struct {
	on    atomic.Bool
	mu    sync.Mutex
	count int
	sql   []string
}

func (h *countHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if h.on.Load() {
		h.mu.Lock()
		h.count++
		h.sql = append(h.sql, e.Query)
		h.mu.Unlock()
	}
	return ctx
}

func (h *countHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// counting runs f and returns the number of statements it ran.
func (h *countHook) counting(f func()) int {
	h.mu.Lock()
	h.count, h.sql = 0, nil
	h.mu.Unlock()
	h.on.Store(true)
	f()
	h.on.Store(false)
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// collatedSchema is the reference schema with every text column collated
// by a linguistic collation, under which "B" sorts after "a": the store
// must still order IDs by bytes, as Go does.
func collatedSchema(t *testing.T, db *bun.DB) string {
	t.Helper()
	var coll string
	err := db.NewRaw(`SELECT collname FROM pg_collation WHERE collname IN ('en_US.utf8', 'en_US', 'en-US-x-icu', 'und-x-icu') ORDER BY collname LIMIT 1`).
		Scan(context.Background(), &coll)
	if err != nil {
		t.Fatalf("no linguistic collation in this Postgres: %v", err)
	}
	return strings.ReplaceAll(synth.SchemaSQL, " TEXT", ` TEXT COLLATE "`+coll+`"`)
}

// memOf returns a memstore holding teams and act, the reference the
// Postgres results are compared with.
func memOf(t *testing.T, teams []analytics.Team, act store.Activity) *memstore.Store {
	t.Helper()
	mem := memstore.New(nil)
	if err := mem.AddTeams(teams...); err != nil {
		t.Fatal(err)
	}
	if err := mem.Add(act); err != nil {
		t.Fatal(err)
	}
	return mem
}

// campaignConfig is the default configuration with the reference schema's
// messages.campaign_id mapped, as campaign funnels need.
func campaignConfig() *pgstore.Config {
	return &pgstore.Config{Source: pgstore.Source{Messages: pgstore.MessagesTable{CampaignID: "campaign_id"}}}
}
