package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/internal/synth"
)

// TestContactsStatementNeedsTeamIndex: with no index led by the contacts
// table's team column, the store reads contacts set-wide, not once per
// team (which would scan the table for every team); once
// CreateRecommendedIndexes has made one, it reads them team by team. Both
// give store.ComputeMetrics's results.
func TestContactsStatementNeedsTeamIndex(t *testing.T) {
	t.Parallel()
	const contactsPK = "engagement_score  DOUBLE PRECISION NOT NULL DEFAULT 0,\n    PRIMARY KEY (team_id, id)"
	if !strings.Contains(synth.SchemaSQL, contactsPK) {
		t.Fatal("the reference schema's contacts table has changed; update this test")
	}
	ddl := strings.Replace(synth.SchemaSQL, contactsPK, "engagement_score  DOUBLE PRECISION NOT NULL DEFAULT 0,\n    PRIMARY KEY (id, team_id)", 1)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const days = 3
	teams, act := genDataset(41, from, days, false, analytics.DefaultReplyWindow)
	e := newEnv(t, teams, act, envOptions{schema: ddl})
	items, err := allItems(teams, from, days)
	if err != nil {
		t.Fatal(err)
	}
	req := analytics.AggregateRequest{Items: items}
	perTeam := func() bool {
		for _, q := range e.hook.sql {
			if strings.Contains(q, "AS t(team)\nCROSS JOIN LATERAL") {
				return true
			}
		}
		return false
	}
	e.hook.counting(func() { matchComputeMetrics(t, e.store, act, req) })
	if perTeam() {
		t.Error("without an index led by contacts.team_id, the contacts statement ran per team")
	}
	if err := e.store.CreateRecommendedIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.hook.counting(func() { matchComputeMetrics(t, e.store, act, req) })
	if !perTeam() {
		t.Error("with the recommended indexes, the contacts statement did not run per team")
	}
}
