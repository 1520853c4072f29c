package analytics

import (
	"context"
	"time"
)

// CampaignFunnel is one campaign's funnel over its whole life: how many of
// the messages that carry its reference were sent, delivered, read, failed
// and replied to, beside the recipients the campaign row counts. See
// "Campaign funnels" in the package documentation for the exact
// definitions. Counts are never negative; rates are percentages 0–100
// rounded half away from zero to 2 decimals, 0 when their divisor is 0.
type CampaignFunnel struct {
	// CampaignID, TeamID, AccountID ("" for a campaign of no account),
	// Status and CreatedAt (UTC) are the campaign row's. Status is
	// "Running", "Completed" or "Failed" for the statuses a store maps to
	// those (see store/pgstore's CampaignsTable), else the stored value.
	CampaignID string    `json:"campaignId"`
	TeamID     string    `json:"teamId"`
	AccountID  string    `json:"accountId"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`

	// Recipients is the campaign row's total recipients, as the host
	// stores it (NULL or negative counts as 0).
	Recipients int64 `json:"recipients"`
	// Messages is the number of the team's messages that carry the
	// campaign's reference, whatever their status or direction.
	Messages int64 `json:"messages"`
	// Sent, Delivered, Read and Failed count those messages by status, as
	// MessageMetrics does: sent is sent, delivered or read; delivered is
	// delivered or read; read is read; failed is failed.
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Read      int64 `json:"read"`
	Failed    int64 `json:"failed"`
	// Replied counts those messages that are outbound and whose next
	// message in their conversation is inbound and arrives within the
	// reply window (the reply rule of MessageMetrics.Replied).
	Replied int64 `json:"replied"`

	// Derived by Derive: Delivered/Sent, Read/Delivered, Replied/Sent,
	// Failed/Messages, and CampaignScore of the four.
	DeliveryRate float64 `json:"deliveryRate"`
	ReadRate     float64 `json:"readRate"`
	ReplyRate    float64 `json:"replyRate"`
	FailureRate  float64 `json:"failureRate"`
	Score        float64 `json:"score"`
}

// Derive recomputes the rates and the score from the counts. Stores call
// it; call it after changing counts by hand. It never fails: a zero
// divisor gives a zero rate.
func (f *CampaignFunnel) Derive() {
	f.DeliveryRate = DeliveryRate(f.Delivered, f.Sent)
	f.ReadRate = ReadRate(f.Read, f.Delivered)
	f.ReplyRate = ReplyRate(f.Replied, f.Sent)
	f.FailureRate = FailureRate(f.Failed, f.Messages)
	f.Score = CampaignScore(CampaignRates{
		DeliveryRate: f.DeliveryRate, ReadRate: f.ReadRate, ReplyRate: f.ReplyRate, FailureRate: f.FailureRate,
	})
}

// CampaignReader is the Store role that computes campaign funnels from
// raw activity.
type CampaignReader interface {
	// CampaignFunnels returns the funnels of the campaigns of q.TeamID that
	// q selects, in byte order of their IDs, at most q.Limit of them. A
	// team with no campaigns, or an unknown team, gives an empty result,
	// not an error. Messages of other teams never count, even when they
	// carry the same campaign ID. An invalid q gives ErrInvalidArgument.
	// The result must equal store.ComputeCampaignFunnels over the same
	// activity.
	CampaignFunnels(ctx context.Context, q CampaignQuery) ([]CampaignFunnel, error)
}

// MaxCampaignPage is the largest CampaignQuery.Limit, and the largest page
// of Service.Campaigns.
const MaxCampaignPage = 1000

// CampaignQuery selects the campaigns of one team for CampaignFunnels. Its
// zero value is invalid: it names no team and no limit.
type CampaignQuery struct {
	// TeamID is the team whose campaigns are read; see ValidateID.
	TeamID string
	// CampaignIDs, when not empty, restricts the result to exactly these
	// campaigns of the team (IDs the team does not have are left out);
	// each must pass ValidateID. Empty: every campaign of the team.
	CampaignIDs []string
	// After, when not empty, keeps only the campaigns whose ID sorts after
	// it in byte order: pass the last ID of a page to get the next one.
	After string
	// Limit is the most campaigns returned, 1..MaxCampaignPage.
	Limit int
	// ReplyWindow is how soon an inbound message must follow a campaign
	// message to count as its reply. Defaults to DefaultReplyWindow when
	// zero; negative gives ErrInvalidArgument.
	ReplyWindow time.Duration
}

// Window returns ReplyWindow, or DefaultReplyWindow if it is zero.
func (q CampaignQuery) Window() time.Duration {
	if q.ReplyWindow == 0 {
		return DefaultReplyWindow
	}
	return q.ReplyWindow
}

// Validate checks the query's fields; errors name them, e.g.
// "CampaignQuery.CampaignIDs[2]".
func (q CampaignQuery) Validate() error {
	if err := ValidateID("CampaignQuery.TeamID", q.TeamID); err != nil {
		return err
	}
	for i, id := range q.CampaignIDs {
		if err := ValidateID(fmtIndex("CampaignQuery.CampaignIDs", i), id); err != nil {
			return err
		}
	}
	if q.After != "" {
		if err := ValidateID("CampaignQuery.After", q.After); err != nil {
			return err
		}
	}
	if q.Limit < 1 || q.Limit > MaxCampaignPage {
		return invalid("CampaignQuery.Limit", "%d is not in 1..%d", q.Limit, MaxCampaignPage)
	}
	if q.ReplyWindow < 0 {
		return invalid("CampaignQuery.ReplyWindow", "must not be negative, got %v", q.ReplyWindow)
	}
	return nil
}
