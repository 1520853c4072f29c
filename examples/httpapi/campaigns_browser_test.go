package main

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// readCampaigns reads the campaigns table: per row, the campaign ID and
// its cells' data-value by data-path.
const readCampaigns = `[...document.querySelectorAll("#campaigns tbody tr[data-id]")].map(tr => ({id: tr.dataset.id,
  cells: Object.fromEntries([...tr.querySelectorAll("td")].map(td => [td.dataset.path, td.dataset.value]))}))`

type campaignRow struct {
	ID    string            `json:"id"`
	Cells map[string]string `json:"cells"`
}

// TestCampaignsInBrowser signs in to the dashboard page in headless
// Chromium and requires its campaigns table to show the API's first page
// of team A's campaign funnels, and the first two pages after "More
// campaigns".
func TestCampaignsInBrowser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := httptest.NewServer(f.srv.Config.Handler)
	t.Cleanup(srv.Close)
	ctx := browser(t)
	steps(t, ctx, "opening the page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin")))
	if d := signIn(t, ctx, teamA, tokA); d.State != "loaded" {
		t.Fatalf("after signing in: state %q, error %q", d.State, d.Error)
	}
	page, err := f.svc.Campaigns(context.Background(), teamA, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]campaignRow, len(page.Campaigns))
	for i, c := range page.Campaigns {
		num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		want[i] = campaignRow{ID: c.CampaignID, Cells: map[string]string{
			"status": c.Status, "recipients": num(float64(c.Recipients)), "sent": num(float64(c.Sent)),
			"delivered": num(float64(c.Delivered)), "read": num(float64(c.Read)), "replied": num(float64(c.Replied)),
			"failed": num(float64(c.Failed)), "deliveryRate": num(c.DeliveryRate), "readRate": num(c.ReadRate),
			"replyRate": num(c.ReplyRate), "score": num(c.Score),
		}}
	}
	if len(want) < 20 || page.Campaigns[0].Messages == 0 {
		t.Fatalf("team A has %d campaigns; the test needs 20 with messages", len(want))
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]campaignRow](readCampaigns))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[:10], got); d != "" {
		t.Errorf("the first page of campaigns (-API +page):\n%s", d)
	}
	steps(t, ctx, "showing more campaigns", chromedp.Click(chromedp.CSS("#camp-more")),
		until(`document.querySelectorAll("#campaigns tbody tr[data-id]").length >= 20`))
	got, err = chromedp.Run(ctx, chromedp.Evaluate[[]campaignRow](readCampaigns))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("two pages of campaigns (-API +page):\n%s", d)
	}
}
