package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/gocache"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

// TestMain fails the run if a goroutine outlives the tests: servers,
// caches and the program must all stop theirs.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The fixture's world: activity from 2026-02-01 to 2026-03-19 (UTC days),
// and the time is Wednesday 2026-03-18 15:00 UTC. Daily snapshots exist up
// to 03-16 (yesterday, 03-17, is left for the daily job); weekly and
// monthly ones for every complete period from February on.
var (
	testNow   = time.Date(2026, 3, 18, 15, 0, 0, 0, time.UTC)
	dataStart = analytics.NewDate(2026, 2, 1)
	yesterday = analytics.NewDate(2026, 3, 17)
)

// Team IDs: two generated teams, and two whose IDs need escaping in a path.
const (
	teamA   = "team-0001" // UTC
	teamB   = "team-0002" // America/New_York
	oddID   = "acme/eu 50% ü🙂"
	dotsID  = ".."
	tokA    = "token-a"
	tokB    = "token-b"
	tokOdd  = "token-odd"
	tokDots = "token-dots"
	tokAdm  = "token-admin"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers (the logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	srv   *httptest.Server
	svc   *analytics.Service
	cache *gocache.Cache
	logs  *syncBuffer
	jobs  map[string]func(context.Context) error
	// blockStarted is closed when the "blocks" job has started; closing
	// blockRelease lets it finish.
	blockStarted, blockRelease chan struct{}
}

// testRateLimit is the fixtures' rate limit unless a test sets its own: far
// above what the tests send, so only the rate-limit tests meet it.
var testRateLimit = WithRateLimit(RateLimit{PerSecond: 1000, Burst: 1000})

// newFixture builds a Service on memstore with a fake clock and a memory
// cache, and an httptest.Server with NewAPI on it. Its jobs are the three
// snapshot jobs plus "fails" (an error carrying secret text), "panics" and
// "blocks" (waits for blockRelease). opts are NewAPI's, after WithTeams and testRateLimit.
func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := analytics.NewFakeClock(testNow)
	store := memstore.New(&memstore.Config{Clock: clock})
	days := int(analytics.NewDate(2026, 3, 20).In(time.UTC).Sub(dataStart.In(time.UTC)) / (24 * time.Hour))
	teams := append(sample.Teams(2, 2), sample.Team(oddID, "UTC", 2), sample.Team(dotsID, "UTC", 2))
	teams[0].Hours = &analytics.WorkingHours{} // team A: every day 08:00–20:00
	for wd := range teams[0].Hours.Days {
		teams[0].Hours.Days[wd] = []analytics.ClockRange{{Start: 8 * 60, End: 20 * 60}}
	}
	if err := load(store, teams, dataStart, days, 200); err != nil {
		t.Fatal(err)
	}
	cache, err := gocache.New(&gocache.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cache.Close() })
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := analytics.New(store, &analytics.Config{Clock: clock, Cache: cache, WarmDashboards: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range analytics.SnapshotTypes() {
		rep, err := svc.Snapshotter().Run(ctx, typ, func(_ analytics.Team, loc *time.Location) ([]analytics.Period, error) {
			var ps []analytics.Period
			p, err := analytics.PeriodOf(typ, dataStart.In(loc), loc)
			for ; err == nil && !(typ == analytics.Daily && !p.Date.Before(yesterday)); p = p.Next() {
				if !p.Ended(testNow) {
					break
				}
				ps = append(ps, p)
			}
			return ps, err
		})
		if err != nil || rep.Err() != nil || rep.Succeeded == 0 {
			t.Fatalf("generating %s snapshots: %v, %v, %+v", typ, err, rep.Err(), rep)
		}
	}

	f := &fixture{svc: svc, cache: cache, logs: logs, blockStarted: make(chan struct{}), blockRelease: make(chan struct{})}
	f.jobs = snapshotJobs(svc, clock, logger)
	f.jobs["fails"] = func(context.Context) error {
		return errors.New("pq: password authentication failed for user \"secret-user\"")
	}
	f.jobs["panics"] = func(context.Context) error { panic("secret panic value") }
	var once sync.Once
	f.jobs["blocks"] = func(ctx context.Context) error {
		once.Do(func() { close(f.blockStarted) })
		select {
		case <-f.blockRelease:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tokens := map[string]string{tokA: teamA, tokB: teamB, tokOdd: oddID, tokDots: dotsID, "": teamA}
	f.srv = httptest.NewServer(NewAPI(svc, tokens, tokAdm, f.jobs, logger, append([]Option{WithTeams(store), testRateLimit}, opts...)...))
	t.Cleanup(f.srv.Close)
	return f
}

// teamURL returns the path of a team route, the team escaped as one
// segment.
func teamURL(team, route string, q url.Values) string {
	p := "/v1/teams/" + pathEscape(team) + "/analytics/" + route
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// do sends a request with the token (none if empty) and returns the status
// and body.
func (f *fixture) do(t *testing.T, method, path, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// get expects a 200 JSON response.
func (f *fixture) get(t *testing.T, path, token string) []byte {
	t.Helper()
	status, h, b := f.do(t, http.MethodGet, path, token)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", path, status, b)
	}
	if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return b
}

// jsonDiff compares a JSON body with the JSON encoding of want, as
// decoded values (so key order and spacing do not matter).
func jsonDiff(t *testing.T, got []byte, want any) string {
	t.Helper()
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(wb, &w); err != nil {
		t.Fatal(err)
	}
	return cmp.Diff(w, g)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func snapsJSON(snaps []analytics.Snapshot) []snapshotJSON {
	out := make([]snapshotJSON, len(snaps))
	for i, s := range snaps {
		out[i] = snapshotJSON{ID: s.ID, TeamID: s.Scope.TeamID, AccountID: s.Scope.AccountID, Type: s.Type, Date: s.Date,
			Metrics: s.Metrics, CreatedAt: s.CreatedAt}
	}
	return out
}

// TestHappyPaths checks each read route's JSON against the Service's own
// result for the same arguments.
func TestHappyPaths(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	metrics := must[analytics.Metrics](t)
	dashboard := must[analytics.Dashboard](t)
	heatmap := must[analytics.TrafficReport](t)
	snapshots := must[[]analytics.Snapshot](t)
	d := analytics.NewDate
	accA := teamA + "-acc-1"
	tests := []struct {
		name, path, token string
		want              func() any
		more              bool // a nextCursor is expected (its value is opaque)
	}{
		{"real time, team-wide", teamURL(teamA, "realtime", nil), tokA, func() any {
			return realTimeResponse{TeamID: teamA, Metrics: metrics(f.svc.RealTime(ctx, analytics.TeamScope(teamA)))}
		}, false},
		{"real time, empty account is team-wide", teamURL(teamA, "realtime", url.Values{"account": {""}}), tokA, func() any {
			return realTimeResponse{TeamID: teamA, Metrics: metrics(f.svc.RealTime(ctx, analytics.TeamScope(teamA)))}
		}, false},
		{"real time, account", teamURL(teamA, "realtime", url.Values{"account": {accA}}), tokA, func() any {
			return realTimeResponse{TeamID: teamA, AccountID: accA, Metrics: metrics(f.svc.RealTime(ctx, analytics.AccountScope(teamA, accA)))}
		}, false},
		{"real time, admin", teamURL(teamB, "realtime", nil), tokAdm, func() any {
			return realTimeResponse{TeamID: teamB, Metrics: metrics(f.svc.RealTime(ctx, analytics.TeamScope(teamB)))}
		}, false},
		{"dashboard, 30 days by default", teamURL(teamB, "dashboard", nil), tokB, func() any {
			return dashboard(f.svc.Dashboard(ctx, teamB, 30))
		}, false},
		{"dashboard, 7 days", teamURL(teamA, "dashboard", url.Values{"days": {"7"}}), tokA, func() any {
			return dashboard(f.svc.Dashboard(ctx, teamA, 7))
		}, false},
		{"dashboard, 366 days", teamURL(teamA, "dashboard", url.Values{"days": {"366"}}), tokAdm, func() any {
			return dashboard(f.svc.Dashboard(ctx, teamA, 366))
		}, false},
		{"heatmap, 30 days by default", teamURL(teamA, "heatmap", nil), tokA, func() any {
			return heatmap(f.svc.Heatmap(ctx, analytics.TeamScope(teamA), 30))
		}, false},
		{"heatmap, account, 7 days", teamURL(teamB, "heatmap", url.Values{"days": {"7"}, "account": {teamB + "-acc-2"}}), tokB, func() any {
			return heatmap(f.svc.Heatmap(ctx, analytics.AccountScope(teamB, teamB+"-acc-2"), 7))
		}, false},
		{"heatmap, 366 days", teamURL(teamB, "heatmap", url.Values{"days": {"366"}}), tokAdm, func() any {
			return heatmap(f.svc.Heatmap(ctx, analytics.TeamScope(teamB), 366))
		}, false},
		{"snapshots, first page of 5 days", teamURL(teamA, "snapshots", url.Values{"type": {"Daily"}, "from": {"2026-03-01"}, "to": {"2026-03-31"}, "limit": {"5"}}), tokA, func() any {
			return snapshotsResponse{TeamID: teamA, Type: analytics.Daily, From: d(2026, 3, 1), To: d(2026, 3, 5),
				Snapshots: snapsJSON(snapshots(f.svc.Snapshots(ctx, analytics.TeamScope(teamA), analytics.Daily, d(2026, 3, 1), d(2026, 3, 5))))}
		}, true},
		{"snapshots, weekly, one page by default", teamURL(teamB, "snapshots", url.Values{"type": {"Weekly"}, "from": {"2026-02-01"}, "to": {"2026-03-17"}, "account": {teamB + "-acc-2"}}), tokB, func() any {
			sc := analytics.AccountScope(teamB, teamB+"-acc-2")
			return snapshotsResponse{TeamID: teamB, AccountID: sc.AccountID, Type: analytics.Weekly, From: d(2026, 2, 1), To: d(2026, 3, 17),
				Snapshots: snapsJSON(snapshots(f.svc.Snapshots(ctx, sc, analytics.Weekly, d(2026, 2, 1), d(2026, 3, 17))))}
		}, false},
		{"snapshots, monthly, type defaults to Daily otherwise", teamURL(teamA, "snapshots", url.Values{"type": {"Monthly"}, "from": {"2026-01-01"}, "to": {"2026-12-31"}}), tokA, func() any {
			return snapshotsResponse{TeamID: teamA, Type: analytics.Monthly, From: d(2026, 1, 1), To: d(2026, 12, 31),
				Snapshots: snapsJSON(snapshots(f.svc.Snapshots(ctx, analytics.TeamScope(teamA), analytics.Monthly, d(2026, 1, 1), d(2026, 12, 31))))}
		}, false},
		{"snapshots, a span with none", teamURL(teamA, "snapshots", url.Values{"from": {"2025-01-01"}, "to": {"2025-01-10"}}), tokA, func() any {
			return snapshotsResponse{TeamID: teamA, Type: analytics.Daily, From: d(2025, 1, 1), To: d(2025, 1, 10), Snapshots: []snapshotJSON{}}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := f.get(t, tc.path, tc.token)
			var body map[string]any
			if err := json.Unmarshal(got, &body); err != nil {
				t.Fatal(err)
			}
			if c, ok := body["nextCursor"].(string); ok != tc.more || ok && c == "" {
				t.Errorf("nextCursor = %v; want one: %v", body["nextCursor"], tc.more)
			}
			if _, page := body["snapshots"]; page && body["hasMore"] != tc.more {
				t.Errorf("hasMore = %v; want %v", body["hasMore"], tc.more)
			}
			delete(body, "nextCursor")
			delete(body, "hasMore")
			var want map[string]any
			if err := json.Unmarshal(mustJSON(t, tc.want()), &want); err != nil {
				t.Fatal(err)
			}
			delete(want, "hasMore") // checked above
			if diff := jsonDiff(t, mustJSON(t, body), want); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tc.path, diff)
			}
		})
	}

	// The data is real: the pages and reads above are not all empty.
	if m := metrics(f.svc.RealTime(ctx, analytics.TeamScope(teamA))); m.Messages.Total == 0 {
		t.Error("team A has no messages today: the fixture's data does not reach now")
	}
	if h := heatmap(f.svc.Heatmap(ctx, analytics.TeamScope(teamA), 30)); h.Traffic.Len() < 24 || h.Total.Inbound == 0 {
		t.Errorf("team A's 30-day heatmap has %d cells, %+v", h.Traffic.Len(), h.Total)
	}
	if s := snapshots(f.svc.Snapshots(ctx, analytics.TeamScope(teamB), analytics.Weekly, d(2026, 2, 1), d(2026, 3, 17))); len(s) != 6 {
		t.Errorf("team B has %d weekly snapshots; want the 6 complete weeks from 02-02 to 03-09", len(s))
	}
}

// TestPagination walks every page of ranges and checks that together they
// hold exactly the range's snapshots, in order, each page at most limit
// long and starting where the previous one ended.
func TestPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := analytics.NewDate
	tests := []struct {
		team, token, account string
		typ                  analytics.SnapshotType
		from, to             analytics.Date
		limit, pages         int // pages: the hand-counted number of pages
	}{
		{teamA, tokA, "", analytics.Daily, d(2026, 2, 1), d(2026, 3, 17), 7, 7}, // 45 days
		{teamB, tokB, teamB + "-acc-1", analytics.Daily, d(2026, 1, 20), d(2026, 3, 20), 1, 60},
		{teamA, tokA, "", analytics.Daily, d(2026, 2, 1), d(2026, 3, 17), 366, 1},
		{teamB, tokAdm, "", analytics.Weekly, d(2026, 2, 1), d(2026, 3, 17), 2, 4}, // 14-day pages
		{teamA, tokA, "", analytics.Weekly, d(2026, 2, 4), d(2026, 3, 17), 1, 6},   // 7-day pages from a Wednesday
		{teamA, tokA, "", analytics.Monthly, d(2026, 1, 15), d(2026, 3, 17), 1, 3}, // 01-15..31, February, March
		{oddID, tokOdd, oddID + "-acc-2", analytics.Monthly, d(2025, 11, 1), d(2026, 4, 30), 2, 3},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s/%s..%s/limit=%d", tc.team, tc.account, tc.typ, tc.from, tc.to, tc.limit), func(t *testing.T) {
			scope := analytics.Scope{TeamID: tc.team, AccountID: tc.account}
			want, err := f.svc.Snapshots(ctx, scope, tc.typ, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatal("the range holds no snapshots; the test would prove nothing")
			}
			q := url.Values{"type": {tc.typ.String()}, "from": {tc.from.String()}, "to": {tc.to.String()}, "limit": {fmt.Sprint(tc.limit)}}
			if tc.account != "" {
				q.Set("account", tc.account)
			}
			var got []snapshotJSON
			next := tc.from
			pages := 0
			for {
				var page snapshotsResponse
				if err := json.Unmarshal(f.get(t, teamURL(tc.team, "snapshots", q), tc.token), &page); err != nil {
					t.Fatal(err)
				}
				pages++
				if page.From != next || page.To.Before(page.From) || page.To.After(tc.to) {
					t.Fatalf("page %d covers %s..%s; want it to start at %s and end by %s", pages, page.From, page.To, next, tc.to)
				}
				if len(page.Snapshots) > tc.limit {
					t.Errorf("page %d holds %d snapshots; limit %d", pages, len(page.Snapshots), tc.limit)
				}
				for _, s := range page.Snapshots {
					if s.Date.Before(page.From) || s.Date.After(page.To) {
						t.Errorf("page %d (%s..%s) holds a snapshot of %s", pages, page.From, page.To, s.Date)
					}
				}
				got = append(got, page.Snapshots...)
				if page.NextCursor == "" {
					if page.To != tc.to {
						t.Errorf("the last page ends at %s, not at to %s", page.To, tc.to)
					}
					break
				}
				if pages > 400 {
					t.Fatal("no end to the pages")
				}
				next = page.To.AddDays(1)
				q.Set("cursor", page.NextCursor)
				q.Del("from") // the cursor replaces it
			}
			if pages != tc.pages {
				t.Errorf("%d pages; want %d", pages, tc.pages)
			}
			if diff := jsonDiff(t, mustJSON(t, got), snapsJSON(want)); diff != "" {
				t.Errorf("the pages' snapshots differ from the range's (-want +got):\n%s", diff)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOddTeamIDs reads teams whose IDs hold '/', '%', a space, non-ASCII
// letters and an emoji, or are "..", through every route.
func TestOddTeamIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct{ id, token string }{{oddID, tokOdd}, {dotsID, tokDots}} {
		t.Run(tc.id, func(t *testing.T) {
			acc := tc.id + "-acc-1"
			rt, err := f.svc.RealTime(ctx, analytics.AccountScope(tc.id, acc))
			if err != nil {
				t.Fatal(err)
			}
			if rt.Messages.Total == 0 {
				t.Fatalf("account %q has no messages today; the test would prove little", acc)
			}
			got := f.get(t, teamURL(tc.id, "realtime", url.Values{"account": {acc}}), tc.token)
			if diff := jsonDiff(t, got, realTimeResponse{TeamID: tc.id, AccountID: acc, Metrics: rt}); diff != "" {
				t.Errorf("real time (-want +got):\n%s", diff)
			}
			dash, err := f.svc.Dashboard(ctx, tc.id, 7)
			if err != nil {
				t.Fatal(err)
			}
			if diff := jsonDiff(t, f.get(t, teamURL(tc.id, "dashboard", url.Values{"days": {"7"}}), tc.token), dash); diff != "" {
				t.Errorf("dashboard (-want +got):\n%s", diff)
			}
			var page snapshotsResponse
			if err := json.Unmarshal(f.get(t, teamURL(tc.id, "snapshots", url.Values{"from": {"2026-03-01"}, "to": {"2026-03-10"}}), tc.token), &page); err != nil {
				t.Fatal(err)
			}
			if page.TeamID != tc.id || len(page.Snapshots) != 10 || page.Snapshots[0].TeamID != tc.id {
				t.Errorf("snapshots page of %q: team %q, %d snapshots", tc.id, page.TeamID, len(page.Snapshots))
			}
			// The team's token is refused on another team, and another
			// team's on it.
			if status, _, _ := f.do(t, http.MethodGet, teamURL(teamA, "realtime", nil), tc.token); status != http.StatusForbidden {
				t.Errorf("%q's token on team A: status %d, want 403", tc.id, status)
			}
			if status, _, _ := f.do(t, http.MethodGet, teamURL(tc.id, "realtime", nil), tokA); status != http.StatusForbidden {
				t.Errorf("team A's token on %q: status %d, want 403", tc.id, status)
			}
		})
	}
	// A prefix of the odd ID (what an unescaped '/' would route to) is
	// another team, which its token may not read.
	if status, _, _ := f.do(t, http.MethodGet, "/v1/teams/acme/eu%2050%25%20%C3%BC%F0%9F%99%82/analytics/realtime", tokOdd); status != http.StatusNotFound {
		t.Errorf("unescaped '/': status %d, want 404 (no such route)", status)
	}
}

// TestErrors checks every refusal's status and JSON error code.
func TestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	snaps := func(kv ...string) string {
		q := url.Values{"from": {"2026-03-01"}, "to": {"2026-03-10"}}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "-" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		return teamURL(teamA, "snapshots", q)
	}
	otherCursor := encodeCursor(analytics.NewDate(2026, 3, 5), fingerprint(analytics.TeamScope(teamA), analytics.Daily, analytics.NewDate(2026, 3, 31)))
	rt := teamURL(teamA, "realtime", nil)
	tests := []struct {
		name, method, path string
		header             string // the Authorization header; "" for none
		status             int
		code               string
	}{
		{"no token", "GET", rt, "", 401, "unauthenticated"},
		{"unknown token", "GET", rt, "Bearer nope", 401, "unauthenticated"},
		{"empty bearer", "GET", rt, "Bearer ", 401, "unauthenticated"},
		{"bearer alone", "GET", rt, "Bearer", 401, "unauthenticated"},
		{"basic scheme", "GET", rt, "Basic " + tokA, 401, "unauthenticated"},
		{"token without scheme", "GET", rt, tokA, 401, "unauthenticated"},
		{"no token on a job", "POST", "/v1/jobs/" + dailyJob + "/trigger", "", 401, "unauthenticated"},

		{"team A on team B, real time", "GET", teamURL(teamB, "realtime", nil), "Bearer " + tokA, 403, "forbidden"},
		{"team A on team B, dashboard", "GET", teamURL(teamB, "dashboard", nil), "Bearer " + tokA, 403, "forbidden"},
		{"team A on team B, snapshots", "GET", teamURL(teamB, "snapshots", nil), "Bearer " + tokA, 403, "forbidden"},
		{"team A on team B, heatmap", "GET", teamURL(teamB, "heatmap", nil), "Bearer " + tokA, 403, "forbidden"},
		{"team A on an unknown team", "GET", teamURL("team-9999", "realtime", nil), "Bearer " + tokA, 403, "forbidden"},
		{"team token on a job", "POST", "/v1/jobs/" + dailyJob + "/trigger", "Bearer " + tokA, 403, "forbidden"},

		{"days 0", "GET", teamURL(teamA, "dashboard", url.Values{"days": {"0"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"days 367", "GET", teamURL(teamA, "dashboard", url.Values{"days": {"367"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"days not a number", "GET", teamURL(teamA, "dashboard", url.Values{"days": {"7d"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"days empty", "GET", teamURL(teamA, "dashboard", url.Values{"days": {""}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"days twice", "GET", teamURL(teamA, "dashboard", nil) + "?days=7&days=8", "Bearer " + tokA, 400, "invalid_argument"},
		{"heatmap days 0", "GET", teamURL(teamA, "heatmap", url.Values{"days": {"0"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"heatmap days 367", "GET", teamURL(teamA, "heatmap", url.Values{"days": {"367"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"heatmap unknown parameter", "GET", teamURL(teamA, "heatmap", url.Values{"type": {"Daily"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"heatmap account too long", "GET", teamURL(teamA, "heatmap", url.Values{"account": {strings.Repeat("a", 1025)}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"unknown parameter", "GET", teamURL(teamA, "realtime", url.Values{"acount": {"x"}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"malformed query", "GET", rt + "?account=%zz", "Bearer " + tokA, 400, "invalid_argument"},
		{"account too long", "GET", teamURL(teamA, "realtime", url.Values{"account": {strings.Repeat("a", 1025)}}), "Bearer " + tokA, 400, "invalid_argument"},
		{"account not UTF-8", "GET", rt + "?account=%FF", "Bearer " + tokA, 400, "invalid_argument"},
		{"team not UTF-8", "GET", "/v1/teams/%FF/analytics/realtime", "Bearer " + tokAdm, 400, "invalid_argument"},
		{"team with NUL", "GET", "/v1/teams/a%00b/analytics/realtime", "Bearer " + tokAdm, 400, "invalid_argument"},
		{"type lower case", "GET", snaps("type", "daily"), "Bearer " + tokA, 400, "invalid_argument"},
		{"type unknown", "GET", snaps("type", "Hourly"), "Bearer " + tokA, 400, "invalid_argument"},
		{"from missing", "GET", snaps("from", "-"), "Bearer " + tokA, 400, "invalid_argument"},
		{"to missing", "GET", snaps("to", "-"), "Bearer " + tokA, 400, "invalid_argument"},
		{"from not a date", "GET", snaps("from", "2026-02-30"), "Bearer " + tokA, 400, "invalid_argument"},
		{"to not a date", "GET", snaps("to", "yesterday"), "Bearer " + tokA, 400, "invalid_argument"},
		{"from after to", "GET", snaps("from", "2026-03-11"), "Bearer " + tokA, 400, "invalid_argument"},
		{"limit 0", "GET", snaps("limit", "0"), "Bearer " + tokA, 400, "invalid_argument"},
		{"limit 367", "GET", snaps("limit", "367"), "Bearer " + tokA, 400, "invalid_argument"},
		{"limit negative", "GET", snaps("limit", "-1"), "Bearer " + tokA, 400, "invalid_argument"},
		{"cursor garbage", "GET", snaps("cursor", "not-a-cursor"), "Bearer " + tokA, 400, "invalid_argument"},
		{"cursor of another query", "GET", snaps("cursor", otherCursor), "Bearer " + tokA, 400, "invalid_argument"},
		{"job with a query", "POST", "/v1/jobs/" + dailyJob + "/trigger?force=1", "Bearer " + tokAdm, 400, "invalid_argument"},

		{"unknown team", "GET", teamURL("team-9999", "realtime", nil), "Bearer " + tokAdm, 404, "not_found"},
		{"unknown team, dashboard", "GET", teamURL("team-9999", "dashboard", nil), "Bearer " + tokAdm, 404, "not_found"},
		{"unknown team, heatmap", "GET", teamURL("team-9999", "heatmap", nil), "Bearer " + tokAdm, 404, "not_found"},
		{"unknown account, heatmap", "GET", teamURL(teamA, "heatmap", url.Values{"account": {teamB + "-acc-1"}}), "Bearer " + tokA, 404, "not_found"},
		{"unknown account", "GET", teamURL(teamA, "realtime", url.Values{"account": {teamB + "-acc-1"}}), "Bearer " + tokA, 404, "not_found"},
		{"unknown job", "POST", "/v1/jobs/hourly-analytics-snapshot/trigger", "Bearer " + tokAdm, 404, "not_found"},
		{"unknown route", "GET", "/v1/teams/" + teamA + "/analytics/weekly", "Bearer " + tokA, 404, "not_found"},
		{"unknown path at the root (\"/\" is the page)", "GET", "/v1", "", 404, "not_found"},

		{"POST on real time", "POST", rt, "Bearer " + tokA, 405, "method_not_allowed"},
		{"POST on the heatmap", "POST", teamURL(teamA, "heatmap", nil), "Bearer " + tokA, 405, "method_not_allowed"},
		{"GET on a trigger", "GET", "/v1/jobs/" + dailyJob + "/trigger", "Bearer " + tokAdm, 405, "method_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, f.srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := f.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body %s", resp.StatusCode, tc.status, body)
			}
			e := decodeError(t, resp.Header, body)
			if e.Code != tc.code || e.Message == "" {
				t.Errorf("error %+v, want code %q and a message", e, tc.code)
			}
			if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}

	// An unknown job's 404 lists the jobs there are.
	_, h, body := f.do(t, http.MethodPost, "/v1/jobs/nope/trigger", tokAdm)
	names := make([]string, 0, len(f.jobs))
	for n := range f.jobs {
		names = append(names, n)
	}
	slices.Sort(names)
	if e := decodeError(t, h, body); !strings.Contains(e.Message, strings.Join(names, ", ")) {
		t.Errorf("unknown job's message %q does not list the jobs %v", e.Message, names)
	}
	// The lower-case scheme is accepted (RFC 9110 makes it case-insensitive).
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+rt, nil)
	req.Header.Set("Authorization", "bearer "+tokA)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("lower-case bearer: status %d, want 200", resp.StatusCode)
	}
}

// decodeError decodes an error body strictly: JSON, and nothing but
// {"error": {"code", "message"}}.
func decodeError(t *testing.T, h http.Header, body []byte) errorDetail {
	t.Helper()
	if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var e errorBody
	if err := dec.Decode(&e); err != nil {
		t.Errorf("error body %s: %v", body, err)
	}
	return e.Error
}

// TestInternalErrors checks that a failure inside the server gives a 500
// whose body says nothing of it, while the log has the real error under the
// reference the body gives.
func TestInternalErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// A corrupt entry in the cache: the Service fails to decode it.
	if err := f.cache.Set(ctx, analytics.RealTimeKey(analytics.TeamScope(teamA)), []byte("{corrupt"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RealTime(ctx, analytics.TeamScope(teamA)); !errors.Is(err, analytics.ErrCorrupt) {
		t.Fatalf("the Service's own read: %v, want ErrCorrupt", err)
	}
	internal := regexp.MustCompile(`^internal error \(reference ([0-9a-f]{12})\)$`)
	data := regexp.MustCompile(`^the server's stored data for this request cannot be used \(reference ([0-9a-f]{12})\)$`)
	for _, tc := range []struct {
		name, method, path, token string
		code                      string
		secrets                   []string // in the log, never in the body
	}{
		{"corrupt cache entry", "GET", teamURL(teamA, "realtime", nil), tokA, "data_error", []string{"corrupt", "cached realtime value"}},
		{"job error", "POST", "/v1/jobs/fails/trigger", tokAdm, "internal", []string{"secret-user", "password authentication"}},
		{"job panic", "POST", "/v1/jobs/panics/trigger", tokAdm, "internal", []string{"secret panic value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := f.do(t, tc.method, tc.path, tc.token)
			if status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500; body %s", status, body)
			}
			e := decodeError(t, h, body)
			ref := internal
			if tc.code == "data_error" {
				ref = data
			}
			m := ref.FindStringSubmatch(e.Message)
			if e.Code != tc.code || m == nil {
				t.Fatalf("error %+v, want code %s and a generic message with a reference", e, tc.code)
			}
			logs := f.logs.String()
			var line string
			for _, l := range strings.Split(logs, "\n") {
				if strings.Contains(l, "ref="+m[1]) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no log line with ref=%s:\n%s", m[1], logs)
			}
			for _, s := range tc.secrets {
				if strings.Contains(string(body), s) {
					t.Errorf("the body %s leaks %q", body, s)
				}
				if !strings.Contains(line, s) {
					t.Errorf("the log line %q lacks the real error's %q", line, s)
				}
			}
		})
	}
}

// TestTrigger runs the daily job through the API: yesterday's snapshots,
// missing before, exist after. A second trigger of a running job is
// refused with 409.
func TestTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	read := func() int {
		// Straight from the Service, under a range no read has cached.
		s, err := f.svc.Snapshots(ctx, analytics.TeamScope(teamB), analytics.Daily, yesterday, yesterday.AddDays(1))
		if err != nil {
			t.Fatal(err)
		}
		return len(s)
	}
	if n := read(); n != 0 {
		t.Fatalf("%d snapshots of yesterday before the job; want 0", n)
	}
	status, _, body := f.do(t, http.MethodPost, "/v1/jobs/"+dailyJob+"/trigger", tokAdm)
	if status != http.StatusOK {
		t.Fatalf("status %d, body %s", status, body)
	}
	if diff := jsonDiff(t, body, map[string]string{"job": dailyJob, "status": "succeeded"}); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	// The read is cached, but the job invalidated the teams it wrote.
	if n := read(); n != 1 {
		t.Errorf("%d team-wide snapshots of yesterday after the job; want 1", n)
	}

	// A job already running.
	first := make(chan int, 1)
	go func() {
		// Not f.do: t.Fatal must not be called off the test's goroutine.
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/v1/jobs/blocks/trigger", nil)
		req.Header.Set("Authorization", "Bearer "+tokAdm)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-f.blockStarted
	status, h, body := f.do(t, http.MethodPost, "/v1/jobs/blocks/trigger", tokAdm)
	if e := decodeError(t, h, body); status != http.StatusConflict || e.Code != "conflict" {
		t.Errorf("second trigger: status %d, %+v; want 409 conflict", status, e)
	}
	close(f.blockRelease)
	if status := <-first; status != http.StatusOK {
		t.Errorf("first trigger: status %d, want 200", status)
	}
	// Done, it may run again.
	if status, _, body := f.do(t, http.MethodPost, "/v1/jobs/blocks/trigger", tokAdm); status != http.StatusOK {
		t.Errorf("third trigger: status %d, %s", status, body)
	}
}

// TestHeatmapETag: a heatmap carries a strong ETag of its body and must be
// revalidated; If-None-Match with it gives a 304 without a body, and a
// changed heatmap (another number of days) another tag.
func TestHeatmapETag(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	path := teamURL(teamA, "heatmap", url.Values{"days": {"7"}})
	status, h, body := f.do(t, http.MethodGet, path, tokA)
	etag := h.Get("ETag")
	if status != http.StatusOK || etag != etagOf(body) || h.Get("Cache-Control") != heatmapCacheControl || h.Get("Vary") != "Authorization" {
		t.Fatalf("status %d, ETag %q (body's %q), Cache-Control %q, Vary %q", status, etag, etagOf(body), h.Get("Cache-Control"), h.Get("Vary"))
	}
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tokA)
	req.Header.Set("If-None-Match", etag)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("If-None-Match with its ETag: status %d, %d bytes; want 304 and none", resp.StatusCode, len(b))
	}
	_, h14, _ := f.do(t, http.MethodGet, teamURL(teamA, "heatmap", url.Values{"days": {"14"}}), tokA)
	if h14.Get("ETag") == etag {
		t.Errorf("the 14-day heatmap has the 7-day one's ETag %s", etag)
	}
}
