package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// The dashboard page: web/index.html at "/" and the other files of web/ at
// /static/<name>. The page is static; it reads the API from the browser
// with the token the user pastes (web/app.js), so the server renders no
// data into it and needs no session.
//
//go:embed web
var webFS embed.FS

// pageCSP is the Content-Security-Policy of every page response: scripts,
// styles, images and requests from this origin only, no inline script or
// style, no plugins, no framing, forms posted only here.
const pageCSP = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"

// asset is one embedded file of web/.
type asset struct {
	name string // its base name, for the Content-Type
	body []byte
	etag string // a strong ETag: the first 16 bytes of its SHA-256, quoted
}

// assets holds web/'s files by their name under web/ ("index.html",
// "app.js", ...). Read once at start: the files never change while the
// program runs.
var assets = loadAssets()

func loadAssets() map[string]asset {
	out := map[string]asset{}
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "web/")
		out[name] = asset{name: path.Base(p), body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic("httpapi: reading the embedded page: " + err.Error())
	}
	return out
}

// page serves the dashboard page, web/index.html, at exactly "/".
func (a *api) page(w http.ResponseWriter, r *http.Request) {
	a.serveAsset(w, r, "index.html")
}

// static serves /static/<name>: a file of web/ other than index.html, or
// a JSON 404.
func (a *api) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if name == "index.html" {
		name = "" // served at "/" only
	}
	a.serveAsset(w, r, name)
}

// serveAsset writes the embedded file name with its ETag (If-None-Match
// gives 304), "Cache-Control: no-cache" (the browser revalidates, so a new
// build is seen at once) and the page's security headers.
func (a *api) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := assets[name]
	if !ok {
		a.fail(w, r, &apiError{http.StatusNotFound, "not_found", "no such route"})
		return
	}
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(f.name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
