package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// teamSpec is one generated team: its name, its IANA zone ("" stores NULL,
// which the SDK reads as UTC) and its conversations per day.
type teamSpec struct {
	name, zone string
	perDay     int
}

// teamSpecs are the example's teams: one west of UTC with daylight saving,
// one at an odd offset (+05:45, no daylight saving), one in Europe, and one
// whose timezone column is NULL.
var teamSpecs = []teamSpec{
	{"Harbor Coffee", "America/New_York", 40},
	{"Himalaya Treks", "Asia/Kathmandu", 25},
	{"Spree Bikes", "Europe/Berlin", 30},
	{"Atlas Support", "", 15},
}

// Rows of the Prisma tables, as the program inserts them.
type (
	teamRow struct {
		id, name string
		timezone *string
		created  time.Time
	}
	accountRow struct {
		id, teamID, phoneNumberID, displayName string
		created                                time.Time
	}
	contactRow struct {
		id, teamID, phone, name string
		blocked                 bool
		score                   float64
		lastContacted           *time.Time
		created                 time.Time
	}
	conversationRow struct {
		id, teamID, accountID, contactID, status string
		created, updated                         time.Time
	}
	messageRow struct {
		id, teamID, accountID string
		conversationID        *string
		senderType, status    string
		content, waMessageID  *string
		campaignID            *string
		created               time.Time
	}
	campaignRow struct {
		id, teamID, accountID, name, status string
		recipients, sent, delivered, read   int32
		scheduled                           *time.Time
		created                             time.Time
	}
)

// dataset is everything the program loads.
type dataset struct {
	teams         []teamRow
	accounts      []accountRow
	contacts      []contactRow
	conversations []conversationRow
	messages      []messageRow
	campaigns     []campaignRow
}

// generator draws the dataset from a seeded PCG: the same seed, start and
// now give the same rows, IDs included.
type generator struct {
	rng   *rand.Rand
	start time.Time // UTC midnight of the first day
	now   time.Time
	ds    dataset
}

// generate returns the activity of teamSpecs from start (a UTC midnight) up
// to now; nothing is dated after now.
func generate(seed uint64, start, now time.Time) dataset {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), start: start, now: now}
	for i, spec := range teamSpecs {
		g.team(i, spec)
	}
	tagCampaignMessages(&g.ds)
	return g.ds
}

// campaignSendWindow is how long after its scheduled time a campaign's
// account sends for it.
const campaignSendWindow = 6 * time.Hour

// tagCampaignMessages gives the campaign references: each campaign that
// was sent (RUNNING, COMPLETED or FAILED) claims the outbound messages of
// its account created in [scheduledAt, scheduledAt+campaignSendWindow)
// that no earlier campaign (in dataset order) claimed. Broadcasts (no
// conversation) and agents' replies alike, so some are replied to. It
// draws nothing from the generator: the other rows stay as they are.
func tagCampaignMessages(ds *dataset) {
	for _, c := range ds.campaigns {
		if c.scheduled == nil || c.status == "DRAFT" || c.status == "SCHEDULED" {
			continue
		}
		lo, hi := *c.scheduled, c.scheduled.Add(campaignSendWindow)
		for i := range ds.messages {
			m := &ds.messages[i]
			if m.accountID == c.accountID && m.senderType != "CONTACT" && m.campaignID == nil &&
				!m.created.Before(lo) && m.created.Before(hi) {
				m.campaignID = ptr(c.id)
			}
		}
	}
}

// uuid returns a random (version 4) UUID from the generator's stream, as
// Prisma's @default(uuid()) makes them.
func (g *generator) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// pick returns one of values, drawn with the given weights.
func (g *generator) pick(values []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := g.rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return values[i]
		}
		n -= w
	}
	return values[len(values)-1]
}

// delay returns an exponentially distributed delay of the given mean,
// at least one second.
func (g *generator) delay(mean time.Duration) time.Duration {
	d := time.Duration(g.rng.ExpFloat64() * float64(mean))
	return max(d, time.Second).Truncate(time.Millisecond)
}

// at returns a random millisecond instant of the UTC day that starts at day.
func (g *generator) at(day time.Time) time.Time {
	return day.Add(time.Duration(g.rng.Int64N(int64(24 * time.Hour))).Truncate(time.Millisecond))
}

func ptr[T any](v T) *T { return &v }

var (
	outStatuses  = []string{"PENDING", "SENT", "DELIVERED", "READ", "FAILED"}
	outWeights   = []int{3, 12, 25, 52, 8}
	inStatuses   = []string{"DELIVERED", "READ"}
	inWeights    = []int{25, 75}
	agentSenders = []string{"AGENT", "BOT"}
	agentWeights = []int{70, 30}
	inTexts      = []string{"Hi, is this open today?", "Where is my order?", "Thanks!", "Can I change my booking?", "How much is it?"}
	outTexts     = []string{"Hello! How can we help?", "It ships tomorrow.", "You're welcome!", "Done, see you then.", "It's 25 EUR."}
)

func (g *generator) team(i int, spec teamSpec) {
	t := teamRow{id: g.uuid(), name: spec.name, created: g.start.AddDate(0, -6, 0)}
	if spec.zone != "" {
		t.timezone = ptr(spec.zone)
	}
	g.ds.teams = append(g.ds.teams, t)

	accounts := make([]string, 2)
	for a := range accounts {
		accounts[a] = g.uuid()
		g.ds.accounts = append(g.ds.accounts, accountRow{
			id: accounts[a], teamID: t.id, phoneNumberID: fmt.Sprintf("10%02d%02d%08d", i, a, g.rng.IntN(1e8)),
			displayName: fmt.Sprintf("%s %d", spec.name, a+1), created: t.created,
		})
	}

	// Contacts: most joined before the data starts, the rest during it.
	span := g.now.Sub(g.start)
	first := len(g.ds.contacts)
	for c := range 6 * spec.perDay {
		created := g.start.Add(-time.Duration(g.rng.Int64N(int64(60 * 24 * time.Hour))))
		if c >= 4*spec.perDay {
			created = g.start.Add(time.Duration(g.rng.Int64N(int64(span))))
		}
		g.ds.contacts = append(g.ds.contacts, contactRow{
			id: g.uuid(), teamID: t.id, phone: fmt.Sprintf("+1555%02d%05d", i, c), name: fmt.Sprintf("Contact %d", c+1),
			blocked: g.chance(0.04), score: math.Round(g.rng.Float64()*10000) / 100,
			created: created.Truncate(time.Millisecond),
		})
	}
	contacts := g.ds.contacts[first:]

	for day := g.start; day.Before(g.now); day = day.AddDate(0, 0, 1) {
		n := spec.perDay/2 + g.rng.IntN(spec.perDay+1)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			n = n * 3 / 5
		}
		for range n {
			g.conversation(t.id, accounts, contacts, g.at(day))
		}
		// Broadcasts: outbound messages outside any conversation.
		for range g.rng.IntN(4) {
			if at := g.at(day); !at.After(g.now) {
				g.message(t.id, accounts[g.rng.IntN(2)], nil, "SYSTEM", g.pick(outStatuses, outWeights), at)
			}
		}
		if g.chance(0.25) {
			g.campaign(t.id, accounts[g.rng.IntN(2)], g.at(day))
		}
	}
}

// conversation adds a conversation opened by an inbound message at t0, with
// its exchange of replies; nothing after now.
func (g *generator) conversation(teamID string, accounts []string, contacts []contactRow, t0 time.Time) {
	if t0.After(g.now) {
		return
	}
	var contact *contactRow
	for range 8 {
		if c := &contacts[g.rng.IntN(len(contacts))]; !c.created.After(t0) {
			contact = c
			break
		}
	}
	if contact == nil {
		contact = &contacts[0]
		for i := range contacts {
			if contacts[i].created.Before(contact.created) {
				contact = &contacts[i]
			}
		}
		if contact.created.After(t0) {
			return
		}
	}
	account := accounts[g.rng.IntN(len(accounts))]
	id := g.uuid()
	cv := conversationRow{id: id, teamID: teamID, accountID: account, contactID: contact.id, created: t0}

	at := t0
	g.message(teamID, account, &id, "CONTACT", g.pick(inStatuses, inWeights), at)
	for range 1 + g.rng.IntN(3) {
		// A reply, usually within minutes, sometimes after the 24 h window.
		wait := g.delay(20 * time.Minute)
		if g.chance(0.08) {
			wait = 20*time.Hour + g.delay(6*time.Hour)
		}
		if at = at.Add(wait); at.After(g.now) {
			break
		}
		g.message(teamID, account, &id, g.pick(agentSenders, agentWeights), g.pick(outStatuses, outWeights), at)
		if !g.chance(0.6) {
			break
		}
		if at = at.Add(g.delay(12 * time.Minute)); at.After(g.now) {
			break
		}
		g.message(teamID, account, &id, "CONTACT", g.pick(inStatuses, inWeights), at)
	}
	if contact.lastContacted == nil || at.After(*contact.lastContacted) {
		contact.lastContacted = ptr(at)
	}
	cv.updated = at
	switch age := g.now.Sub(t0); {
	case age > 72*time.Hour:
		cv.status = g.pick([]string{"OPEN", "PENDING", "CLOSED"}, []int{10, 5, 85})
	default:
		cv.status = g.pick([]string{"OPEN", "PENDING", "CLOSED"}, []int{50, 20, 30})
	}
	g.ds.conversations = append(g.ds.conversations, cv)
}

func (g *generator) message(teamID, accountID string, conversationID *string, sender, status string, at time.Time) {
	m := messageRow{id: g.uuid(), teamID: teamID, accountID: accountID, conversationID: conversationID,
		senderType: sender, status: status, created: at}
	if sender == "CONTACT" {
		m.content = ptr(inTexts[g.rng.IntN(len(inTexts))])
	} else {
		m.content = ptr(outTexts[g.rng.IntN(len(outTexts))])
	}
	if status != "PENDING" {
		m.waMessageID = ptr(fmt.Sprintf("wamid.%016x%08x", g.rng.Uint64(), g.rng.Uint32()))
	}
	g.ds.messages = append(g.ds.messages, m)
}

func (g *generator) campaign(teamID, accountID string, at time.Time) {
	if at.After(g.now) {
		return
	}
	c := campaignRow{id: g.uuid(), teamID: teamID, accountID: accountID, created: at,
		name: fmt.Sprintf("Campaign %s", at.Format("Jan 2"))}
	if g.now.Sub(at) > 48*time.Hour {
		c.status = g.pick([]string{"DRAFT", "SCHEDULED", "COMPLETED", "FAILED"}, []int{10, 5, 75, 10})
	} else {
		c.status = g.pick([]string{"DRAFT", "SCHEDULED", "RUNNING"}, []int{20, 30, 50})
	}
	if c.status != "DRAFT" {
		c.scheduled = ptr(at.Add(time.Hour))
		c.recipients = int32(50 + g.rng.IntN(450))
	}
	if c.status == "RUNNING" || c.status == "COMPLETED" || c.status == "FAILED" {
		frac := 0.9 + 0.1*g.rng.Float64()
		if c.status == "FAILED" {
			frac = 0.2 * g.rng.Float64()
		}
		c.sent = int32(float64(c.recipients) * frac)
		c.delivered = int32(float64(c.sent) * (0.85 + 0.14*g.rng.Float64()))
		c.read = int32(float64(c.delivered) * (0.5 + 0.4*g.rng.Float64()))
	}
	g.ds.campaigns = append(g.ds.campaigns, c)
}

// load inserts the dataset into the Prisma tables of the connection's
// search_path, one INSERT … SELECT FROM unnest(…) per table, in one
// transaction. Enum columns take text arrays cast to the enum's array type.
func load(ctx context.Context, conn *pgx.Conn, ds dataset) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	for _, insert := range []func(context.Context, pgx.Tx, dataset) error{
		insertTeams, insertAccounts, insertContacts, insertConversations, insertCampaigns, insertMessages,
	} {
		if err := insert(ctx, tx, ds); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

func insertTeams(ctx context.Context, tx pgx.Tx, ds dataset) error {
	var (
		id, name []string
		zone     []*string
		created  []time.Time
	)
	for _, t := range ds.teams {
		id, name, zone, created = append(id, t.id), append(name, t.name), append(zone, t.timezone), append(created, t.created)
	}
	_, err := tx.Exec(ctx, `INSERT INTO "Team" ("id", "name", "timezone", "createdAt", "updatedAt")
		SELECT id, name, tz, created, created FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp(3)[]) AS u(id, name, tz, created)`,
		id, name, zone, created)
	return err
}

func insertAccounts(ctx context.Context, tx pgx.Tx, ds dataset) error {
	var (
		id, team, phone, name []string
		created               []time.Time
	)
	for _, a := range ds.accounts {
		id, team, phone = append(id, a.id), append(team, a.teamID), append(phone, a.phoneNumberID)
		name, created = append(name, a.displayName), append(created, a.created)
	}
	_, err := tx.Exec(ctx, `INSERT INTO "WhatsappAccount" ("id", "teamId", "phoneNumberId", "displayName", "createdAt")
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamp(3)[])`,
		id, team, phone, name, created)
	return err
}

func insertContacts(ctx context.Context, tx pgx.Tx, ds dataset) error {
	var (
		id, team, phone, name []string
		blocked               []bool
		score                 []float64
		last                  []*time.Time
		created               []time.Time
	)
	for _, c := range ds.contacts {
		id, team, phone, name = append(id, c.id), append(team, c.teamID), append(phone, c.phone), append(name, c.name)
		blocked, score, last, created = append(blocked, c.blocked), append(score, c.score), append(last, c.lastContacted), append(created, c.created)
	}
	_, err := tx.Exec(ctx, `INSERT INTO "Contact" ("id", "teamId", "phoneNumber", "name", "isBlocked", "engagementScore", "lastContactedAt", "createdAt")
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::float8[], $7::timestamp(3)[], $8::timestamp(3)[])`,
		id, team, phone, name, blocked, score, last, created)
	return err
}

func insertConversations(ctx context.Context, tx pgx.Tx, ds dataset) error {
	var (
		id, team, account, contact []string
		status                     []string
		created, updated           []time.Time
	)
	for _, c := range ds.conversations {
		id, team, account, contact = append(id, c.id), append(team, c.teamID), append(account, c.accountID), append(contact, c.contactID)
		status, created, updated = append(status, c.status), append(created, c.created), append(updated, c.updated)
	}
	_, err := tx.Exec(ctx, `INSERT INTO "Conversation" ("id", "teamId", "whatsappAccountId", "contactId", "status", "createdAt", "updatedAt")
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]::"ConversationStatus"[], $6::timestamp(3)[], $7::timestamp(3)[])`,
		id, team, account, contact, status, created, updated)
	return err
}

func insertMessages(ctx context.Context, tx pgx.Tx, ds dataset) error {
	var (
		id, team, account []string
		conv              []*string
		sender, status    []string
		content, wa, camp []*string
		created           []time.Time
	)
	for _, m := range ds.messages {
		id, team, account, conv = append(id, m.id), append(team, m.teamID), append(account, m.accountID), append(conv, m.conversationID)
		sender, status, content = append(sender, m.senderType), append(status, m.status), append(content, m.content)
		wa, camp, created = append(wa, m.waMessageID), append(camp, m.campaignID), append(created, m.created)
	}
	_, err := tx.Exec(ctx, `INSERT INTO "Message" ("id", "teamId", "whatsappAccountId", "conversationId", "senderType", "status", "content", "waMessageId", "campaignId", "createdAt")
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]::"SenderType"[], $6::text[]::"MessageStatus"[], $7::text[], $8::text[], $9::text[], $10::timestamp(3)[])`,
		id, team, account, conv, sender, status, content, wa, camp, created)
	return err
}

func insertCampaigns(ctx context.Context, tx pgx.Tx, ds dataset) error {
	var (
		id, team, account []string
		name, status      []string
		recipients, sent  []int32
		delivered, read   []int32
		scheduled         []*time.Time
		created           []time.Time
	)
	for _, c := range ds.campaigns {
		id, team, account, name, status = append(id, c.id), append(team, c.teamID), append(account, c.accountID), append(name, c.name), append(status, c.status)
		recipients, sent, delivered, read = append(recipients, c.recipients), append(sent, c.sent), append(delivered, c.delivered), append(read, c.read)
		scheduled, created = append(scheduled, c.scheduled), append(created, c.created)
	}
	_, err := tx.Exec(ctx, `INSERT INTO "Campaign" ("id", "teamId", "whatsappAccountId", "name", "status", "totalRecipients", "messagesSent", "messagesDelivered", "messagesRead", "scheduledAt", "createdAt")
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]::"CampaignStatus"[], $6::int[], $7::int[], $8::int[], $9::int[], $10::timestamp(3)[], $11::timestamp(3)[])`,
		id, team, account, name, status, recipients, sent, delivered, read, scheduled, created)
	return err
}
