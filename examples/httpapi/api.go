package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/msgstats/analytics"
)

// Snapshot pages.
const (
	// defaultLimit is the default page length of the snapshots route, in
	// periods.
	defaultLimit = 31
	// maxLimit is the longest page of the snapshots route, in periods.
	maxLimit = 366
	// defaultDashboardDays is the dashboard length when ?days is absent.
	defaultDashboardDays = 30
)

// api serves the routes of NewAPI.
type api struct {
	svc   *analytics.Service
	teams map[[sha256.Size]byte]string // SHA-256 of a token -> its team
	admin *[sha256.Size]byte           // SHA-256 of the admin token; nil: none
	jobs  map[string]func(context.Context) error
	names []string // job names, sorted
	log   *slog.Logger
	// teamReader, when set, lets the snapshots route answer 404 for an
	// unknown team or account.
	teamReader analytics.TeamReader
	limit      *limiter            // nil: no rate limit
	sleep      func(time.Duration) // tests: replaces a refusal's delay

	mu      sync.Mutex
	running map[string]bool // jobs being run by a trigger
}

// Option configures NewAPI.
type Option func(*apiOptions)

// apiOptions is what the Options of NewAPI set.
type apiOptions struct {
	teams     analytics.TeamReader
	rateLimit RateLimit
	now       func() time.Time
	sleep     func(time.Duration)
}

// WithTeams gives NewAPI the teams (the Service's store, usually), so that
// the snapshots route answers 404 for an unknown team or account, as the
// real-time route does, before any read of the cache. Without it, the
// snapshots of an unknown team or account are an empty page.
func WithTeams(r analytics.TeamReader) Option {
	return func(o *apiOptions) { o.teams = r }
}

// WithRateLimit replaces DefaultRateLimit; a PerSecond of 0 turns the rate
// limit off.
func WithRateLimit(rl RateLimit) Option {
	return func(o *apiOptions) { o.rateLimit = rl }
}

// withClock sets the clock of the rate limit, and what waits out a
// refusal's delay (tests).
func withClock(now func() time.Time, sleep func(time.Duration)) Option {
	return func(o *apiOptions) { o.now, o.sleep = now, sleep }
}

// NewAPI returns the HTTP handler of the analytics API, backed by svc:
//
//	GET  /v1/teams/{team}/analytics/realtime?account=
//	GET  /v1/teams/{team}/analytics/dashboard?days=30
//	GET  /v1/teams/{team}/analytics/heatmap?days=30&account=
//	GET  /v1/teams/{team}/analytics/snapshots?type=Daily&from=&to=&limit=31&cursor=
//	GET  /v1/teams/{team}/analytics/campaigns?after=&limit=50
//	GET  /v1/teams/{team}/analytics/campaigns/{campaign}
//	POST /v1/jobs/{name}/trigger
//
// Every route needs "Authorization: Bearer <token>". tokens maps a token to
// the one team it may read; adminToken (if not empty) may read every team
// and is the only token that may trigger jobs. jobs maps a job name to the
// function a trigger runs, on the request's context (it stops if the client
// goes away) while the client waits. Empty tokens are ignored. logger (nil:
// slog.Default()) receives the real error of every 500 response, with the
// reference the response body gives.
//
// Each token has a rate limit (DefaultRateLimit unless WithRateLimit says
// otherwise), and so has each client address for requests without a valid
// token: past it, 429 with Retry-After. Responses to authenticated requests
// carry RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.
//
// Errors are JSON bodies {"error": {"code": "...", "message": "..."}}: 401
// for a missing or unknown token, 403 for another team's data or a job
// triggered without the admin token, 400 for an invalid path or query
// parameter (unknown and repeated parameters included) or two
// Authorization headers, 404 for an unknown team, account, campaign, job or route (a
// path with an empty, "." or ".." segment included: it is not redirected),
// 405 for a wrong method, 409 for a job that is already running, 429 past
// the rate limit, 500 with a generic message for anything else. Values the
// client sent are echoed in messages cut to maxEcho bytes.
//
// Team IDs are path segments, percent-decoded: "acme/eu" is sent as
// acme%2Feu, and the segments "." and ".." must be sent as %2E and %2E%2E
// (a client or proxy would otherwise resolve them as dot segments).
func NewAPI(svc *analytics.Service, tokens map[string]string, adminToken string, jobs map[string]func(context.Context) error, logger *slog.Logger, opts ...Option) http.Handler {
	if svc == nil {
		panic("httpapi: NewAPI with a nil Service")
	}
	if logger == nil {
		logger = slog.Default()
	}
	o := apiOptions{rateLimit: DefaultRateLimit}
	for _, opt := range opts {
		opt(&o)
	}
	a := &api{
		svc:        svc,
		teams:      make(map[[sha256.Size]byte]string, len(tokens)),
		jobs:       make(map[string]func(context.Context) error, len(jobs)),
		log:        logger,
		teamReader: o.teams,
		limit:      newLimiter(o.rateLimit, o.now),
		sleep:      o.sleep,
		running:    map[string]bool{},
	}
	for tok, team := range tokens {
		if tok != "" {
			a.teams[sha256.Sum256([]byte(tok))] = team
		}
	}
	if adminToken != "" {
		sum := sha256.Sum256([]byte(adminToken))
		a.admin = &sum
	}
	for name, f := range jobs {
		a.jobs[name] = f
		a.names = append(a.names, name)
	}
	slices.Sort(a.names)
	return a.recover(a.canonical(a.routes()))
}

// routes returns the API's mux. Its pattern "/" answers every path no
// other pattern matches with a JSON 404; a page served at exactly "/"
// registers "GET /{$}", which is more specific and so wins for that path
// alone.
func (a *api) routes() *http.ServeMux {
	mux := http.NewServeMux()
	route := func(method, pattern string, h http.HandlerFunc) {
		mux.HandleFunc(method+" "+pattern, h)
		// The same path with any other method: 405 in JSON, not the mux's
		// plain-text one.
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			allow := method
			if method == http.MethodGet {
				allow += ", " + http.MethodHead
			}
			w.Header().Set("Allow", allow)
			a.fail(w, r, &apiError{http.StatusMethodNotAllowed, "method_not_allowed", clip(r.Method) + " is not allowed here; use " + method})
		})
	}
	route(http.MethodGet, "/v1/teams/{team}/analytics/realtime", a.team(a.realTime))
	route(http.MethodGet, "/v1/teams/{team}/analytics/dashboard", a.team(a.dashboard))
	route(http.MethodGet, "/v1/teams/{team}/analytics/heatmap", a.team(a.heatmap))
	route(http.MethodGet, "/v1/teams/{team}/analytics/snapshots", a.team(a.snapshots))
	route(http.MethodGet, "/v1/teams/{team}/analytics/campaigns", a.team(a.campaigns))
	route(http.MethodGet, "/v1/teams/{team}/analytics/campaigns/{campaign}", a.team(a.campaign))
	route(http.MethodPost, "/v1/jobs/{name}/trigger", a.trigger)
	route(http.MethodGet, "/{$}", a.page)       // the dashboard page (page.go)
	route(http.MethodGet, "/static/", a.static) // its scripts and styles
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, &apiError{http.StatusNotFound, "not_found", "no such route"})
	})
	return mux
}

// apiError is an error with the response it gets.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "invalid_argument", fmt.Sprintf(format, args...)}
}

// maxEcho is the longest value, in bytes, that an error message echoes
// back from a request.
const maxEcho = 100

// clip returns s for an error message to echo: whole if it is at most
// maxEcho bytes, else cut at a character boundary within maxEcho bytes and
// marked "…" with its length.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// team wraps a team route: it authenticates, checks that the token may
// read the team, validates the team ID, and writes h's result as JSON.
func (a *api) team(h func(r *http.Request, team string) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := a.admit(w, r)
		if !ok {
			return
		}
		team := r.PathValue("team")
		if !p.admin && p.team != team {
			a.fail(w, r, &apiError{http.StatusForbidden, "forbidden", "the token may not read this team"})
			return
		}
		if err := analytics.ValidateID("team", team); err != nil {
			a.fail(w, r, badRequest("team: %s", reason(err)))
			return
		}
		v, err := h(r, team)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if page, ok := v.(snapshotsResponse); ok {
			if page.HasMore {
				w.Header().Set("Link", nextLink(r, page.NextCursor))
			}
			a.replyCacheable(w, r, page, snapshotsCacheControl)
			return
		}
		if hm, ok := v.(analytics.TrafficReport); ok {
			a.replyCacheable(w, r, hm, heatmapCacheControl)
			return
		}
		if page, ok := v.(campaignsResponse); ok && page.HasMore {
			w.Header().Set("Link", campaignsLink(r, page.Next))
		}
		a.reply(w, r, http.StatusOK, v)
	}
}

// realTimeResponse is the body of the real-time route.
type realTimeResponse struct {
	TeamID    string            `json:"teamId"`
	AccountID string            `json:"accountId,omitempty"`
	Metrics   analytics.Metrics `json:"metrics"`
}

func (a *api) realTime(r *http.Request, team string) (any, error) {
	q, err := query(r, "account")
	if err != nil {
		return nil, err
	}
	scope, err := scopeOf(team, q)
	if err != nil {
		return nil, err
	}
	m, err := a.svc.RealTime(r.Context(), scope)
	if err != nil {
		return nil, err
	}
	return realTimeResponse{TeamID: team, AccountID: scope.AccountID, Metrics: m}, nil
}

func (a *api) dashboard(r *http.Request, team string) (any, error) {
	q, err := query(r, "days")
	if err != nil {
		return nil, err
	}
	days := defaultDashboardDays
	if s, ok := q["days"]; ok {
		if days, err = intParam("days", s, 1, analytics.MaxDashboardDays); err != nil {
			return nil, err
		}
	}
	return a.svc.Dashboard(r.Context(), team, days)
}

// heatmap serves the traffic heatmap of the team, or of its account
// ?account, over the last ?days days (default 30): Service.Heatmap's
// TrafficReport.
func (a *api) heatmap(r *http.Request, team string) (any, error) {
	q, err := query(r, "days", "account")
	if err != nil {
		return nil, err
	}
	scope, err := scopeOf(team, q)
	if err != nil {
		return nil, err
	}
	days := defaultDashboardDays
	if s, ok := q["days"]; ok {
		if days, err = intParam("days", s, 1, analytics.MaxDashboardDays); err != nil {
			return nil, err
		}
	}
	return a.svc.Heatmap(r.Context(), scope, days)
}

// snapshotsResponse is the body of the snapshots route.
type snapshotsResponse struct {
	TeamID    string                 `json:"teamId"`
	AccountID string                 `json:"accountId,omitempty"`
	Type      analytics.SnapshotType `json:"type"`
	// From and To are the dates this page covers, both inclusive.
	From      analytics.Date `json:"from"`
	To        analytics.Date `json:"to"`
	Snapshots []snapshotJSON `json:"snapshots"`
	// HasMore says whether the range goes on past this page; then
	// NextCursor fetches the next page, and the Link header (rel="next")
	// gives its URL.
	HasMore    bool   `json:"hasMore"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// snapshotJSON is one stored snapshot.
type snapshotJSON struct {
	ID        string                 `json:"id"`
	TeamID    string                 `json:"teamId"`
	AccountID string                 `json:"accountId,omitempty"`
	Type      analytics.SnapshotType `json:"type"`
	Date      analytics.Date         `json:"date"`
	Metrics   analytics.Metrics      `json:"metrics"`
	CreatedAt time.Time              `json:"createdAt"`
}

func toSnapshotJSON(s analytics.Snapshot) snapshotJSON {
	return snapshotJSON{ID: s.ID, TeamID: s.Scope.TeamID, AccountID: s.Scope.AccountID, Type: s.Type, Date: s.Date,
		Metrics: s.Metrics, CreatedAt: s.CreatedAt}
}

// snapshots serves one page of a date range. A page covers limit periods
// of the range (limit days, weeks or months from its first date), so it
// holds at most limit snapshots, and fewer where periods have none; the
// cursor carries the first date of the next page. Pages partition the
// range: walking them gives every snapshot of it once.
func (a *api) snapshots(r *http.Request, team string) (any, error) {
	q, err := query(r, "account", "type", "from", "to", "limit", "cursor")
	if err != nil {
		return nil, err
	}
	scope, err := scopeOf(team, q)
	if err != nil {
		return nil, err
	}
	typ := analytics.Daily
	if s, ok := q["type"]; ok {
		if typ, err = analytics.ParseSnapshotType(s); err != nil {
			return nil, badRequest("type: %q is not one of Daily, Weekly, Monthly", clip(s))
		}
	}
	limit := defaultLimit
	if s, ok := q["limit"]; ok {
		if limit, err = intParam("limit", s, 1, maxLimit); err != nil {
			return nil, err
		}
	}
	to, err := dateParam(q, "to")
	if err != nil {
		return nil, err
	}
	fp := fingerprint(scope, typ, to)
	var from analytics.Date
	if c, ok := q["cursor"]; ok {
		// The cursor replaces from.
		if from, err = decodeCursor(c, fp); err != nil {
			return nil, err
		}
	} else if from, err = dateParam(q, "from"); err != nil {
		return nil, err
	}
	if from.After(to) {
		return nil, badRequest("from: %s is after to %s", from, to)
	}
	end := pageEnd(typ, from, limit)
	if end.After(to) {
		end = to
	}
	if err := a.checkScope(r.Context(), scope); err != nil {
		return nil, err
	}
	snaps, err := a.svc.Snapshots(r.Context(), scope, typ, from, end)
	if err != nil {
		return nil, err
	}
	resp := snapshotsResponse{TeamID: team, AccountID: scope.AccountID, Type: typ, From: from, To: end,
		Snapshots: make([]snapshotJSON, len(snaps))}
	for i, s := range snaps {
		resp.Snapshots[i] = toSnapshotJSON(s)
	}
	if end.Before(to) {
		resp.HasMore, resp.NextCursor = true, encodeCursor(end.AddDays(1), fp)
	}
	return resp, nil
}

// checkScope returns an error wrapping analytics.ErrNotFound for an
// unknown team, or an account not of the team, when the API was given the
// teams (WithTeams); else nil.
func (a *api) checkScope(ctx context.Context, scope analytics.Scope) error {
	if a.teamReader == nil {
		return nil
	}
	t, err := a.teamReader.Team(ctx, scope.TeamID)
	if err != nil {
		return err
	}
	if !scope.TeamWide() && !t.HasAccount(scope.AccountID) {
		return fmt.Errorf("%w: account of the team", analytics.ErrNotFound)
	}
	return nil
}

// nextLink returns the Link header value of the page after r's: r's path
// and query, the cursor in place of from.
func nextLink(r *http.Request, cursor string) string {
	q := r.URL.Query()
	q.Del("from")
	q.Set("cursor", cursor)
	return "<" + r.URL.EscapedPath() + "?" + q.Encode() + `>; rel="next"`
}

// pageEnd returns the last date of the page of limit periods of typ that
// starts at from: it holds at most limit period start dates (days, Mondays,
// firsts of the month).
func pageEnd(typ analytics.SnapshotType, from analytics.Date, limit int) analytics.Date {
	switch typ {
	case analytics.Weekly:
		return from.AddDays(7*limit - 1)
	case analytics.Monthly:
		return analytics.NewDate(from.Year, from.Month+time.Month(limit), 1).AddDays(-1)
	default:
		return from.AddDays(limit - 1)
	}
}

// A cursor is base64url("v1|<next date>|<fingerprint>"): the first date of
// the next page, and a fingerprint of the query it belongs to (team,
// account, type, to), so that it cannot be replayed against another query.
// It holds nothing secret: it only names a date the client could ask for.

func fingerprint(scope analytics.Scope, typ analytics.SnapshotType, to analytics.Date) string {
	h := sha256.New()
	for _, s := range []string{scope.TeamID, scope.AccountID, typ.String(), to.String()} {
		h.Write([]byte(strconv.Itoa(len(s)) + ":" + s))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func encodeCursor(next analytics.Date, fp string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1|" + next.String() + "|" + fp))
}

func decodeCursor(c, fp string) (analytics.Date, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != 3 || parts[0] != "v1" {
		return analytics.Date{}, badRequest("cursor: not a cursor of this API")
	}
	next, err := analytics.ParseDate(parts[1])
	if err != nil {
		return analytics.Date{}, badRequest("cursor: not a cursor of this API")
	}
	if parts[2] != fp {
		return analytics.Date{}, badRequest("cursor: it belongs to another query; repeat the query that returned it (same team, account, type and to)")
	}
	return next, nil
}

// trigger runs a job now; only the admin token may.
func (a *api) trigger(w http.ResponseWriter, r *http.Request) {
	p, ok := a.admit(w, r)
	if !ok {
		return
	}
	if !p.admin {
		a.fail(w, r, &apiError{http.StatusForbidden, "forbidden", "triggering jobs needs the admin token"})
		return
	}
	if _, err := query(r); err != nil {
		a.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	job, ok := a.jobs[name]
	if !ok {
		a.fail(w, r, &apiError{http.StatusNotFound, "not_found",
			fmt.Sprintf("no job %q; the jobs are %s", clip(name), strings.Join(a.names, ", "))})
		return
	}
	a.mu.Lock()
	busy := a.running[name]
	a.running[name] = true
	a.mu.Unlock()
	if busy {
		a.fail(w, r, &apiError{http.StatusConflict, "conflict", fmt.Sprintf("job %q is already running", name)})
		return
	}
	defer func() {
		a.mu.Lock()
		delete(a.running, name)
		a.mu.Unlock()
	}()
	if err := job(r.Context()); err != nil {
		// %v, not %w: whatever the job's error wraps (ErrNotFound of some
		// team, say), the trigger itself failed, which is a 500.
		a.fail(w, r, fmt.Errorf("job %q: %v", name, err))
		return
	}
	a.reply(w, r, http.StatusOK, map[string]string{"job": name, "status": "succeeded"})
}

// query parses the query string strictly: every parameter must be one of
// allowed and appear at most once. It returns each parameter's value.
func query(r *http.Request, allowed ...string) (map[string]string, error) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("the query string is malformed")
	}
	out := make(map[string]string, len(vals))
	for k, vs := range vals {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return nil, badRequest("unknown query parameter %q; this route takes none", clip(k))
			}
			return nil, badRequest("unknown query parameter %q; this route takes %s", clip(k), strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, badRequest("%s: given %d times", clip(k), len(vs))
		}
		out[k] = vs[0]
	}
	return out, nil
}

// scopeOf returns the team's scope, or its account's when ?account is set
// and not empty.
func scopeOf(team string, q map[string]string) (analytics.Scope, error) {
	acc := q["account"]
	if acc == "" {
		return analytics.TeamScope(team), nil
	}
	if err := analytics.ValidateID("account", acc); err != nil {
		return analytics.Scope{}, badRequest("account: %s", reason(err))
	}
	return analytics.AccountScope(team, acc), nil
}

func intParam(name, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("%s: %q is not a whole number in %d..%d", name, clip(s), lo, hi)
	}
	return n, nil
}

func dateParam(q map[string]string, name string) (analytics.Date, error) {
	s, ok := q[name]
	if !ok || s == "" {
		return analytics.Date{}, badRequest("%s: required, a date YYYY-MM-DD", name)
	}
	d, err := analytics.ParseDate(s)
	if err != nil {
		return analytics.Date{}, badRequest("%s: %q is not a date YYYY-MM-DD", name, clip(s))
	}
	return d, nil
}

// reason returns the reason of a validation error, without the field the
// library named (the API names its own parameters).
func reason(err error) string {
	var fe *analytics.FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return "invalid"
}

// reply writes v as JSON with status, for no cache to store.
func (a *api) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, status, ok := a.encode(w, r, status, v)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	a.write(w, r, status, body)
}

// replyCacheable writes v as a 200 JSON response that a client may cache
// as cacheControl says and revalidate: it carries a strong ETag of its
// body, and a request whose If-None-Match names it gets a 304 without the
// body.
func (a *api) replyCacheable(w http.ResponseWriter, r *http.Request, v any, cacheControl string) {
	body, status, ok := a.encode(w, r, http.StatusOK, v)
	if !ok {
		return
	}
	etag := etagOf(body)
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", etag)
	h.Set("Vary", "Authorization")
	if status == http.StatusOK && noneMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	a.write(w, r, status, body)
}

// encode returns the JSON of v and the status to send it with. When v
// does not encode, a success is replied as a 500 (and ok is false: the
// response is written), and an error body is replaced by a fixed 500 one.
func (a *api) encode(w http.ResponseWriter, r *http.Request, status int, v any) (body []byte, _ int, ok bool) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		if status < 400 {
			a.fail(w, r, fmt.Errorf("encoding the response: %w", err))
			return nil, 0, false
		}
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
		status = http.StatusInternalServerError
	}
	return buf.Bytes(), status, true
}

// write writes a JSON body with status (the body left out for HEAD).
func (a *api) write(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// fail writes the response for err. Only an *apiError's message and a few
// fixed messages reach the client; anything else is logged with a
// reference that the generic 500 body gives.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		a.log.DebugContext(r.Context(), "httpapi: request refused", "method", r.Method, "path", r.URL.EscapedPath(), "status", ae.status, "error", ae.message)
	case errors.Is(err, analytics.ErrNotFound):
		// Raised only for the team or account of the path and query: the
		// handler validated both, and the Service reports what the store
		// has not got.
		ae = &apiError{http.StatusNotFound, "not_found", "no such team, or no such account of the team"}
	case errors.Is(err, analytics.ErrCorrupt):
		// Stored data the server cannot use, such as a team whose time
		// zone does not load: a server-side fault, never a bad request.
		// Log it under a reference, tell the client what kind it is.
		ref := newRef()
		a.log.ErrorContext(r.Context(), "httpapi: stored data cannot be used", "ref", ref, "method", r.Method, "path", r.URL.EscapedPath(), "error", err)
		ae = &apiError{http.StatusInternalServerError, "data_error", "the server's stored data for this request cannot be used (reference " + ref + ")"}
	case r.Context().Err() != nil:
		// The client went away (or the server is stopping); nobody reads
		// this response.
		a.log.DebugContext(r.Context(), "httpapi: request abandoned", "method", r.Method, "path", r.URL.EscapedPath(), "error", err)
		ae = &apiError{http.StatusServiceUnavailable, "unavailable", "the request was cancelled"}
	default:
		// Every argument was validated here before the Service saw it, so
		// even an ErrInvalidArgument from it is a server-side fault: log
		// it, tell the client nothing.
		ref := newRef()
		a.log.ErrorContext(r.Context(), "httpapi: request failed", "ref", ref, "method", r.Method, "path", r.URL.EscapedPath(), "error", err)
		ae = &apiError{http.StatusInternalServerError, "internal", "internal error (reference " + ref + ")"}
	}
	if c := challenge(ae); c != "" {
		w.Header().Set("WWW-Authenticate", c)
	}
	a.reply(w, r, ae.status, errorBody{errorDetail{Code: ae.code, Message: ae.message}})
}

// recover turns a handler's panic into a logged 500.
func (a *api) recover(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// newRef returns a random reference for a logged error.
func newRef() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
