package store

import "time"

// Message statuses the metrics recognise. Hosts may store others (for
// example "pending" or "received"); those count towards Total only.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// Conversation statuses the metrics recognise; others count towards Total only.
const (
	ConversationOpen   = "open"
	ConversationClosed = "closed"
)

// Campaign statuses the metrics recognise; others count towards Total only.
const (
	CampaignRunning   = "Running"
	CampaignCompleted = "Completed"
	CampaignFailed    = "Failed"
)

// Message is one WhatsApp message as the host stores it.
type Message struct {
	ID             string
	TeamID         string
	AccountID      string // the WhatsApp account it went through; may be empty
	ConversationID string // empty: the message belongs to no conversation
	// Status is the delivery status, e.g. StatusRead.
	Status string
	// Inbound is true when the contact sent the message; every other sender
	// (an agent, a bot, a campaign) makes it outbound.
	Inbound   bool
	CreatedAt time.Time
	// CampaignID is the campaign the message was sent for; "" none. A
	// reference to a campaign the team does not have counts nowhere.
	CampaignID string
}

// Conversation is one thread between the business and a contact on one account.
type Conversation struct {
	ID        string
	TeamID    string
	AccountID string
	ContactID string
	Status    string // e.g. ConversationOpen
	CreatedAt time.Time
}

// Contact is one customer of a team.
type Contact struct {
	ID              string
	TeamID          string
	CreatedAt       time.Time
	Blocked         bool
	LastContactedAt time.Time // zero: never contacted
	// EngagementScore is the host's stored score, 0–100 (see
	// analytics.ContactEngagementScore). Metrics sum it in hundredths of a
	// point (ScoreCenti).
	EngagementScore float64
}

// Campaign is one broadcast campaign with the counters the host keeps on it.
type Campaign struct {
	ID                string
	TeamID            string
	AccountID         string
	Status            string // e.g. CampaignRunning
	TotalRecipients   int64
	MessagesSent      int64
	MessagesDelivered int64
	MessagesRead      int64
	CreatedAt         time.Time
}

// Activity is raw activity of one or more teams, the input of ComputeMetrics.
// Order within the slices does not matter.
type Activity struct {
	Messages      []Message
	Conversations []Conversation
	Contacts      []Contact
	Campaigns     []Campaign
}
