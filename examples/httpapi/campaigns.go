package main

import (
	"errors"
	"net/http"

	"github.com/msgstats/analytics"
)

// defaultCampaignLimit is the default page length of the campaigns route.
const defaultCampaignLimit = 50

// campaignsResponse is the body of the campaigns route: a page of the
// team's campaign funnels in byte order of their IDs.
type campaignsResponse struct {
	TeamID    string                     `json:"teamId"`
	Campaigns []analytics.CampaignFunnel `json:"campaigns"`
	// HasMore says whether campaigns follow this page; then Next is the
	// after of the next page, and the Link header (rel="next") gives its
	// URL.
	HasMore bool   `json:"hasMore"`
	Next    string `json:"next,omitempty"`
}

// campaigns serves a page of the team's campaign funnels:
// ?after= (the Next of the previous page) and ?limit= (1..1000, 50 by
// default).
func (a *api) campaigns(r *http.Request, team string) (any, error) {
	q, err := query(r, "after", "limit")
	if err != nil {
		return nil, err
	}
	after := q["after"]
	if after != "" {
		if err := analytics.ValidateID("after", after); err != nil {
			return nil, badRequest("after: %s", reason(err))
		}
	}
	limit := defaultCampaignLimit
	if s, ok := q["limit"]; ok {
		if limit, err = intParam("limit", s, 1, analytics.MaxCampaignPage); err != nil {
			return nil, err
		}
	}
	page, err := a.svc.Campaigns(r.Context(), team, after, limit)
	if err != nil {
		return nil, err
	}
	return campaignsResponse{TeamID: team, Campaigns: page.Campaigns, HasMore: page.Next != "", Next: page.Next}, nil
}

// campaign serves one campaign's funnel; 404 for a campaign the team does
// not have.
func (a *api) campaign(r *http.Request, team string) (any, error) {
	if _, err := query(r); err != nil {
		return nil, err
	}
	id := r.PathValue("campaign")
	if err := analytics.ValidateID("campaign", id); err != nil {
		return nil, badRequest("campaign: %s", reason(err))
	}
	f, err := a.svc.Campaign(r.Context(), team, id)
	if errors.Is(err, analytics.ErrNotFound) {
		return nil, &apiError{http.StatusNotFound, "not_found", "no such campaign of the team"}
	}
	return f, err
}

// campaignsLink returns the Link header value of the page after r's: r's
// path and query with after set to next.
func campaignsLink(r *http.Request, next string) string {
	q := r.URL.Query()
	q.Set("after", next)
	return "<" + r.URL.EscapedPath() + "?" + q.Encode() + `>; rel="next"`
}
