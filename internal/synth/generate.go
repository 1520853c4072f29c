package synth

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Sink receives a generated dataset in batches of at most Config.BatchSize
// records. Generate first passes every team (Teams calls, in ID order), then
// the other kinds team after team, their batches interleaved in no promised
// order (a batch may hold records of several teams; a conversation may come
// after some of its messages). The slices belong to the generator and are
// reused once the call returns: a Sink copies the records it keeps (the
// strings in them may be kept). A non-nil error stops Generate, which
// returns it.
type Sink interface {
	// Teams receives teams, each with its AccountIDs sorted.
	Teams([]analytics.Team) error
	// Contacts receives contacts.
	Contacts([]store.Contact) error
	// Conversations receives conversations.
	Conversations([]store.Conversation) error
	// Messages receives messages.
	Messages([]store.Message) error
	// Campaigns receives campaigns.
	Campaigns([]store.Campaign) error
}

// Generate streams the dataset cfg describes into sink. Its memory use is
// bounded by the batch size and one team's contacts, not by the size of the
// dataset. An invalid cfg gives an error wrapping
// analytics.ErrInvalidArgument that names the field.
//
// The data follow the flow of real conversations. Each team-day's share of
// messages (Config.MessagesPerDay) is spent on conversations started at
// times of day drawn mostly from local business hours, each with one of the
// team's contacts (one created by then, usually on the contact's usual
// account). A conversation alternates runs of inbound and outbound messages
// (seconds to a minute and a half apart within a run); the business answers
// a customer turn (Config.AnswerRatio) after 2 s to 40 h, log-uniformly,
// and the contact answers an outbound run (Config.ReplyRatio) after 5 s to
// 48 h, so that some answers fall outside the 24-hour window; unanswered
// runs are followed up after 1 to 72 hours. Conversations that run past
// local midnight carry on into the next day; none goes past the last day.
// Outbound messages of no conversation, and the first message of a
// conversation the business opens, carry the reference of one of the
// team's campaigns generated before them (see campaignRef), which leaves
// every other field of the dataset as it would be without references.
func Generate(cfg Config, sink Sink) error {
	cfg = *cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	g := newGenerator(cfg, sink)
	for i := 0; i < len(g.teams); i += cfg.BatchSize {
		if err := sink.Teams(g.teams[i:min(i+cfg.BatchSize, len(g.teams))]); err != nil {
			return err
		}
	}
	for i := range g.teams {
		if err := g.genTeam(i); err != nil {
			return err
		}
	}
	g.flushConversations()
	g.flushMessages()
	g.flushCampaigns()
	g.flushContacts()
	return g.err
}

// Teams returns the teams cfg describes, as Generate passes them to
// Sink.Teams: IDs in order, time zones round robin, AccountIDs sorted.
func Teams(cfg Config) ([]analytics.Team, error) {
	cfg = *cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return makeTeams(cfg), nil
}

// Build generates the whole dataset cfg describes in memory, for tests and
// small datasets. The records are in the order Generate produces them.
func Build(cfg Config) ([]analytics.Team, store.Activity, error) {
	var c collector
	if err := Generate(cfg, &c); err != nil {
		return nil, store.Activity{}, err
	}
	return c.teams, c.a, nil
}

// collector is the Sink of Build.
type collector struct {
	teams []analytics.Team
	a     store.Activity
}

func (c *collector) Teams(t []analytics.Team) error {
	c.teams = append(c.teams, t...)
	return nil
}

func (c *collector) Contacts(x []store.Contact) error {
	c.a.Contacts = append(c.a.Contacts, x...)
	return nil
}

func (c *collector) Conversations(x []store.Conversation) error {
	c.a.Conversations = append(c.a.Conversations, x...)
	return nil
}

func (c *collector) Messages(x []store.Message) error {
	c.a.Messages = append(c.a.Messages, x...)
	return nil
}

func (c *collector) Campaigns(x []store.Campaign) error {
	c.a.Campaigns = append(c.a.Campaigns, x...)
	return nil
}

// SenderType returns the messages.sender_type LoadPostgres writes for m:
// InboundSenderType ("contact") for inbound messages, "campaign" for
// outbound messages with no conversation, and for the other outbound
// messages "bot" for about one in four (chosen by a hash of the ID, so it is
// stable) and "agent" for the rest.
func SenderType(m store.Message) string {
	switch {
	case m.Inbound:
		return InboundSenderType
	case m.ConversationID == "":
		return "campaign"
	}
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(m.ID); i++ {
		h = (h ^ uint32(m.ID[i])) * 16777619
	}
	if h%4 == 0 {
		return "bot"
	}
	return "agent"
}

const (
	second = int64(1000)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
)

// generator holds the state of one Generate call.
type generator struct {
	cfg   Config
	sink  Sink
	err   error      // first Sink error; once set nothing more is passed
	mix   [4]float64 // cumulative StatusMix thresholds of sent, delivered, read, failed
	teams []analytics.Team
	size  []float64 // each team's size factor, mean 1
	quota []int     // each team's messages per day
	rate  []float64 // each team's mean campaigns per day

	msgs   []store.Message
	arena  []byte  // the IDs of msgs, back to back
	ends   []int32 // where each message's ID ends in arena
	convs  []store.Conversation
	camps  []store.Campaign
	cts    []store.Contact
	idbuf  []byte
	drafts []draft

	// The team being generated.
	r          *rng
	team       analytics.Team
	loc        *time.Location
	rangeStart int64 // first instant of the first day, Unix ms
	rangeEnd   int64 // end of the last day, Unix ms
	nextMsg    int64
	nextConv   int64
	nextCamp   int64
	ct         contacts
}

// draft is a message of the conversation being generated.
type draft struct {
	at      int64 // Unix ms
	inbound bool
	status  string
}

// contacts is the team's contacts, sorted by creation time.
type contacts struct {
	created []int64 // Unix ms, ascending
	last    []int64 // last contacted, Unix ms; noTime if never
	home    []int   // index of the usual account in team.AccountIDs
	blocked []bool
	score   []float64
}

const noTime = math.MinInt64

func newGenerator(cfg Config, sink Sink) *generator {
	g := &generator{
		cfg:   cfg.effective(),
		sink:  sink,
		teams: makeTeams(cfg),
		msgs:  make([]store.Message, 0, cfg.BatchSize),
		ends:  make([]int32, 0, cfg.BatchSize),
	}
	m := cfg.StatusMix
	total := m.Sent + m.Delivered + m.Read + m.Failed + m.Other // > 0: the zero mix took its default
	acc := 0.0
	for i, w := range []float64{m.Sent, m.Delivered, m.Read, m.Failed} {
		acc += w / total
		g.mix[i] = acc
	}

	// Team sizes: log-normal factors normalised to mean 1.
	r := newRNG(cfg.Seed, math.MaxUint64)
	n := cfg.Teams
	g.size = make([]float64, n)
	sum := 0.0
	for i := range g.size {
		g.size[i] = math.Exp(cfg.TeamSizeSkew * r.normal())
		sum += g.size[i]
	}
	for i := range g.size {
		g.size[i] *= float64(n) / sum
	}

	// Largest-remainder split of MessagesPerDay.
	g.quota = make([]int, n)
	rem := make([]float64, n)
	given := 0
	for i, s := range g.size {
		exact := float64(cfg.MessagesPerDay) * s / float64(n)
		g.quota[i] = int(exact)
		rem[i] = exact - float64(g.quota[i])
		given += g.quota[i]
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < cfg.MessagesPerDay; k++ {
		g.quota[order[k%n]]++
		given++
	}

	g.rate = make([]float64, n)
	for i, s := range g.size {
		g.rate[i] = cfg.CampaignsPerDay * s / float64(n)
	}
	return g
}

func makeTeams(cfg Config) []analytics.Team {
	width := max(4, len(strconv.Itoa(cfg.Teams)))
	teams := make([]analytics.Team, cfg.Teams)
	for i := range teams {
		num := strconv.Itoa(i + 1)
		for len(num) < width {
			num = "0" + num
		}
		id := "team-" + num
		accounts := make([]string, cfg.AccountsPerTeam)
		for a := range accounts {
			accounts[a] = id + "-acc-" + strconv.Itoa(a+1)
		}
		slices.Sort(accounts)
		teams[i] = analytics.Team{ID: id, TimeZone: cfg.TimeZones[i%len(cfg.TimeZones)], AccountIDs: accounts}
	}
	return teams
}

// genTeam generates team i's records.
func (g *generator) genTeam(i int) error {
	g.team = g.teams[i]
	g.r = newRNG(g.cfg.Seed, uint64(i))
	g.nextMsg, g.nextConv, g.nextCamp = 0, 0, 0
	loc, err := g.team.Location()
	if err != nil {
		return err // validate loaded every zone already
	}
	g.loc = loc
	g.rangeStart = g.cfg.Start.In(loc).UnixMilli()
	g.rangeEnd = g.rangeStart
	for d := range g.cfg.Days {
		if p, err := analytics.PeriodForDate(analytics.Daily, g.cfg.Start.AddDays(d), loc); err == nil {
			if d == 0 {
				g.rangeStart = p.Start.UnixMilli()
			}
			g.rangeEnd = p.End.UnixMilli()
		}
	}
	g.makeContacts(i)
	for d := range g.cfg.Days {
		p, err := analytics.PeriodForDate(analytics.Daily, g.cfg.Start.AddDays(d), loc)
		if err != nil {
			continue // the zone skipped this whole day
		}
		g.day(i, p.Start.UnixMilli(), p.End.UnixMilli())
		if g.err != nil {
			return g.err
		}
	}
	g.emitContacts()
	return g.err
}

func (g *generator) makeContacts(i int) {
	r, cfg := g.r, g.cfg
	n := max(1, int(math.Round(float64(cfg.ContactsPerTeam)*g.size[i])))
	pre := min(n, max(1, int(math.Round(float64(n)*cfg.PreexistingContactRatio))))
	c := &g.ct
	c.created = c.created[:0]
	for range pre {
		c.created = append(c.created, r.between(g.rangeStart-365*day, g.rangeStart))
	}
	slices.Sort(c.created)
	for range n - pre {
		c.created = append(c.created, r.between(g.rangeStart, g.rangeEnd))
	}
	slices.Sort(c.created[pre:])
	c.last = c.last[:0]
	c.home = c.home[:0]
	c.blocked = c.blocked[:0]
	c.score = c.score[:0]
	for k := range n {
		last := int64(noTime)
		if k < pre && r.chance(0.5) {
			last = r.between(c.created[k], g.rangeStart)
		}
		c.last = append(c.last, last)
		c.home = append(c.home, r.intn(len(g.team.AccountIDs)))
		c.blocked = append(c.blocked, r.chance(cfg.BlockedContactRatio))
		score := 0.0 // one in twenty never engaged
		if !r.chance(0.05) {
			score = float64(r.intn(100_001)) / 1000 // three decimals
		}
		c.score = append(c.score, score)
	}
}

func (g *generator) emitContacts() {
	c := &g.ct
	for k := range c.created {
		ct := store.Contact{
			ID:              g.id("-ct-", int64(k+1)),
			TeamID:          g.team.ID,
			CreatedAt:       msTime(c.created[k]),
			Blocked:         c.blocked[k],
			EngagementScore: c.score[k],
		}
		if c.last[k] != noTime {
			ct.LastContactedAt = msTime(c.last[k])
		}
		g.cts = append(g.cts, ct)
		if len(g.cts) == g.cfg.BatchSize {
			g.flushContacts()
		}
	}
}

// day generates one local day of team i, [ds, de) in Unix ms.
func (g *generator) day(i int, ds, de int64) {
	quota := g.quota[i]
	alone := min(quota, int(float64(quota)*g.cfg.NoConversationRatio+g.r.float()))
	for range alone {
		g.standalone(ds, de)
	}
	for left := quota - alone; left > 0 && g.err == nil; {
		left -= g.conversation(ds, de, left)
	}
	for range g.r.poisson(g.rate[i]) {
		g.campaign(ds, de)
	}
}

// timeOfDay draws an instant of the local day [ds, de): four in five in
// business hours (08:00 to 20:00 after midnight, peaking at 14:00), the rest
// at any time.
func (g *generator) timeOfDay(ds, de int64) int64 {
	if g.r.chance(0.8) {
		off := 8*hour + int64((g.r.float()+g.r.float())*6*float64(hour))
		if ds+off < de {
			return ds + off
		}
	}
	return g.r.between(ds, de)
}

// outStatus draws the status of an outbound message from the mix.
func (g *generator) outStatus() string {
	u := g.r.float()
	switch {
	case u < g.mix[0]:
		return store.StatusSent
	case u < g.mix[1]:
		return store.StatusDelivered
	case u < g.mix[2]:
		return store.StatusRead
	case u < g.mix[3]:
		return store.StatusFailed
	}
	return OtherStatus
}

func (g *generator) account() string {
	return g.team.AccountIDs[g.r.intn(len(g.team.AccountIDs))]
}

// standalone generates one message that belongs to no conversation.
func (g *generator) standalone(ds, de int64) {
	at := g.timeOfDay(ds, de)
	inbound := g.r.chance(0.2)
	status := InboundReceived
	if !inbound {
		status = g.outStatus()
	}
	acc := g.account()
	if g.r.chance(g.cfg.NoAccountRatio) {
		acc = ""
	}
	campaign := ""
	if !inbound {
		campaign = g.campaignRef()
	}
	g.message(at, acc, "", status, inbound, campaign)
}

// conversation generates one conversation started in [ds, de) with at most
// limit messages, and returns how many it has (at least 1).
func (g *generator) conversation(ds, de int64, limit int) int {
	r, cfg := g.r, g.cfg
	t := g.timeOfDay(ds, de)
	c := g.pickContact(t)
	acc := g.ct.home[c]
	if r.chance(0.1) {
		acc = r.intn(len(g.team.AccountIDs))
	}
	mean := cfg.MessagesPerConversation
	n := min(1+r.geometric(float64(mean-1)), 4*mean, limit)
	d := g.exchange(t, n)
	last := d[len(d)-1].at
	status := g.conversationStatus(last)
	g.ct.last[c] = max(g.ct.last[c], last)

	g.nextConv++
	conv := store.Conversation{
		ID:        g.id("-cv-", g.nextConv),
		TeamID:    g.team.ID,
		AccountID: g.team.AccountIDs[acc],
		ContactID: g.id("-ct-", int64(c+1)),
		Status:    status,
		CreatedAt: msTime(d[0].at),
	}
	g.convs = append(g.convs, conv)
	if len(g.convs) == cfg.BatchSize {
		g.flushConversations()
	}
	for k, m := range d {
		accID := conv.AccountID
		if r.chance(cfg.NoAccountRatio) {
			accID = ""
		}
		campaign := ""
		if k == 0 && !m.inbound {
			campaign = g.campaignRef() // a conversation the business opened
		}
		g.message(m.at, accID, conv.ID, m.status, m.inbound, campaign)
	}
	return len(d)
}

// exchange drafts the messages of a conversation starting at t: at most n
// none at or after the end of the range. The sides take
// turns in runs of messages; a turn is answered with cfg.AnswerRatio (by
// the team) or cfg.ReplyRatio (by the customer), and otherwise the same
// side writes again later. An inbound message followed by an outbound one
// is read. It reuses g.drafts.
func (g *generator) exchange(t int64, n int) []draft {
	r, cfg := g.r, g.cfg
	d := g.drafts[:0]
	inbound := r.chance(0.75) // most conversations start with the customer
	for len(d) < n && t < g.rangeEnd {
		run := 1 + r.geometric(0.4)
		if inbound {
			run = 1 + r.geometric(0.5)
		}
		for j := 0; j < run && len(d) < n; j++ {
			if j > 0 {
				t += r.logUniform(second, 90*second)
			}
			if t >= g.rangeEnd {
				break
			}
			status := InboundReceived
			if !inbound {
				status = g.outStatus()
			}
			d = append(d, draft{at: t, inbound: inbound, status: status})
		}
		switch {
		case inbound && r.chance(cfg.AnswerRatio):
			t += r.logUniform(2*second, 40*hour)
			inbound = false
		case !inbound && r.chance(cfg.ReplyRatio):
			t += r.logUniform(5*second, 48*hour)
			inbound = true
		default: // unanswered: the same side writes again later
			t += r.logUniform(hour, 72*hour)
		}
	}
	answered := false
	for k := len(d) - 1; k >= 0; k-- {
		if !d[k].inbound {
			answered = true
		} else if answered {
			d[k].status = InboundRead
		}
	}
	g.drafts = d
	return d
}

// conversationStatus returns the status of a conversation whose last
// message is at last: one within a day of the end of the range is mostly
// still open, an older one mostly closed.
func (g *generator) conversationStatus(last int64) string {
	status := store.ConversationClosed
	switch u := g.r.float(); {
	case g.rangeEnd-last < day: // recent: mostly still open
		if u < 0.7 {
			status = store.ConversationOpen
		} else if u < 0.75 {
			status = ConversationPending
		}
	case u < 0.1:
		status = store.ConversationOpen
	case u < 0.15:
		status = ConversationPending
	}
	return status
}

// pickContact returns the index of a contact created at or before t: three
// times in ten one of the newest tenth, otherwise any.
func (g *generator) pickContact(t int64) int {
	k, _ := slices.BinarySearch(g.ct.created, t+1) // contacts created at or before t
	k = max(k, 1)                                  // contact 0 predates the data
	if g.r.chance(0.3) {
		lo := k - max(1, k/10)
		return lo + g.r.intn(k-lo)
	}
	return g.r.intn(k)
}

func (g *generator) campaign(ds, de int64) {
	r := g.r
	at := g.timeOfDay(ds, de)
	acc := g.account()
	if r.chance(0.05) {
		acc = "" // a team-wide campaign
	}
	u := r.float()
	var status string
	if g.rangeEnd-at < day { // recent
		status = pick(u, []float64{0.5, 0.7, 0.95}, store.CampaignRunning, CampaignDraft, store.CampaignCompleted, store.CampaignFailed)
	} else {
		status = pick(u, []float64{0.7, 0.8, 0.9}, store.CampaignCompleted, store.CampaignRunning, store.CampaignFailed, CampaignDraft)
	}
	recipients := min(100_000, max(1, int64(math.Round(200*math.Exp(r.normal())))))
	var sent int64
	switch status {
	case store.CampaignRunning:
		sent = int64(float64(recipients) * (0.1 + 0.8*r.float()))
	case store.CampaignCompleted:
		sent = int64(float64(recipients) * (0.95 + 0.05*r.float()))
	case store.CampaignFailed:
		sent = int64(float64(recipients) * 0.5 * r.float())
	}
	delivered := int64(float64(sent) * (0.8 + 0.19*r.float()))
	read := int64(float64(delivered) * (0.3 + 0.6*r.float()))
	g.nextCamp++
	g.camps = append(g.camps, store.Campaign{
		ID:                g.id("-cp-", g.nextCamp),
		TeamID:            g.team.ID,
		AccountID:         acc,
		Status:            status,
		TotalRecipients:   recipients,
		MessagesSent:      sent,
		MessagesDelivered: delivered,
		MessagesRead:      read,
		CreatedAt:         msTime(at),
	})
	if len(g.camps) == g.cfg.BatchSize {
		g.flushCampaigns()
	}
}

// pick returns the first of vals whose cumulative threshold exceeds u, or
// the last.
func pick(u float64, thresholds []float64, vals ...string) string {
	for i, t := range thresholds {
		if u < t {
			return vals[i]
		}
	}
	return vals[len(vals)-1]
}

// campaignRef returns the campaign reference of the team's next message,
// when it is one a campaign sends: one of the team's campaigns generated
// so far, chosen by a hash of the message's number (so that it draws
// nothing from the random source and leaves the rest of the dataset as it
// is); one time in 50 the ID of a campaign that does not exist; "" before
// the team's first campaign.
func (g *generator) campaignRef() string {
	if g.nextCamp == 0 {
		return ""
	}
	h := uint64(g.nextMsg+1) * 0x9e3779b97f4a7c15
	h ^= h >> 29
	if h%50 == 0 {
		return g.id("-cp-", 0)
	}
	return g.id("-cp-", 1+int64(h/50%uint64(g.nextCamp)))
}

// message appends one message, its ID the next of the team's.
func (g *generator) message(at int64, account, conv, status string, inbound bool, campaign string) {
	g.nextMsg++
	g.arena = append(g.arena, g.team.ID...)
	g.arena = append(g.arena, "-m-"...)
	g.arena = strconv.AppendInt(g.arena, g.nextMsg, 10)
	g.ends = append(g.ends, int32(len(g.arena)))
	g.msgs = append(g.msgs, store.Message{
		TeamID:         g.team.ID,
		AccountID:      account,
		ConversationID: conv,
		Status:         status,
		Inbound:        inbound,
		CreatedAt:      msTime(at),
		CampaignID:     campaign,
	})
	if len(g.msgs) == g.cfg.BatchSize {
		g.flushMessages()
	}
}

// id returns the team's ID followed by infix and n.
func (g *generator) id(infix string, n int64) string {
	b := append(g.idbuf[:0], g.team.ID...)
	b = append(b, infix...)
	b = strconv.AppendInt(b, n, 10)
	g.idbuf = b
	return string(b)
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func (g *generator) flushMessages() {
	if len(g.msgs) > 0 {
		ids := string(g.arena) // one allocation for the whole batch's IDs
		from := int32(0)
		for k, end := range g.ends {
			g.msgs[k].ID = ids[from:end]
			from = end
		}
		if g.err == nil {
			g.err = g.sink.Messages(g.msgs)
		}
	}
	g.msgs, g.arena, g.ends = g.msgs[:0], g.arena[:0], g.ends[:0]
}

func (g *generator) flushConversations() {
	if len(g.convs) > 0 && g.err == nil {
		g.err = g.sink.Conversations(g.convs)
	}
	g.convs = g.convs[:0]
}

func (g *generator) flushContacts() {
	if len(g.cts) > 0 && g.err == nil {
		g.err = g.sink.Contacts(g.cts)
	}
	g.cts = g.cts[:0]
}

func (g *generator) flushCampaigns() {
	if len(g.camps) > 0 && g.err == nil {
		g.err = g.sink.Campaigns(g.camps)
	}
	g.camps = g.camps[:0]
}
