package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/msgstats/analytics"
)

// noRedirects is a client of f's server that returns redirects rather
// than following them.
func noRedirects(f *fixture) *http.Client {
	c := *f.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// send sends a GET of path with the given Authorization headers (none if
// empty) and If-None-Match (if not empty).
func send(t *testing.T, c *http.Client, base, method, path string, auth []string, ifNoneMatch string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := c.Do(req)
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

// TestUncleanPaths: a path ServeMux would redirect to its cleaned form
// gets a JSON 404, never a redirect with an HTML body; a CONNECT gets a
// JSON 405.
func TestUncleanPaths(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := noRedirects(f)
	for _, p := range []string{
		"/v1/teams/" + teamA + "/analytics/../analytics/realtime",
		"//v1/teams/" + teamA + "/analytics/realtime",
		"/v1//teams/" + teamA + "/analytics/realtime",
		"/v1/teams/" + teamA + "/./analytics/realtime",
		"/v1/teams/" + teamA + "/analytics/realtime/.",
		"/v1/teams/../../etc/passwd",
		"/v1/jobs/" + dailyJob + "/trigger/..",
	} {
		status, h, body := send(t, c, f.srv.URL, http.MethodGet, p, []string{"Bearer " + tokA}, "")
		if status != http.StatusNotFound {
			t.Errorf("GET %s: status %d (Location %q), want 404; body %s", p, status, h.Get("Location"), body)
			continue
		}
		if e := decodeError(t, h, body); e.Code != "not_found" {
			t.Errorf("GET %s: error %+v", p, e)
		}
	}

	// The exception the README names: a malformed escape in the request
	// line is refused by Go's server, before any handler, in plain text.
	raw, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fmt.Fprintf(raw, "GET /v1/teams/%%zz/analytics/realtime HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("a malformed escape: status %d, Content-Type %q; the README says Go's plain 400", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// CONNECT, in its authority form, on a raw connection.
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
	resp, err = http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if e := decodeError(t, resp.Header, body); resp.StatusCode != http.StatusMethodNotAllowed || e.Code != "method_not_allowed" {
		t.Errorf("CONNECT: status %d, %+v; want a JSON 405", resp.StatusCode, e)
	}
}

// TestEchoClipped: a value echoed in an error message is cut to maxEcho
// bytes and marked.
func TestEchoClipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	big := strings.Repeat("9", 100_000)
	snaps := url.Values{"from": {"2026-03-01"}, "to": {"2026-03-10"}}
	for name, path := range map[string]string{
		"days":      teamURL(teamA, "dashboard", url.Values{"days": {big}}),
		"limit":     teamURL(teamA, "snapshots", url.Values{"from": {"2026-03-01"}, "to": {"2026-03-10"}, "limit": {big}}),
		"from":      teamURL(teamA, "snapshots", url.Values{"from": {big}, "to": {"2026-03-10"}}),
		"type":      teamURL(teamA, "snapshots", url.Values{"from": snaps["from"], "to": snaps["to"], "type": {big}}),
		"parameter": teamURL(teamA, "realtime", url.Values{big: {"1"}}),
		"job":       "/v1/jobs/" + big + "/trigger",
	} {
		method, tok := http.MethodGet, tokA
		if name == "job" {
			method, tok = http.MethodPost, tokAdm
		}
		_, h, body := f.do(t, method, path, tok)
		e := decodeError(t, h, body)
		if len(e.Message) > maxEcho+200 || !strings.Contains(e.Message, "… (100000 bytes)") {
			t.Errorf("%s: a %d-byte message %.300q; want the value cut and marked", name, len(e.Message), e.Message)
		}
	}
	// A multi-byte character is never split.
	if got := clip(strings.Repeat("é", 60)); !strings.HasPrefix(got, strings.Repeat("é", 50)+"…") {
		t.Errorf("clip cut %q", got)
	}
}

// TestAuthHeaders: two Authorization headers give 400; a 401 challenges
// as RFC 6750 says.
func TestAuthHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.srv.Client()
	rt := teamURL(teamA, "realtime", nil)
	for _, tc := range []struct {
		name       string
		auth       []string
		status     int
		challenge  string
		rateLimits bool // the RateLimit-* headers are expected
	}{
		{"none", nil, 401, `Bearer realm="analytics"`, false},
		{"basic", []string{"Basic " + tokA}, 401, `Bearer realm="analytics"`, false},
		{"unknown token", []string{"Bearer nope"}, 401, `Bearer realm="analytics", error="invalid_token"`, false},
		{"two headers", []string{"Bearer " + tokA, "Bearer " + tokB}, 400, `Bearer realm="analytics", error="invalid_request"`, false},
		{"the same token twice", []string{"Bearer " + tokA, "Bearer " + tokA}, 400, `Bearer realm="analytics", error="invalid_request"`, false},
		{"valid", []string{"Bearer " + tokA}, 200, "", true},
	} {
		status, h, body := send(t, c, f.srv.URL, http.MethodGet, rt, tc.auth, "")
		if status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, status, tc.status, body)
		}
		if got := h.Get("WWW-Authenticate"); got != tc.challenge {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tc.name, got, tc.challenge)
		}
		if got := h.Get("RateLimit-Limit") != ""; got != tc.rateLimits {
			t.Errorf("%s: RateLimit-Limit %q; want one: %v", tc.name, h.Get("RateLimit-Limit"), tc.rateLimits)
		}
	}
}

// TestSnapshotsUnknownScope: the snapshots route answers 404 for an
// unknown team or account, as the real-time route does, and caches
// nothing for it.
func TestSnapshotsUnknownScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	q := url.Values{"from": {"2026-03-01"}, "to": {"2026-03-10"}}
	for _, tc := range []struct {
		name, team, account, token string
	}{
		{"unknown team", "team-9999", "", tokAdm},
		{"unknown account", teamA, teamB + "-acc-1", tokA},
		{"no such account", teamA, "nope", tokA},
	} {
		qq := url.Values{"from": q["from"], "to": q["to"]}
		if tc.account != "" {
			qq.Set("account", tc.account)
		}
		status, h, body := f.do(t, http.MethodGet, teamURL(tc.team, "snapshots", qq), tc.token)
		if e := decodeError(t, h, body); status != http.StatusNotFound || e.Code != "not_found" {
			t.Errorf("%s: status %d, %+v; want 404 not_found", tc.name, status, e)
		}
		key := analytics.SnapshotsKey(analytics.Scope{TeamID: tc.team, AccountID: tc.account}, analytics.Daily,
			analytics.NewDate(2026, 3, 1), analytics.NewDate(2026, 3, 10))
		if _, ok, err := f.cache.Get(ctx, key); ok || err != nil {
			t.Errorf("%s: the cache holds the page (%v, %v)", tc.name, ok, err)
		}
	}
}

// TestSnapshotsETag: a snapshot page carries a strong ETag and a private,
// short Cache-Control; If-None-Match with it gives a 304 without a body,
// and a changed page gets another ETag.
func TestSnapshotsETag(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.srv.Client()
	auth := []string{"Bearer " + tokB}
	// The range ends with yesterday, which the daily job adds.
	path := teamURL(teamB, "snapshots", url.Values{"from": {"2026-03-10"}, "to": {yesterday.String()}})
	status, h, body := send(t, c, f.srv.URL, http.MethodGet, path, auth, "")
	etag := h.Get("ETag")
	if status != http.StatusOK || !strings.HasPrefix(etag, `"`) || etag != etagOf(body) {
		t.Fatalf("status %d, ETag %q; want 200 and the strong tag of the body", status, etag)
	}
	if cc := h.Get("Cache-Control"); cc != "private, max-age=60" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
		status, h, b := send(t, c, f.srv.URL, http.MethodGet, path, auth, inm)
		if status != http.StatusNotModified || len(b) != 0 || h.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: status %d, %d bytes, ETag %q; want 304, none, the same", inm, status, len(b), h.Get("ETag"))
		}
	}
	if status, _, _ := send(t, c, f.srv.URL, http.MethodGet, path, auth, `"other"`); status != http.StatusOK {
		t.Errorf("another ETag: status %d, want 200", status)
	}
	// Another token reads with its own rights: a 304 needs its own read.
	if status, _, _ := send(t, c, f.srv.URL, http.MethodGet, path, []string{"Bearer " + tokA}, etag); status != http.StatusForbidden {
		t.Errorf("team A with B's ETag: status %d, want 403", status)
	}
	// Errors are not cacheable.
	if _, h, _ := send(t, c, f.srv.URL, http.MethodGet, path+"&limit=0", auth, ""); h.Get("ETag") != "" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("an error: ETag %q, Cache-Control %q", h.Get("ETag"), h.Get("Cache-Control"))
	}

	if status, _, body := f.do(t, http.MethodPost, "/v1/jobs/"+dailyJob+"/trigger", tokAdm); status != http.StatusOK {
		t.Fatalf("daily job: %d %s", status, body)
	}
	status, h, _ = send(t, c, f.srv.URL, http.MethodGet, path, auth, etag)
	if status != http.StatusOK || h.Get("ETag") == etag {
		t.Errorf("after the job added a day: status %d, ETag %q; want 200 and a new tag", status, h.Get("ETag"))
	}
}

// TestPaginationLink: a page with more says hasMore and links the next
// page; following the links walks the same pages as the cursors.
func TestPaginationLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.srv.Client()
	path := teamURL(oddID, "snapshots", url.Values{"from": {"2026-02-01"}, "to": {"2026-03-17"}, "limit": {"10"},
		"account": {oddID + "-acc-1"}})
	var days int
	for pages := 1; ; pages++ {
		status, h, body := send(t, c, f.srv.URL, http.MethodGet, path, []string{"Bearer " + tokOdd}, "")
		if status != http.StatusOK {
			t.Fatalf("page %d: status %d, %s", pages, status, body)
		}
		var page snapshotsResponse
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		days += len(page.Snapshots)
		link := h.Get("Link")
		if page.HasMore != (page.NextCursor != "") || page.HasMore != (link != "") {
			t.Fatalf("page %d: hasMore %v, nextCursor %q, Link %q; want all three to agree", pages, page.HasMore, page.NextCursor, link)
		}
		if !page.HasMore {
			if pages != 5 || days != 44 { // 02-01..03-16: yesterday is left for the job
				t.Errorf("%d pages, %d snapshots; want 5 and 44", pages, days)
			}
			return
		}
		target, ok := strings.CutSuffix(link, `>; rel="next"`)
		if !ok || !strings.HasPrefix(target, "<") {
			t.Fatalf("page %d: Link %q", pages, link)
		}
		u, err := url.Parse(target[1:])
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("cursor") != page.NextCursor || u.Query().Has("from") {
			t.Fatalf("page %d: Link %q does not carry the cursor in place of from", pages, link)
		}
		path = u.RequestURI()
		if pages > 10 {
			t.Fatal("no end to the pages")
		}
	}
}
