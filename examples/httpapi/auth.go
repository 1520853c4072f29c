package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// principal is who a token belongs to.
type principal struct {
	admin bool
	team  string // for a team token
}

// The refusals of authenticate that challenge() words specially.
var (
	errInvalidToken = &apiError{http.StatusUnauthorized, "unauthenticated", "the token is not valid"}
	errTwoAuth      = &apiError{http.StatusBadRequest, "invalid_argument", "send one Authorization header, not several"}
)

// challenge returns the WWW-Authenticate header of an error response
// (RFC 6750 §3): the realm alone for a request without a bearer token,
// error="invalid_token" for an unknown one, error="invalid_request" for
// two Authorization headers; "" for other errors.
func challenge(ae *apiError) string {
	const realm = `Bearer realm="analytics"`
	switch {
	case ae == errInvalidToken:
		return realm + `, error="invalid_token"`
	case ae == errTwoAuth:
		return realm + `, error="invalid_request"`
	case ae.status == http.StatusUnauthorized:
		return realm
	}
	return ""
}

// admit authenticates r and takes a request from its rate limit: its
// token's, or its client address's when it has no valid token (so that
// guessing tokens is limited too). It sets the RateLimit-* headers of an
// authenticated request. When it refuses r, it has written the response
// and returns false.
func (a *api) admit(w http.ResponseWriter, r *http.Request) (principal, bool) {
	p, key, err := a.authenticate(r)
	if err != nil {
		if a.limit != nil {
			if v := a.limit.take(clientKey(r)); !v.ok {
				a.limit.delayRefusal(r.Context(), a.sleep)
				w.Header().Set("Retry-After", fmt.Sprint(max(1, ceilSeconds(v.retry))))
				a.fail(w, r, tooManyRequests(v))
				return principal{}, false
			}
		}
		a.fail(w, r, err)
		return principal{}, false
	}
	if a.limit != nil {
		v := a.limit.take(key)
		v.setHeaders(w.Header())
		if !v.ok {
			a.limit.delayRefusal(r.Context(), a.sleep)
			a.fail(w, r, tooManyRequests(v))
			return principal{}, false
		}
	}
	return p, true
}

func tooManyRequests(v verdict) error {
	return &apiError{http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("too many requests; retry after %d s", max(1, ceilSeconds(v.retry)))}
}

// authenticate reads the bearer token. It returns who holds it, and the
// key of its rate limit.
func (a *api) authenticate(r *http.Request) (principal, string, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) > 1 {
		// Which one a proxy or the application would read is ambiguous.
		return principal{}, "", errTwoAuth
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return principal{}, "", &apiError{http.StatusUnauthorized, "unauthenticated", "send Authorization: Bearer <token>"}
	}
	// Tokens are compared by their SHA-256, so that neither the map lookup
	// nor the comparison takes a time that depends on how much of a guess
	// matches a real token.
	sum := sha256.Sum256([]byte(tok))
	key := "token:" + string(sum[:])
	if a.admin != nil && subtle.ConstantTimeCompare(sum[:], a.admin[:]) == 1 {
		return principal{admin: true}, key, nil
	}
	if team, ok := a.teams[sum]; ok {
		return principal{team: team}, key, nil
	}
	return principal{}, "", errInvalidToken
}
