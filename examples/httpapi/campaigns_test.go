package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/msgstats/analytics"
)

// TestCampaigns pages through a team's campaigns over HTTP, following the
// Link header, and requires the pages to hold what the Service gives, each
// campaign also served alone.
func TestCampaigns(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	want, err := f.svc.Campaigns(ctx, teamA, "", analytics.MaxCampaignPage)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Campaigns) < 10 || want.Campaigns[0].Messages == 0 {
		t.Fatalf("the team has %d campaigns (the first with %d messages); the test would prove little", len(want.Campaigns), want.Campaigns[0].Messages)
	}
	var got []analytics.CampaignFunnel
	path := teamURL(teamA, "campaigns", url.Values{"limit": {"7"}})
	for pages := 1; ; pages++ {
		status, h, body := f.do(t, http.MethodGet, path, tokA)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		var page campaignsResponse
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Campaigns) > 7 || page.TeamID != teamA {
			t.Fatalf("page %d: %d campaigns of team %q", pages, len(page.Campaigns), page.TeamID)
		}
		got = append(got, page.Campaigns...)
		link := h.Get("Link")
		if !page.HasMore {
			if link != "" || page.Next != "" {
				t.Errorf("the last page has Link %q, next %q", link, page.Next)
			}
			break
		}
		if pages > 100 {
			t.Fatal("no end to the pages")
		}
		path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		if !strings.Contains(path, "after="+url.QueryEscape(page.Next)) {
			t.Fatalf("Link %q does not carry after=%s", link, page.Next)
		}
	}
	if d := jsonDiff(t, mustJSON(t, got), want.Campaigns); d != "" {
		t.Errorf("the pages differ from Service.Campaigns (-want +got):\n%s", d)
	}
	one := want.Campaigns[3]
	body := f.get(t, teamURL(teamA, "campaigns/"+pathEscape(one.CampaignID), nil), tokA)
	if d := jsonDiff(t, body, one); d != "" {
		t.Errorf("one campaign (-want +got):\n%s", d)
	}
}

// TestCampaignsErrors checks the campaign routes' refusals.
func TestCampaignsErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	page, err := f.svc.Campaigns(context.Background(), teamB, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	ofB := page.Campaigns[0].CampaignID
	for _, c := range []struct {
		path, token string
		status      int
		code        string
	}{
		{teamURL(teamA, "campaigns", nil), "", http.StatusUnauthorized, "unauthenticated"},
		{teamURL(teamB, "campaigns", nil), tokA, http.StatusForbidden, "forbidden"},
		{teamURL(teamA, "campaigns", url.Values{"limit": {"0"}}), tokA, http.StatusBadRequest, "invalid_argument"},
		{teamURL(teamA, "campaigns", url.Values{"limit": {"1001"}}), tokA, http.StatusBadRequest, "invalid_argument"},
		{teamURL(teamA, "campaigns", url.Values{"cursor": {"x"}}), tokA, http.StatusBadRequest, "invalid_argument"},
		{teamURL(teamA, "campaigns", url.Values{"after": {strings.Repeat("x", 1025)}}), tokA, http.StatusBadRequest, "invalid_argument"},
		{teamURL(teamA, "campaigns/"+pathEscape(ofB), nil), tokA, http.StatusNotFound, "not_found"},
		{teamURL(teamA, "campaigns/no-such-campaign", nil), tokA, http.StatusNotFound, "not_found"},
		{teamURL("no-such-team", "campaigns", nil), tokAdm, http.StatusNotFound, "not_found"},
		{teamURL(teamA, "campaigns/"+pathEscape(ofB)+"?x=1", nil), tokA, http.StatusBadRequest, "invalid_argument"},
	} {
		status, h, body := f.do(t, http.MethodGet, c.path, c.token)
		if status != c.status {
			t.Errorf("GET %s: status %d, want %d; body %s", c.path, status, c.status, body)
			continue
		}
		if e := decodeError(t, h, body); e.Code != c.code {
			t.Errorf("GET %s: code %q, want %q", c.path, e.Code, c.code)
		}
	}
	status, _, body := f.do(t, http.MethodPost, teamURL(teamA, "campaigns", nil), tokA)
	if status != http.StatusMethodNotAllowed {
		t.Errorf("POST campaigns: %d %s", status, body)
	}
}
