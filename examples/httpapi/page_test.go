package main

import (
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPageServed checks how the page and its files are served: "/" is
// the page with a strict Content-Security-Policy, /static/ serves the other
// embedded files with an ETag that gives 304, and every other path, the
// page under another name included, is still the API's JSON 404.
func TestPageServed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, c := range []struct {
		path, ctype string
	}{
		{"/", "text/html; charset=utf-8"},
		{"/static/app.js", "text/javascript; charset=utf-8"},
		{"/static/chart.js", "text/javascript; charset=utf-8"},
		{"/static/style.css", "text/css; charset=utf-8"},
		{"/static/icon.svg", "image/svg+xml"},
	} {
		status, h, body := f.do(t, http.MethodGet, c.path, "")
		if status != http.StatusOK || h.Get("Content-Type") != c.ctype || len(body) == 0 {
			t.Errorf("GET %s: %d, Content-Type %q, %d bytes; want 200, %q", c.path, status, h.Get("Content-Type"), len(body), c.ctype)
		}
		for k, v := range map[string]string{"Content-Security-Policy": pageCSP, "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"} {
			if h.Get(k) != v {
				t.Errorf("GET %s: %s %q, want %q", c.path, k, h.Get(k), v)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+c.path, nil)
		req.Header.Set("If-None-Match", h.Get("ETag"))
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h.Get("ETag") == "" || resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %q: %d, want 304", c.path, h.Get("ETag"), resp.StatusCode)
		}
	}
	if !strings.HasPrefix(pageCSP, "default-src 'self';") {
		t.Errorf("the CSP %q does not start with default-src 'self'", pageCSP)
	}

	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/static/index.html", http.StatusNotFound},
		{http.MethodGet, "/static/", http.StatusNotFound},
		{http.MethodGet, "/static/nope.js", http.StatusNotFound},
		{http.MethodGet, "/index.html", http.StatusNotFound},
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodPost, "/", http.StatusMethodNotAllowed},
		{http.MethodPost, "/static/app.js", http.StatusMethodNotAllowed},
	} {
		status, h, body := f.do(t, c.method, c.path, "")
		if status != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, status, c.status)
		}
		decodeError(t, h, body) // fails unless a JSON error
	}
}

// farURL finds URLs in the embedded files. The only one allowed is the SVG
// namespace, a name rather than something loaded.
var farURL = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`)

// TestPageSelfContained checks that nothing the page embeds names another
// host to load from, and that the page loads only its own files.
func TestPageSelfContained(t *testing.T) {
	if len(assets) < 5 {
		t.Fatalf("only %d embedded files", len(assets))
	}
	for name, a := range assets {
		for _, u := range farURL.FindAllString(string(a.body), -1) {
			if u != "http://www.w3.org/2000/svg" {
				t.Errorf("%s names %s", name, u)
			}
		}
	}
	index := string(assets["index.html"].body)
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"#]+)"`).FindAllStringSubmatch(index, -1) {
		if _, ok := assets[strings.TrimPrefix(m[1], "/static/")]; !ok || !strings.HasPrefix(m[1], "/static/") {
			t.Errorf("index.html loads %s, which is not an embedded file under /static/", m[1])
		}
	}
	if strings.Contains(index, "<script>") || strings.Contains(index, " style=") {
		t.Error("index.html has inline script or style, which the CSP blocks")
	}
}

// TestPageContrast checks the colour pairs of web/style.css against WCAG
// AA: 4.5:1 for text, 3:1 for the focus ring and the chart lines (graphics).
func TestPageContrast(t *testing.T) {
	css := string(assets["style.css"].body)
	vars := map[string]string{"white": "#ffffff"}
	for _, m := range regexp.MustCompile(`--([a-z]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(css, -1) {
		vars[m[1]] = m[2]
	}
	for _, c := range []struct {
		fg, bg string
		min    float64
	}{
		{"text", "bg", 4.5}, {"text", "card", 4.5}, {"muted", "bg", 4.5}, {"muted", "card", 4.5},
		{"blue", "card", 4.5}, {"white", "blue", 4.5}, {"red", "card", 4.5},
		{"amber", "bg", 3}, {"amber", "card", 3}, {"green", "card", 3},
	} {
		fg, bg := vars[c.fg], vars[c.bg]
		if fg == "" || bg == "" {
			t.Fatalf("style.css defines no --%s or --%s", c.fg, c.bg)
		}
		if r := contrast(fg, bg); r < c.min {
			t.Errorf("--%s %s on --%s %s: contrast %.2f:1, want at least %.1f:1", c.fg, fg, c.bg, bg, r, c.min)
		}
	}
}

// contrast returns the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var rgb [3]float64
		for i := range rgb {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			c := float64(v) / 255
			if c <= 0.04045 {
				rgb[i] = c / 12.92
			} else {
				rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}
