package bench

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestHistory checks the history dataset (the counts its rates give, and
// every history conversation's contact a contact of its team created no
// later than it) and that the measurement finds the contacts statement's
// time, on 30 days of history.
func TestHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := options(t, historyTeams)
	o.defaults()
	schema := o.SchemaPrefix + "history"
	const days = 30
	if _, err := loadHistory(ctx, &o, schema, days); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	s := pgx.Identifier{schema}.Sanitize()
	var contacts, convs, orphans int64
	err = conn.QueryRow(ctx, `SELECT
	(SELECT count(*) FROM `+s+`.contacts WHERE id LIKE '%-hct-%'),
	(SELECT count(*) FROM `+s+`.conversations WHERE id LIKE '%-hcv-%'),
	(SELECT count(*) FROM `+s+`.conversations c WHERE c.id LIKE '%-hcv-%' AND NOT EXISTS (
		SELECT 1 FROM `+s+`.contacts k WHERE k.team_id = c.team_id AND k.id = c.contact_id AND k.created_at <= c.created_at))`).
		Scan(&contacts, &convs, &orphans)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(historyTeams * days * historyContactsPerDay); contacts != want {
		t.Errorf("%d history contacts, want %d", contacts, want)
	}
	if want := int64(historyTeams * days * historyConversationsPerDay); convs != want {
		t.Errorf("%d history conversations, want %d", convs, want)
	}
	if orphans != 0 {
		t.Errorf("%d history conversations have no contact of their team created by then", orphans)
	}

	r, err := measureHistory(ctx, &o, schema)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Sample{"team": r.team.stmt, "all": r.all.stmt, "covered": r.covered.stmt, "real time": r.realTime.stmt} {
		if s.Median() <= 0 {
			t.Errorf("%s: the contacts statement (%q) was not timed: %v", name, contactsStatement, s.Runs)
		}
	}
	if r.scopes != 4*historyTeams || r.teamScopes != historyTeams {
		t.Errorf("%d scopes, %d team scopes; want %d and %d", r.scopes, r.teamScopes, 4*historyTeams, historyTeams)
	}
	var rep Report
	reportHistory(&rep, []historyResult{r})
	if len(rep.Lines) != 4 {
		t.Errorf("%d lines, want 4", len(rep.Lines))
	}
}

// TestRefresh checks the refresh suite: a line per team size and for the
// largest team, each with a latency and the Postgres CPU per read when
// Postgres runs on this host.
func TestRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := options(t, 20)
	var rep Report
	if err := Refresh(ctx, o, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Lines) != len(refreshSizes)+1 {
		t.Fatalf("%d lines, want %d", len(rep.Lines), len(refreshSizes)+1)
	}
	for _, l := range rep.Lines {
		// The CPU per read, or why it is unknown (Postgres on another host).
		cpu := strings.Contains(l.Value, "Postgres backend CPU") ||
			strings.Contains(l.Value, "Postgres CPU per read unknown (") && !strings.Contains(l.Value, "unknown ()")
		if !strings.Contains(l.Value, "p50 ") || !strings.Contains(l.Ratio, "reads/s on one connection") || !cpu {
			t.Errorf("line %q: value %q, ratio %q", l.What, l.Value, l.Ratio)
		}
	}
}

// TestBackendCPU reads this process's own CPU time from /proc.
func TestBackendCPU(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	var x int
	for i := range 50_000_000 {
		x += i
	}
	d, err := backendCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 || x == 0 {
		t.Errorf("CPU time %v, want more than 0 after a busy loop", d)
	}
}
