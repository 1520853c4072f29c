package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
)

// badZoneStore serves team "bad" with a stored time zone that does not
// load, as a host's teams table can hold.
type badZoneStore struct{ *memstore.Store }

func (s badZoneStore) Team(ctx context.Context, id string) (analytics.Team, error) {
	t, err := s.Store.Team(ctx, id)
	if t.ID == "bad" {
		t.TimeZone = "Mars/Olympus_Mons"
	}
	return t, err
}

// TestTeamZoneDataError: a team whose stored zone does not load is the
// server's fault. Its reads answer 500 data_error, never 400, and the log
// has the zone under the reference the body gives.
func TestTeamZoneDataError(t *testing.T) {
	t.Parallel()
	clock := analytics.NewFakeClock(testNow)
	mem := memstore.New(&memstore.Config{Clock: clock})
	if err := mem.AddTeams(analytics.Team{ID: "bad"}); err != nil {
		t.Fatal(err)
	}
	svc, err := analytics.New(badZoneStore{mem}, &analytics.Config{Clock: clock, WarmDashboards: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RealTime(context.Background(), analytics.TeamScope("bad")); !errors.Is(err, analytics.ErrCorrupt) {
		t.Fatalf("the Service's own read: %v, want ErrCorrupt", err)
	}
	logs := &syncBuffer{}
	srv := httptest.NewServer(NewAPI(svc, map[string]string{"tok": "bad"}, "", nil,
		slog.New(slog.NewTextHandler(logs, nil))))
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv}
	for _, route := range []string{"realtime", "dashboard"} {
		status, h, body := f.do(t, http.MethodGet, teamURL("bad", route, nil), "tok")
		if status != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500; body %s", route, status, body)
			continue
		}
		e := decodeError(t, h, body)
		if e.Code != "data_error" {
			t.Errorf("%s: error %+v, want code data_error", route, e)
		}
		if strings.Contains(string(body), "Mars") {
			t.Errorf("%s: the body %s leaks the stored zone", route, body)
		}
	}
	// The handler logs before it replies.
	if !strings.Contains(logs.String(), "Mars/Olympus_Mons") {
		t.Errorf("the log lacks the stored zone:\n%s", logs)
	}
}
