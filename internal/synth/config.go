package synth

import (
	"math"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Config describes a synthetic dataset. The zero Config is valid: every
// zero field takes the default its documentation states. Ratios and counts
// for which zero is a meaningful value take a negative value to mean "none"
// (zero), since zero already means "the default".
//
// Days are the teams' own local calendar days: team T's activity lies in
// [Start 00:00, Start+Days 00:00) read in T's time zone (daylight-saving days
// are 23 or 25 hours long), apart from contacts created before Start. All
// generated timestamps are UTC instants with whole milliseconds.
type Config struct {
	// Seed selects the dataset: the same Config (Seed included) gives the
	// same records, field for field and in the same order; another Seed gives
	// another dataset. Zero is a seed like any other. Defaults to 0.
	Seed uint64

	// Teams is the number of teams, with IDs "team-0001", "team-0002", …
	// (zero-padded to at least four digits, more for 10000 teams or more).
	// Defaults to 10.
	Teams int

	// AccountsPerTeam is the number of WhatsApp accounts of every team, with
	// IDs "<team>-acc-1", "<team>-acc-2", …. Defaults to 3.
	AccountsPerTeam int

	// Start is the first local calendar day of the data. Defaults to
	// 2026-03-02, a Monday, so that the default 14 days hold two ISO weeks
	// and the United States' 2026 change to daylight-saving time (March 8).
	Start analytics.Date

	// Days is the number of local calendar days of activity. Defaults to 14.
	Days int

	// MessagesPerDay is the number of messages per day across all teams.
	// It is shared between teams by their sizes (see TeamSizeSkew) with a
	// largest-remainder split, so every day's shares add up to it exactly,
	// and the dataset holds exactly MessagesPerDay × Days messages. A
	// message counts against the day its conversation started, so a
	// conversation may carry messages past local midnight into the next
	// day; none falls after the last day. Defaults to 200 × Teams.
	MessagesPerDay int

	// TeamSizeSkew is the standard deviation of the natural logarithm of the
	// teams' sizes: a team's share of the messages, contacts and campaigns
	// is proportional to exp(TeamSizeSkew × a standard normal draw). At the
	// default 1.0 the largest of 1000 teams gets about 15 times the mean
	// share. Negative means every team gets the same share. Defaults to 1.0.
	TeamSizeSkew float64

	// MessagesPerConversation is the mean number of messages in a
	// conversation; lengths are 1 plus a geometric draw, capped at four
	// times the mean. Conversations cut short by the end of the data or
	// by a team's daily share are shorter. Defaults to 8.
	MessagesPerConversation int

	// StatusMix is the distribution of the statuses of outbound messages.
	// Inbound messages get InboundRead ("read") when the business answered
	// them later in the conversation, and InboundReceived ("received")
	// otherwise. Defaults to DefaultStatusMix when zero.
	StatusMix StatusMix

	// ReplyRatio is the probability that the contact answers an outbound
	// run of messages (at any delay: answers later than the 24-hour reply
	// window do not count as replies in the metrics). When the contact does
	// not answer, the business follows up after a long pause. Negative
	// means never. Defaults to 0.6.
	ReplyRatio float64

	// AnswerRatio is the probability that the business answers an inbound
	// run of messages (at any delay); otherwise the contact writes again
	// after a long pause. Negative means never. Defaults to 0.9.
	AnswerRatio float64

	// NoConversationRatio is the fraction of messages that belong to no
	// conversation (empty ConversationID): broadcast and notification
	// messages, four in five of them outbound. Negative means none.
	// Defaults to 0.01.
	NoConversationRatio float64

	// NoAccountRatio is the fraction of messages whose AccountID is empty
	// although their conversation has an account. Negative means none.
	// Defaults to 0.005.
	NoAccountRatio float64

	// ContactsPerTeam is the mean number of contacts of a team; a team's
	// count is proportional to its size and at least 1. Of a team's
	// contacts, PreexistingContactRatio were created in the year before
	// Start and the rest during the data's days, spread evenly. Defaults to
	// 250.
	ContactsPerTeam int

	// PreexistingContactRatio is the fraction of each team's contacts
	// created before Start (at least one always is, so that the first
	// conversation has a contact). Negative means as few as possible.
	// Defaults to 0.6.
	PreexistingContactRatio float64

	// BlockedContactRatio is the fraction of contacts that are blocked.
	// Negative means none. Defaults to 0.03.
	BlockedContactRatio float64

	// CampaignsPerDay is the mean number of campaigns created per day across
	// all teams; each team-day gets a Poisson draw with mean in proportion
	// to the team's size, so the total is near, not exactly, this number.
	// Negative means none. Defaults to Teams / 2, at least 1.
	CampaignsPerDay float64

	// TimeZones are the IANA zones given to teams round robin: team i (from
	// 0) gets TimeZones[i % len(TimeZones)]. Defaults to DefaultTimeZones.
	TimeZones []string

	// BatchSize is the largest number of records of one kind passed to one
	// Sink call. Defaults to 8192.
	BatchSize int
}

// StatusMix gives the relative weights of the statuses of outbound
// messages. The weights need not add up to 1; each status gets its weight
// divided by their sum. Negative weights are invalid.
type StatusMix struct {
	Sent      float64 // store.StatusSent
	Delivered float64 // store.StatusDelivered
	Read      float64 // store.StatusRead
	Failed    float64 // store.StatusFailed
	Other     float64 // OtherStatus, a status the metrics count in Total only
}

// DefaultStatusMix is the StatusMix used when Config.StatusMix is zero:
// 10% sent, 25% delivered, 52% read, 5% failed, 8% pending.
var DefaultStatusMix = StatusMix{Sent: 0.10, Delivered: 0.25, Read: 0.52, Failed: 0.05, Other: 0.08}

// Statuses the generator writes besides the analytics.Status* constants.
const (
	// OtherStatus is the status of outbound messages drawn as
	// StatusMix.Other.
	OtherStatus = "pending"
	// InboundReceived is the status of an inbound message that no outbound
	// message followed in its conversation.
	InboundReceived = "received"
	// InboundRead is the status of an inbound message that an outbound
	// message followed in its conversation (the business saw it). It equals
	// store.StatusRead, so the metrics count it as read.
	InboundRead = store.StatusRead
	// ConversationPending is the status of conversations neither open nor
	// closed.
	ConversationPending = "pending"
	// CampaignDraft is the status of campaigns not yet sent.
	CampaignDraft = "Draft"
)

// DefaultTimeZones is the zone list used when Config.TimeZones is empty. It
// holds whole-hour, half-hour (Asia/Kolkata, +05:30; Australia/Adelaide,
// +09:30/+10:30) and extreme (Pacific/Kiritimati, +14) offsets, northern and
// southern daylight saving, and a zone that gave it up (America/Sao_Paulo).
var DefaultTimeZones = []string{
	"UTC",
	"America/New_York",
	"Europe/Berlin",
	"Asia/Kolkata",
	"Pacific/Kiritimati",
	"America/Sao_Paulo",
	"Australia/Adelaide",
}

// WithDefaults returns a copy of c with every zero field set to its
// default. A nil c gives every default. Negative values that mean "none"
// are kept, so WithDefaults is idempotent. It does not validate; Generate
// calls it and then checks the result.
func (c *Config) WithDefaults() *Config {
	var out Config
	if c != nil {
		out = *c
	}
	out.fillDefaults()
	return &out
}

// fillDefaults sets every zero field of c to its default.
func (c *Config) fillDefaults() {
	if c.Teams == 0 {
		c.Teams = 10
	}
	if c.AccountsPerTeam == 0 {
		c.AccountsPerTeam = 3
	}
	if c.Start.IsZero() {
		c.Start = analytics.NewDate(2026, time.March, 2)
	}
	if c.Days == 0 {
		c.Days = 14
	}
	if c.MessagesPerDay == 0 {
		c.MessagesPerDay = 200 * c.Teams
	}
	c.TeamSizeSkew = ratio(c.TeamSizeSkew, 1.0)
	if c.MessagesPerConversation == 0 {
		c.MessagesPerConversation = 8
	}
	if c.StatusMix == (StatusMix{}) {
		c.StatusMix = DefaultStatusMix
	}
	c.ReplyRatio = ratio(c.ReplyRatio, 0.6)
	c.AnswerRatio = ratio(c.AnswerRatio, 0.9)
	c.NoConversationRatio = ratio(c.NoConversationRatio, 0.01)
	c.NoAccountRatio = ratio(c.NoAccountRatio, 0.005)
	if c.ContactsPerTeam == 0 {
		c.ContactsPerTeam = 250
	}
	c.PreexistingContactRatio = ratio(c.PreexistingContactRatio, 0.6)
	c.BlockedContactRatio = ratio(c.BlockedContactRatio, 0.03)
	if c.CampaignsPerDay == 0 {
		c.CampaignsPerDay = math.Max(1, float64(c.Teams/2))
	}
	if len(c.TimeZones) == 0 {
		c.TimeZones = DefaultTimeZones
	}
	if c.BatchSize == 0 {
		c.BatchSize = 8192
	}
}

func ratio(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// nonNegative returns v, or 0 for a negative v ("none").
func nonNegative(v float64) float64 { return max(v, 0) }

// validate checks a Config that has its defaults. Errors are
// *analytics.FieldError, wrapping analytics.ErrInvalidArgument, naming
// the field as Config.Field.
func (c *Config) validate() error {
	counts := []struct {
		name string
		v    int
	}{
		{"Config.Teams", c.Teams},
		{"Config.AccountsPerTeam", c.AccountsPerTeam},
		{"Config.Days", c.Days},
		{"Config.MessagesPerDay", c.MessagesPerDay},
		{"Config.MessagesPerConversation", c.MessagesPerConversation},
		{"Config.ContactsPerTeam", c.ContactsPerTeam},
		{"Config.BatchSize", c.BatchSize},
	}
	for _, p := range counts {
		if p.v < 0 {
			return store.InvalidArgument(p.name, "must not be negative, got %d", p.v)
		}
	}
	if c.Teams > 999_999 {
		return store.InvalidArgument("Config.Teams", "at most 999999, got %d", c.Teams)
	}
	if _, err := analytics.PeriodForDate(analytics.Daily, c.Start, time.UTC); err != nil {
		return store.InvalidArgument("Config.Start", "%s is not a calendar date", c.Start)
	}
	if end := c.Start.AddDays(c.Days); end.Year > 9999 {
		return store.InvalidArgument("Config.Days", "%d days from %s pass year 9999", c.Days, c.Start)
	}
	probs := []struct {
		name string
		v    float64
	}{
		{"Config.ReplyRatio", c.ReplyRatio},
		{"Config.AnswerRatio", c.AnswerRatio},
		{"Config.NoConversationRatio", c.NoConversationRatio},
		{"Config.NoAccountRatio", c.NoAccountRatio},
		{"Config.PreexistingContactRatio", c.PreexistingContactRatio},
		{"Config.BlockedContactRatio", c.BlockedContactRatio},
	}
	for _, p := range probs {
		if !(p.v <= 1) || math.IsInf(p.v, -1) {
			return store.InvalidArgument(p.name, "must be at most 1 (negative: none), got %v", p.v)
		}
	}
	if math.IsNaN(c.TeamSizeSkew) || math.IsInf(c.TeamSizeSkew, 0) || c.TeamSizeSkew > 5 {
		return store.InvalidArgument("Config.TeamSizeSkew", "must be at most 5, got %v", c.TeamSizeSkew)
	}
	if math.IsNaN(c.CampaignsPerDay) || math.IsInf(c.CampaignsPerDay, 0) {
		return store.InvalidArgument("Config.CampaignsPerDay", "must be finite, got %v", c.CampaignsPerDay)
	}
	m := c.StatusMix
	for _, w := range []float64{m.Sent, m.Delivered, m.Read, m.Failed, m.Other} {
		if !(w >= 0) || math.IsInf(w, 0) {
			return store.InvalidArgument("Config.StatusMix", "weights must be finite and not negative, got %+v", m)
		}
	}
	for i, z := range c.TimeZones {
		if _, err := (analytics.Team{TimeZone: z}).Location(); err != nil {
			return store.InvalidArgument("Config.TimeZones", "[%d]: unknown time zone %q", i, z)
		}
	}
	return nil
}

// effective returns c (with defaults applied) with every negative "none"
// replaced by zero, the values the generator works with.
func (c Config) effective() Config {
	for _, p := range []*float64{
		&c.TeamSizeSkew, &c.ReplyRatio, &c.AnswerRatio, &c.NoConversationRatio, &c.NoAccountRatio,
		&c.PreexistingContactRatio, &c.BlockedContactRatio, &c.CampaignsPerDay,
	} {
		*p = nonNegative(*p)
	}
	return c
}
