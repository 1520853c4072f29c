package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/png" // decodes the screenshots' size
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"
)

// limitedToken is a token the test server answers 429 for, as a rate limit
// would, so that the page's message can be checked.
const limitedToken = "token-limited"

// chromiumPath returns the browser to drive: $ANALYTICS_CHROMIUM (which
// scripts/chromium.sh exports), else chromium or Chrome on the PATH. With
// none, the test skips, or fails under ANALYTICS_REQUIRE_SERVICES=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ANALYTICS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium: set ANALYTICS_CHROMIUM or install it (scripts/chromium.sh installs Debian's chromium)"
	if os.Getenv("ANALYTICS_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg + "; ANALYTICS_REQUIRE_SERVICES=1 forbids skipping")
	}
	t.Skip(msg)
	return ""
}

// screenshotDir returns where the screenshots go: $ANALYTICS_SCREENSHOT_DIR,
// else testdata/screenshots of this package (ignored by git).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ANALYTICS_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join("testdata", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless Chromium for the test, with a fresh profile and
// none of the background traffic that hangs its start on a closed network,
// and returns a tab's context, bounded to 60 s in all. Every console error
// and uncaught exception of the page fails the test, except the browser's
// own log of failed responses (the 4xx the test asks for).
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("lang", "en-US"), chromedp.WindowSize(1280, 800),
	)
	tctx, tcancel := chromedp.NewContext(actx)
	var (
		mu     sync.Mutex
		errs   []string
		readDn = make(chan struct{})
	)
	messages := chromedp.Console(tctx)
	go func() {
		defer close(readDn)
		for m, err := range messages {
			if err != nil {
				return
			}
			if (m.Type == chromedp.ConsoleError || m.IsException()) && m.Source != "network" {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		// Cancel closes the browser and waits for it; tcancel would then
		// wait for the browser a second time, forever, when it never
		// started. It is needed only when Cancel could not ask the browser
		// to close.
		if err := chromedp.Cancel(tctx); err != nil {
			t.Logf("closing the browser: %v", err)
			tcancel()
		}
		acancel()
		cancel()
		<-readDn
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			t.Errorf("browser console: %s", e)
		}
	})
	return tctx
}

// pageData is what the page shows, as its data-* attributes hold it.
type pageData struct {
	Tiles  map[string]string `json:"tiles"` // data-path -> data-value
	Charts []struct {
		Dates string `json:"dates"`
		Lines []struct {
			Key    string `json:"key"`
			Values string `json:"values"`
		} `json:"lines"`
	} `json:"charts"`
	Comparison []struct {
		Path     string `json:"path"`
		Current  string `json:"current"`
		Previous string `json:"previous"`
		Change   string `json:"change"`
	} `json:"comparison"`
	Snapshots []struct {
		ID    string            `json:"id"`
		Date  string            `json:"date"`
		Cells map[string]string `json:"cells"`
	} `json:"snapshots"`
	// Heatmap is the traffic grid's cells in row order.
	Heatmap     []heatCell `json:"heatmap"`
	SnapFrom    string     `json:"snapFrom"`
	SnapTo      string     `json:"snapTo"`
	PageInfo    string     `json:"pageInfo"`
	Error       string     `json:"error"`
	ErrorStatus string     `json:"errorStatus"`
	DataHidden  bool       `json:"dataHidden"`
	Href        string     `json:"href"`
	State       string     `json:"state"`
}

// heatCell is one cell of the page's traffic grid, as its data-*
// attributes hold it.
type heatCell struct {
	Weekday       string `json:"weekday"`
	Hour          string `json:"hour"`
	Value         string `json:"value"`
	Inbound       string `json:"inbound"`
	Outbound      string `json:"outbound"`
	Conversations string `json:"conversations"`
	Text          string `json:"text"`
}

const readPage = `(() => {
  const all = sel => [...document.querySelectorAll(sel)];
  const err = document.querySelector("#error");
  return {
    tiles: Object.fromEntries(all("#tiles .tile").map(e => [e.dataset.path, e.dataset.value])),
    charts: all(".chart svg").map(svg => ({dates: svg.dataset.dates,
      lines: [...svg.querySelectorAll("polyline")].map(p => ({key: p.dataset.key, values: p.dataset.values}))})),
    comparison: all("#comparison tbody tr").map(tr => ({path: tr.dataset.path, current: tr.dataset.current,
      previous: tr.dataset.previous, change: tr.dataset.change})),
    snapshots: all("#snapshots tbody tr[data-id]").map(tr => ({id: tr.dataset.id, date: tr.dataset.date,
      cells: Object.fromEntries([...tr.querySelectorAll("td")].map(td => [td.dataset.path, td.dataset.value]))})),
    heatmap: all("#heatmap tbody td").map(td => ({weekday: td.dataset.weekday, hour: td.dataset.hour, value: td.dataset.value,
      inbound: td.dataset.inbound, outbound: td.dataset.outbound, conversations: td.dataset.conversations, text: td.textContent})),
    snapFrom: document.querySelector("#snap-from").value, snapTo: document.querySelector("#snap-to").value,
    pageInfo: document.querySelector("#page-info").textContent,
    error: err.hidden ? "" : err.textContent, errorStatus: err.dataset.status || "",
    dataHidden: document.querySelector("#data").hidden, href: location.href, state: document.body.dataset.state || "",
  };
})()`

// The numbers the page must show, by their path in the API's Metrics JSON.
var (
	tilePaths  = []string{"messages.total", "messages.deliveryRate", "messages.readRate", "messages.replyRate", "conversations.avgResponseTime"}
	chartPaths = [][]string{
		{"messages.inbound", "messages.outbound"},
		{"messages.deliveryRate", "messages.readRate", "messages.replyRate"},
		{"conversations.medianResponseTime", "conversations.p90ResponseTime"},
	}
	// comparisonGrowth maps each compared measure to its field of Growth.
	comparisonGrowth = map[string]string{
		"messages.total": "messages", "messages.inbound": "inbound", "messages.outbound": "outbound",
		"messages.deliveryRate": "deliveryRate", "messages.readRate": "readRate", "messages.replyRate": "replyRate",
		"messages.failureRate": "failureRate", "conversations.avgResponseTime": "avgResponseTime",
		"conversations.total": "conversations", "contacts.new": "newContacts",
	}
	snapshotPaths = []string{"messages.total", "messages.inbound", "messages.outbound", "messages.deliveryRate",
		"messages.readRate", "messages.replyRate", "conversations.avgResponseTime"}
)

// at returns the number at a dotted path of decoded JSON; a missing path
// or a value that is not a number fails the test.
func at(t *testing.T, v any, path string) float64 {
	t.Helper()
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("JSON path %s: not an object at %q", path, k)
		}
		v = m[k]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("JSON path %s: %v is not a number", path, v)
	}
	return f
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("the page shows %q where a number belongs", s)
	}
	return f
}

func nums(t *testing.T, s string) []float64 {
	t.Helper()
	var out []float64
	for _, p := range strings.Split(s, ",") {
		out = append(out, num(t, p))
	}
	return out
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

// view is the numbers of a page, or of the API's JSON, in one comparable
// shape.
type view struct {
	Tiles      map[string]float64
	Dates      [][]string
	Lines      map[string][]float64
	Comparison map[string][3]float64 // current, previous, change
}

func (d pageData) view(t *testing.T) view {
	t.Helper()
	v := view{Tiles: map[string]float64{}, Lines: map[string][]float64{}, Comparison: map[string][3]float64{}}
	for p, s := range d.Tiles {
		v.Tiles[p] = num(t, s)
	}
	for _, c := range d.Charts {
		v.Dates = append(v.Dates, strings.Split(c.Dates, ","))
		for _, l := range c.Lines {
			v.Lines[l.Key] = nums(t, l.Values)
		}
	}
	for _, r := range d.Comparison {
		v.Comparison[r.Path] = [3]float64{num(t, r.Current), num(t, r.Previous), num(t, r.Change)}
	}
	return v
}

// apiView builds the view the page must show from the API's own JSON.
func apiView(t *testing.T, realTime, dash map[string]any) view {
	t.Helper()
	v := view{Tiles: map[string]float64{}, Lines: map[string][]float64{}, Comparison: map[string][3]float64{}}
	for _, p := range tilePaths {
		v.Tiles[p] = at(t, realTime["metrics"], p)
	}
	// The business-hours tile shows for a team with working hours.
	if at(t, realTime["metrics"], "conversations.businessResponseCount") > 0 {
		v.Tiles["conversations.avgBusinessResponseTime"] = at(t, realTime["metrics"], "conversations.avgBusinessResponseTime")
	}
	series := dash["series"].([]any)
	var dates []string
	for _, s := range series {
		dates = append(dates, s.(map[string]any)["date"].(string))
	}
	for _, keys := range chartPaths {
		v.Dates = append(v.Dates, dates)
		for _, k := range keys {
			for _, s := range series {
				v.Lines[k] = append(v.Lines[k], at(t, s.(map[string]any)["metrics"], k))
			}
		}
	}
	for p, g := range comparisonGrowth {
		v.Comparison[p] = [3]float64{at(t, dash["current"], p), at(t, dash["previous"], p), at(t, dash["growth"], g)}
	}
	return v
}

// snapshotRows returns the rows the snapshot table must show for a page of
// the API, and those the page shows, as date -> numbers.
func snapshotRows(t *testing.T, apiPage map[string]any, d pageData) (want, got map[string][]float64) {
	t.Helper()
	want, got = map[string][]float64{}, map[string][]float64{}
	for _, s := range apiPage["snapshots"].([]any) {
		m := s.(map[string]any)
		key := m["date"].(string) + " " + m["id"].(string)
		for _, p := range snapshotPaths {
			want[key] = append(want[key], at(t, m["metrics"], p))
		}
	}
	for _, r := range d.Snapshots {
		key := r.Date + " " + r.ID
		for _, p := range snapshotPaths {
			got[key] = append(got[key], num(t, r.Cells[p]))
		}
	}
	return want, got
}

// limited answers 429 with Retry-After for limitedToken, as a rate limit
// does, and passes every other request to h.
func limited(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+limitedToken {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":"rate_limited","message":"slow down"}}` + "\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// until waits, at most 10 s, until the JavaScript expression is true.
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second))
}

// steps runs the actions, failing the test on an error.
func steps(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func read(t *testing.T, ctx context.Context) pageData {
	t.Helper()
	d, err := chromedp.Run(ctx, chromedp.Evaluate[pageData](readPage))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return d
}

// signIn fills the form by keyboard only (Tab between fields, Enter to
// submit) and waits until the page has loaded or shown an error.
func signIn(t *testing.T, ctx context.Context, team, token string) pageData {
	t.Helper()
	steps(t, ctx, "signing in as "+team,
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.state = ""; document.querySelector("#team").value = ""; document.querySelector("#token").value = ""`),
		chromedp.Focus(chromedp.CSS("#team")),
		chromedp.KeyEvent(team+kb.Tab+token+kb.Enter),
		chromedp.WaitReady(chromedp.CSS(`body[data-state="loaded"], body[data-state="error"]`)),
	)
	return read(t, ctx)
}

// saveScreenshot writes a PNG of the viewport, or of the whole page when
// full, to dir/name. A viewport's is checked to be w×h pixels.
func saveScreenshot(t *testing.T, ctx context.Context, dir, name string, full bool, w, h int) {
	t.Helper()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil || !full && (cfg.Width != w || cfg.Height != h) || full && cfg.Width != w {
		t.Errorf("screenshot %s: %dx%d (%v), want %dx%d", name, cfg.Width, cfg.Height, err, w, h)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	t.Logf("screenshot: %s", abs)
}

// pagingAs rewrites the snapshot pages h answers as the API may come to
// page them: with *mode "link", the next page is only in a Link header,
// and hasMore says whether there is one; with "ended", hasMore is false
// though nextCursor is there. With "" it passes h's answers on as they are.
func pagingAs(mode *atomic.Value, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := mode.Load().(string)
		if m == "" || !strings.HasSuffix(r.URL.Path, "/snapshots") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		next, _ := body["nextCursor"].(string)
		body["hasMore"] = m == "link" && next != ""
		if m == "link" {
			delete(body, "nextCursor")
			if next != "" {
				q := r.URL.Query()
				q.Del("from")
				q.Set("cursor", next)
				w.Header().Set("Link", "<"+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
			}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(body)
	})
}

// browsing is a run of the page in the browser.
type browsing struct {
	t      *testing.T
	f      *fixture
	ctx    context.Context
	dir    string        // for the screenshots
	paging *atomic.Value // the mode of pagingAs
}

// TestPageInBrowser drives the dashboard page in headless Chromium against
// the example's API on the fixture's data: team A's tiles, charts,
// comparison and snapshot pages must equal the API's JSON for A; A's token
// must not reach team B, and the page must say so; 401 and 429 must read as
// sentences; the page must fit a phone's width. It writes screenshots at
// 1280x800 and 390x844 to screenshotDir.
func TestPageInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	paging := &atomic.Value{}
	paging.Store("")
	srv := httptest.NewServer(limited(pagingAs(paging, f.srv.Config.Handler)))
	t.Cleanup(srv.Close)
	b := &browsing{t: t, f: f, ctx: browser(t), dir: screenshotDir(t), paging: paging}

	steps(t, b.ctx, "opening the page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin")))
	d := signIn(t, b.ctx, teamA, tokA)
	if d.State != "loaded" || d.Error != "" || d.DataHidden {
		t.Fatalf("after signing in as %s: state %q, error %q, data hidden %v", teamA, d.State, d.Error, d.DataHidden)
	}
	if strings.Contains(d.Href, tokA) || d.Href != srv.URL+"/" {
		t.Errorf("the page's URL is %q: it must stay %s/ and never hold the token", d.Href, srv.URL)
	}
	b.checkNumbers(d)
	b.checkHeatmap(d)
	b.checkSnapshots(d)
	b.checkPhone()
	b.checkHasMore()
	b.checkRefusals()
}

// checkNumbers checks that the tiles, charts and comparison show exactly
// the API's numbers for A.
func (b *browsing) checkNumbers(d pageData) {
	t := b.t
	rt := decode(t, b.f.get(t, teamURL(teamA, "realtime", nil), tokA))
	dash := decode(t, b.f.get(t, teamURL(teamA, "dashboard", url.Values{"days": {"30"}}), tokA))
	if at(t, rt["metrics"], "conversations.businessResponseCount") == 0 {
		t.Errorf("team %s has working hours but no business response time today: the business tile goes untested", teamA)
	}
	if diff := cmp.Diff(apiView(t, rt, dash), d.view(t)); diff != "" {
		t.Errorf("the page's numbers differ from the API's JSON for %s (-API +page):\n%s", teamA, diff)
	}
}

// checkHeatmap checks that the traffic grid has the 7 × 24 cells of the
// API's 30-day heatmap for A, Monday first, each with the API's counts
// (0 for an hour the API leaves out) and its messages as text, and takes
// a screenshot of it.
func (b *browsing) checkHeatmap(d pageData) {
	t := b.t
	var api struct {
		Traffic []struct {
			Weekday, Hour                    int
			Inbound, Outbound, Conversations int64
		} `json:"traffic"`
	}
	if err := json.Unmarshal(b.f.get(t, teamURL(teamA, "heatmap", url.Values{"days": {"30"}}), tokA), &api); err != nil {
		t.Fatal(err)
	}
	var want []heatCell
	for _, wd := range []int{1, 2, 3, 4, 5, 6, 0} {
		for h := range 24 {
			c := heatCell{Weekday: strconv.Itoa(wd), Hour: strconv.Itoa(h), Value: "0", Inbound: "0", Outbound: "0", Conversations: "0"}
			for _, x := range api.Traffic {
				if x.Weekday == wd && x.Hour == h {
					v := x.Inbound + x.Outbound
					c.Value, c.Inbound, c.Outbound = strconv.FormatInt(v, 10), strconv.FormatInt(x.Inbound, 10), strconv.FormatInt(x.Outbound, 10)
					c.Conversations = strconv.FormatInt(x.Conversations, 10)
					if v > 0 {
						c.Text = strconv.FormatInt(v, 10) // below 1000: no grouping
					}
				}
			}
			want = append(want, c)
		}
	}
	if len(api.Traffic) < 24 {
		t.Errorf("the API's heatmap for %s has %d cells; the check would prove little", teamA, len(api.Traffic))
	}
	if diff := cmp.Diff(want, d.Heatmap); diff != "" {
		t.Errorf("the page's heatmap differs from the API's for %s (-API +page):\n%s", teamA, diff)
	}
	steps(t, b.ctx, "scrolling to the heatmap", chromedp.Evaluate[chromedp.Void](`document.querySelector("#heat-h").scrollIntoView()`))
	saveScreenshot(t, b.ctx, b.dir, "heatmap-1280x800.png", false, 1280, 800)
	steps(t, b.ctx, "scrolling back", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
}

// apiPage returns the API's snapshot page for q, straight from the API.
func (b *browsing) apiPage(q url.Values) map[string]any {
	return decode(b.t, b.f.get(b.t, teamURL(teamA, "snapshots", q), tokA))
}

// checkRows checks that the snapshot table shows the API's page.
func (b *browsing) checkRows(what string, apiPage map[string]any, d pageData) {
	want, got := snapshotRows(b.t, apiPage, d)
	if len(want) == 0 || !cmp.Equal(want, got) {
		b.t.Errorf("%s (-API +page):\n%s", what, cmp.Diff(want, got))
	}
}

// checkSnapshots checks the first Daily page, up to yesterday, the next
// one, and the first Weekly page, chosen by keyboard (arrow keys move
// through the radio group). It takes the desktop screenshots.
func (b *browsing) checkSnapshots(d pageData) {
	t, ctx := b.t, b.ctx
	if d.SnapTo != yesterday.String() {
		t.Errorf("snapshots to %s, want yesterday %s", d.SnapTo, yesterday)
	}
	q := url.Values{"type": {"Daily"}, "from": {d.SnapFrom}, "to": {d.SnapTo}, "limit": {"10"}}
	page1 := b.apiPage(q)
	b.checkRows("snapshot page 1", page1, d)
	saveScreenshot(t, ctx, b.dir, "dashboard-1280x800.png", false, 1280, 800)
	saveScreenshot(t, ctx, b.dir, "dashboard-1280-full.png", true, 1280, 0)

	steps(t, ctx, "next snapshot page", chromedp.Click(chromedp.CSS("#next")),
		until(`document.querySelector("#page-info").textContent.startsWith("Page 2")`))
	q.Del("from")
	q.Set("cursor", page1["nextCursor"].(string))
	b.checkRows("snapshot page 2", b.apiPage(q), read(t, ctx))

	steps(t, ctx, "switching to Weekly", chromedp.Focus(chromedp.CSS("#type-daily")), chromedp.KeyEvent(kb.ArrowRight),
		until(`document.querySelector("#snap-caption").textContent.startsWith("Weekly")`))
	d = read(t, ctx)
	b.checkRows("weekly snapshots", b.apiPage(url.Values{"type": {"Weekly"}, "from": {d.SnapFrom}, "to": {d.SnapTo}, "limit": {"10"}}), d)
}

// reload loads the first snapshot page again and waits for it.
func (b *browsing) reload() pageData {
	steps(b.t, b.ctx, "loading the snapshots again",
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#page-info").textContent = ""`),
		chromedp.Click(chromedp.CSS("#snapform button")),
		until(`document.querySelector("#page-info").textContent.startsWith("Page 1")`))
	return read(b.t, b.ctx)
}

// checkHasMore checks the pages' walk when the next page is only in a
// Link header, and that hasMore: false ends it.
func (b *browsing) checkHasMore() {
	t, ctx := b.t, b.ctx
	defer b.paging.Store("")
	b.paging.Store("link")
	d := b.reload()
	q := url.Values{"type": {"Weekly"}, "from": {d.SnapFrom}, "to": {d.SnapTo}, "limit": {"10"}}
	page1 := b.apiPage(q)
	b.checkRows("weekly page 1, paged by Link", page1, d)
	steps(t, ctx, "next page by the Link header", chromedp.Click(chromedp.CSS("#next")),
		until(`document.querySelector("#page-info").textContent.startsWith("Page 2")`))
	q.Del("from")
	q.Set("cursor", page1["nextCursor"].(string))
	b.checkRows("weekly page 2, paged by Link", b.apiPage(q), read(t, ctx))

	b.paging.Store("ended")
	if d := b.reload(); d.PageInfo != "Page 1 (last)" {
		t.Errorf("with hasMore false the page says %q, want Page 1 (last)", d.PageInfo)
	}
	if dis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#next").disabled`)); err != nil || !dis {
		t.Errorf("with hasMore false, Next is enabled (%v)", err)
	}
}

// checkPhone checks that at phone width nothing overflows sideways (wide
// tables scroll in their own box), and takes the phone screenshots.
func (b *browsing) checkPhone() {
	t, ctx := b.t, b.ctx
	steps(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		until(`document.querySelector(".chart svg").viewBox.baseVal.width < 390`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#rt-h").scrollIntoView()`))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("at 390 px wide the page is %d px wide (%v)", w, err)
	}
	saveScreenshot(t, ctx, b.dir, "dashboard-390x844.png", false, 390, 844)
	saveScreenshot(t, ctx, b.dir, "dashboard-390-full.png", true, 390, 0)
	steps(t, ctx, "desktop viewport", chromedp.EmulateViewport(1280, 800), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
}

// checkRefusals checks A's token on team B (the API refuses it; the page
// says so and shows none of the numbers), then an unknown token and a
// rate-limited one.
func (b *browsing) checkRefusals() {
	t, ctx := b.t, b.ctx
	d := signIn(t, ctx, teamB, tokA)
	if d.State != "error" || d.ErrorStatus != "403" || !strings.Contains(d.Error, "may not read the team “"+teamB+"”") {
		t.Errorf("A's token on team B: state %q, status %q, message %q", d.State, d.ErrorStatus, d.Error)
	}
	if !d.DataHidden || len(d.Tiles)+len(d.Charts)+len(d.Comparison)+len(d.Snapshots)+len(d.Heatmap) != 0 {
		t.Errorf("A's token on team B: data hidden %v; still in the page: %d tiles, %d charts, %d comparison rows, %d snapshot rows, %d heatmap cells",
			d.DataHidden, len(d.Tiles), len(d.Charts), len(d.Comparison), len(d.Snapshots), len(d.Heatmap))
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/v1/teams/`+teamB+`/analytics/realtime",
		{headers: {Authorization: "Bearer " + sessionStorage.getItem("token")}}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("fetching B's real time with A's token from the page: status %d, %v; want 403", status, err)
	}
	saveScreenshot(t, ctx, b.dir, "forbidden-1280x800.png", false, 1280, 800)

	for _, c := range []struct{ token, status, says string }{
		{"not-a-token", "401", "The token was not accepted."},
		{limitedToken, "429", "Too many requests with this token. Try again in 7 seconds."},
	} {
		d = signIn(t, ctx, teamA, c.token)
		if d.ErrorStatus != c.status || !strings.Contains(d.Error, c.says) || !d.DataHidden {
			t.Errorf("token %q: status %q, message %q, data hidden %v; want %s saying %q", c.token, d.ErrorStatus, d.Error, d.DataHidden, c.status, c.says)
		}
	}
}
