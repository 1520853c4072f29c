package pgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// scanMsg is one message of a group's scan range, as scanSQL reads it.
type scanMsg struct {
	at    int64  // µs since the scan's start
	id    string // orders messages of equal at, in byte order
	acct  string // "" if none
	flags uint16 // flag* bits
}

// thread is one conversation of a group's scan: its messages of the scan
// range, in (at, id) order once sorted, and what the metrics need of its
// row. Sorted, it is the conversation's store.Thread.
type thread struct {
	msgs []scanMsg
	// base is the scan's start in µs since the Unix epoch: message i was
	// created at base + msgs[i].at µs.
	base int64
	// active reports whether a message of the conversation is in the period.
	active bool
	// created reports whether scanSQL read the row (created in the scan
	// range); then acct, at and flags are the row's. contact is the row's
	// contact, from scanSQL or lookupSQL; "" if none or no row.
	created bool
	contact string
	acct    string
	at      int64
	flags   uint16
}

func (th *thread) Len() int                       { return len(th.msgs) }
func (th *thread) Inbound(i int) bool             { return th.msgs[i].flags&flagInbound != 0 }
func (th *thread) Since(i, j int) time.Duration   { return us(th.msgs[i].at - th.msgs[j].at) }
func (th *thread) SinceStart(i int) time.Duration { return us(th.msgs[i].at - th.at) }
func (th *thread) At(i int) time.Time             { return time.UnixMicro(th.base + th.msgs[i].at) }

// teamScan is one team's part of a group's scan.
type teamScan struct {
	id      string
	threads map[string]*thread // by conversation ID
	loose   []scanMsg          // the period's messages with no conversation
	base    int64              // the scan's start, µs since the Unix epoch
	// hours measures the team's business times; nil when it has no
	// working hours.
	hours store.Hours
}

// groupScan is what scanSQL and lookupSQL read for one group of teams and
// one period: the messages of the scan range by conversation, the
// conversations created in the scan range, and the contacts of the active
// conversations created outside it. Strings that repeat (teams, accounts,
// contacts) are interned.
type groupScan struct {
	teams  map[string]*teamScan
	strs   map[string]string
	w      time.Duration
	base   int64 // the scan's start, µs since the Unix epoch
	result map[scopeKey]*analytics.Metrics
	// sketches asks for each scope's ActiveSketch (AggregateRequest.Sketches).
	sketches bool
	// clock gives the local weekday and hour of a time of the period
	// (countTraffic).
	clock spanClock
}

// intern returns b as a string, allocating it once per group.
func (g *groupScan) intern(b []byte) string {
	if s, ok := g.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	g.strs[s] = s
	return s
}

// team returns team b's part of the scan, creating it.
func (g *groupScan) team(b []byte) *teamScan {
	if t, ok := g.teams[string(b)]; ok {
		return t
	}
	t := &teamScan{id: string(b), threads: map[string]*thread{}, base: g.base}
	g.teams[t.id] = t
	return t
}

// thread returns the team's conversation b, creating it.
func (t *teamScan) thread(b []byte) *thread {
	if th, ok := t.threads[string(b)]; ok {
		return th
	}
	th := &thread{base: t.base}
	t.threads[string(b)] = th
	return th
}

// scopes returns the metrics of team's team-wide scope and of its account
// acct's scope (nil when acct is "": activity with no account counts
// team-wide only), creating them.
func (g *groupScan) scopes(team, acct string) (*analytics.Metrics, *analytics.Metrics) {
	get := func(k scopeKey) *analytics.Metrics {
		m := g.result[k]
		if m == nil {
			m = &analytics.Metrics{}
			g.result[k] = m
		}
		return m
	}
	tw := get(scopeKey{team: team, teamWide: true})
	if acct == "" {
		return tw, nil
	}
	return tw, get(scopeKey{team: team, account: acct})
}

// aggregateThreads computes the message and conversation metrics of a
// group into res: it reads the scan range with scanSQL, looks up the
// contacts of the active conversations created outside it with lookupSQL,
// and orders each conversation's messages and walks them with store.Walk,
// as store.ComputeMetrics does, measuring business times against the
// working hours of the teams in hours, and traffic with clock.
func (s *Store) aggregateThreads(ctx context.Context, tx txQuerier, args []any, w time.Duration, hours map[string]zoneHours, res map[scopeKey]*analytics.Metrics, sketches bool, clock *hourClock) error {
	lo, hi := args[argScanLo].(time.Time), args[argScanHi].(time.Time)
	g := &groupScan{teams: map[string]*teamScan{}, strs: map[string]string{}, w: w, base: lo.UnixMicro(), result: res, sketches: sketches}
	if clock != nil {
		g.clock = clock.onScan(lo)
	}
	scan, row := s.q.scan, g.addRow
	switch {
	case binaryRows(tx):
		b := binaryBounds{lo: pgMicros(lo), start: pgMicros(args[argStart].(time.Time)), end: pgMicros(args[argEnd].(time.Time))}
		scan, row = s.q.scanBinary, g.binaryRows(newRowFlags(&s.cfg.Source), b)
	case hi.Sub(lo) > maxFloatScan:
		scan = s.q.scanExact
	}
	if err := s.queryRaw(ctx, tx, "aggregating messages", "analytics_scan", scan, args, row); err != nil {
		return err
	}
	if err := s.lookupContacts(ctx, tx, g); err != nil {
		return err
	}
	for _, t := range g.teams {
		if zh, ok := hours[t.id]; ok {
			t.hours = newCalendar(zh, lo, hi)
		}
		g.count(t)
		g.countTraffic(t)
	}
	g.activeContacts()
	return nil
}

// lookupContacts reads the contacts of the active conversations that
// scanSQL did not read, always in one statement (empty arrays when none).
func (s *Store) lookupContacts(ctx context.Context, tx txQuerier, g *groupScan) error {
	var teams, convs []string
	for _, t := range g.teams {
		for c, th := range t.threads {
			if th.active && !th.created && s.lookupable(t.id, c) {
				teams, convs = append(teams, t.id), append(convs, c)
			}
		}
	}
	lookup := []any{pgdialect.Array(teams), pgdialect.Array(convs)}
	return s.queryRaw(ctx, tx, "aggregating messages", "analytics_lookup", s.q.lookup, lookup, func(vals [][]byte) error {
		if len(vals) != 3 {
			return fmt.Errorf("pgstore: lookup row of %d columns, want 3", len(vals))
		}
		if t := g.teams[string(vals[0])]; t != nil {
			if th := t.threads[string(vals[1])]; th != nil {
				th.contact = g.intern(vals[2])
			}
		}
		return nil
	})
}

// addRow adds a row of scanSQL to the scan, in text format: team,
// conversation, message ID or the conversation's contact, account, µs
// since the scan's start, flags (NULL columns nil).
func (g *groupScan) addRow(vals [][]byte) error {
	if len(vals) != 6 {
		return fmt.Errorf("pgstore: scan row of %d columns, want 6", len(vals))
	}
	at, err := parseInt(vals[4])
	if err != nil {
		return err
	}
	flags, err := parseInt(vals[5])
	if err != nil {
		return err
	}
	t, conv := g.team(vals[0]), vals[1]
	if flags&flagConversation != 0 {
		th := t.thread(conv)
		th.created = true
		th.contact, th.acct, th.at, th.flags = g.intern(vals[2]), g.intern(vals[3]), at, uint16(flags)
		return nil
	}
	x := scanMsg{at: at, acct: g.intern(vals[3]), flags: uint16(flags)}
	if conv == nil {
		t.loose = append(t.loose, x)
		return nil
	}
	x.id = string(vals[2])
	th := t.thread(conv)
	th.msgs = append(th.msgs, x)
	th.active = th.active || x.flags&flagInPeriod != 0
	return nil
}

// compareScanMsgs orders a conversation's messages by (created_at, id),
// IDs in byte order, as store.CompareMessages does.
func compareScanMsgs(a, b scanMsg) int {
	switch {
	case a.at < b.at:
		return -1
	case a.at > b.at:
		return 1
	}
	return strings.Compare(a.id, b.id)
}

// us is a duration of n µs.
func us(n int64) time.Duration { return time.Duration(n) * time.Microsecond }

// count adds team t's message and conversation metrics, all but
// contacts.active (activeContacts), to g.result.
func (g *groupScan) count(t *teamScan) {
	for _, x := range t.loose {
		tw, ac := g.scopes(t.id, x.acct)
		countPlain(tw, ac, x.flags)
	}
	for _, th := range t.threads {
		isNew := th.created && th.flags&flagInPeriod != 0
		if !th.active && !isNew {
			continue
		}
		slices.SortFunc(th.msgs, compareScanMsgs)
		if th.active {
			g.countPeriod(t.id, t.hours, th)
		}
		if isNew {
			g.countNew(t.id, t.hours, th)
		}
	}
}

// countPeriod adds the messages of th created in the period, with their
// replies, customer turns and response times (business times against h,
// none when nil), to the scopes of team.
func (g *groupScan) countPeriod(team string, h store.Hours, th *thread) {
	lo, hi := 0, len(th.msgs)
	for lo < hi && th.msgs[lo].flags&flagInPeriod == 0 {
		lo++
	}
	for hi > lo && th.msgs[hi-1].flags&flagInPeriod == 0 {
		hi--
	}
	store.Walk(th, lo, hi, g.w, h, func(s store.Step) {
		x := &th.msgs[s.Index]
		if x.flags&flagInPeriod == 0 {
			return
		}
		tw, ac := g.scopes(team, x.acct)
		countPlain(tw, ac, x.flags)
		s.AddTo(tw)
		if ac != nil {
			s.AddTo(ac)
		}
	})
}

// countNew adds conversation th, created in the period, with its first
// response (business time against h, none when nil), to the scopes of
// team.
func (g *groupScan) countNew(team string, h store.Hours, th *thread) {
	r, answered := store.FirstResponse(th, g.w, h)
	tw, ac := g.scopes(team, th.acct)
	for _, m := range [2]*analytics.Metrics{tw, ac} {
		if m == nil {
			continue
		}
		cv := &m.Conversations
		cv.Total++
		if th.flags&flagOpen != 0 {
			cv.Open++
		}
		if th.flags&flagClosed != 0 {
			cv.Closed++
		}
		if answered {
			r.AddFirstTo(m)
		}
	}
}

// countPlain adds a message of the period to the plain counts of its
// scopes (ac may be nil).
func countPlain(tw, ac *analytics.Metrics, flags uint16) {
	for _, m := range [2]*analytics.Metrics{tw, ac} {
		if m == nil {
			continue
		}
		msg := &m.Messages
		msg.Total++
		if flags&flagInbound != 0 {
			msg.Inbound++
		} else {
			msg.Outbound++
		}
		if flags&flagSent != 0 {
			msg.Sent++
		}
		if flags&flagDelivered != 0 {
			msg.Delivered++
		}
		if flags&flagRead != 0 {
			msg.Read++
		}
		if flags&flagFailed != 0 {
			msg.Failed++
		}
		if flags&flagUnmapped != 0 {
			msg.Unmapped++
		}
	}
}

// activeContacts sets contacts.active of every scope of the group: the
// distinct contacts of the conversations of the scope's messages created
// in the period.
func (g *groupScan) activeContacts() {
	for _, t := range g.teams {
		team := map[string]struct{}{}
		accounts := map[string]map[string]struct{}{}
		for _, th := range t.threads {
			if !th.active || th.contact == "" {
				continue
			}
			team[th.contact] = struct{}{}
			for _, x := range th.msgs {
				if x.flags&flagInPeriod == 0 || x.acct == "" {
					continue
				}
				set := accounts[x.acct]
				if set == nil {
					set = map[string]struct{}{}
					accounts[x.acct] = set
				}
				set[th.contact] = struct{}{}
			}
		}
		if len(team) == 0 {
			continue
		}
		tw, _ := g.scopes(t.id, "")
		tw.Contacts.Active = int64(len(team))
		if g.sketches {
			tw.ActiveSketch = sketchOfSet(team)
		}
		for acct, set := range accounts {
			_, ac := g.scopes(t.id, acct)
			ac.Contacts.Active = int64(len(set))
			if g.sketches {
				ac.ActiveSketch = sketchOfSet(set)
			}
		}
	}
}

// sketchOfSet is the DistinctSketch of the contact IDs of set.
func sketchOfSet(set map[string]struct{}) *analytics.DistinctSketch {
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	return analytics.SketchOf(ids...)
}
