package main

import (
	"net/http"
	"path"
)

// canonical answers a request whose path ServeMux would redirect to a
// cleaned one (an empty, "." or ".." segment: "//", "/./", "/../") with a
// JSON 404 instead of the mux's 307 with an HTML body, and a CONNECT with
// a JSON 405; it hands every other request to next.
func (a *api) canonical(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			w.Header().Set("Allow", "GET, HEAD, POST")
			a.fail(w, r, &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "CONNECT is not allowed"})
			return
		}
		if p := r.URL.EscapedPath(); cleanPath(p) != p {
			a.fail(w, r, &apiError{http.StatusNotFound, "not_found",
				`no such route: the path has an empty, "." or ".." segment (send the team IDs "." and ".." as %2E and %2E%2E)`})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath returns the canonical form of an escaped URL path, as ServeMux
// computes it before it routes: rooted, with "." and ".." segments
// resolved and empty ones dropped, a trailing slash kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}
