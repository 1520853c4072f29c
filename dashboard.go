package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Dashboard is a team-wide summary of the last Days local days, today
// included, compared with the Days before them, days being those of the
// team's current time zone. Service.Dashboard builds it.
type Dashboard struct {
	// TeamID is the team summarised.
	TeamID string `json:"teamId"`
	// Days is the length of each window in local days, today included: at
	// least 1, at most MaxDashboardDays.
	Days int `json:"days"`
	// AsOf is the instant the live part (today, and any finished day whose
	// snapshot is missing) was computed; the dashboard may be cached for up
	// to the dashboard TTL (5 min by default) after it.
	AsOf time.Time `json:"asOf"`
	// Current covers [the start of the day Days-1 days before today, AsOf),
	// days being those of the team's current zone: Days-1 finished days
	// from team-wide daily snapshots plus today so far.
	Current Metrics `json:"current"`
	// Previous covers the Days days before Current, of the same length: its
	// last day is cut at the same local time of day as AsOf, so a partial
	// today is compared with an equally partial day.
	Previous Metrics `json:"previous"`
	// Growth compares Current with Previous.
	Growth Growth `json:"growth"`
	// Series has one entry per day of Current, oldest first; the last is
	// today so far.
	Series []DayMetrics `json:"series"`
	// LiveDays lists the finished days of both windows that had no
	// snapshot covering them in the team's current zone and were
	// aggregated live instead, oldest first: days before the 02:00 daily
	// run, and days whose snapshot was stored while the team had another
	// time zone (see the package documentation).
	LiveDays []Date `json:"liveDays,omitempty"`
}

// DayMetrics are the metrics of one local day of the team's time zone.
type DayMetrics struct {
	// Date is the local day.
	Date Date `json:"date"`
	// Metrics cover Date from its local midnight to the next, or up to the
	// dashboard's AsOf for today.
	Metrics Metrics `json:"metrics"`
}

// Growth compares two windows. Counts (Messages to Campaigns) are percent
// changes (GrowthRate: 100 when the previous count is 0 and the current
// one is not, 0 when both are 0); rates (DeliveryRate to FailureRate, and
// CampaignDelivery, the pooled campaign delivery rate) are differences in
// percentage points, positive when the current rate is higher;
// AvgResponseTime is the percent change of the average response time.
// Every value is rounded half away from zero to 2 decimals; two equal
// windows give the zero Growth.
type Growth struct {
	Messages         float64 `json:"messages"`
	Sent             float64 `json:"sent"`
	Delivered        float64 `json:"delivered"`
	Read             float64 `json:"read"`
	Replied          float64 `json:"replied"`
	Failed           float64 `json:"failed"`
	Inbound          float64 `json:"inbound"`
	Outbound         float64 `json:"outbound"`
	Conversations    float64 `json:"conversations"`
	NewContacts      float64 `json:"newContacts"`
	Campaigns        float64 `json:"campaigns"`
	DeliveryRate     float64 `json:"deliveryRate"`
	ReadRate         float64 `json:"readRate"`
	ReplyRate        float64 `json:"replyRate"`
	FailureRate      float64 `json:"failureRate"`
	AvgResponseTime  float64 `json:"avgResponseTime"`
	CampaignDelivery float64 `json:"campaignDeliveryRate"`
}

// GrowthOf compares the window cur with the earlier window prev, as Growth
// describes. Two zero Metrics give the zero Growth; the derived fields of
// cur and prev are used as they are (see Metrics.Derive).
func GrowthOf(cur, prev Metrics) Growth {
	g := func(c, p int64) float64 { return GrowthRate(float64(c), float64(p)) }
	pts := func(c, p float64) float64 { return round2(c - p) }
	cm, pm := cur.Messages, prev.Messages
	return Growth{
		Messages:         g(cm.Total, pm.Total),
		Sent:             g(cm.Sent, pm.Sent),
		Delivered:        g(cm.Delivered, pm.Delivered),
		Read:             g(cm.Read, pm.Read),
		Replied:          g(cm.Replied, pm.Replied),
		Failed:           g(cm.Failed, pm.Failed),
		Inbound:          g(cm.Inbound, pm.Inbound),
		Outbound:         g(cm.Outbound, pm.Outbound),
		Conversations:    g(cur.Conversations.Total, prev.Conversations.Total),
		NewContacts:      g(cur.Contacts.New, prev.Contacts.New),
		Campaigns:        g(cur.Campaigns.Total, prev.Campaigns.Total),
		DeliveryRate:     pts(cm.DeliveryRate, pm.DeliveryRate),
		ReadRate:         pts(cm.ReadRate, pm.ReadRate),
		ReplyRate:        pts(cm.ReplyRate, pm.ReplyRate),
		FailureRate:      pts(cm.FailureRate, pm.FailureRate),
		AvgResponseTime:  GrowthRate(cur.Conversations.AvgResponseTime, prev.Conversations.AvgResponseTime),
		CampaignDelivery: pts(cur.Campaigns.AvgDeliveryRate, prev.Campaigns.AvgDeliveryRate),
	}
}

// Dashboard returns the team-wide dashboard of the last days local days
// (1 ≤ days ≤ MaxDashboardDays), cached for the dashboard TTL (5 min by
// default). Days are those of the team's current time zone. Finished days
// come from team-wide daily snapshots only (never summed with per-account
// rows) whose period is exactly the day; today, and finished days whose
// snapshot is missing or covers other instants (stored while the team had
// another zone), are aggregated live in one store call. contacts.active of
// each window is its number of distinct active contacts: from the days'
// sketches (exact up to SketchK contacts, see DistinctSketch), or counted
// over the window by a store that is an ActiveContactsCounter when a day
// has no sketch, else the largest daily count. An unknown team
// gives ErrNotFound; days out of range, or a nil ctx, ErrInvalidArgument.
func (s *Service) Dashboard(ctx context.Context, teamID string, days int) (Dashboard, error) {
	if err := checkContext(ctx); err != nil {
		return Dashboard{}, err
	}
	if err := ValidateID("teamID", teamID); err != nil {
		return Dashboard{}, err
	}
	if days <= 0 || days > MaxDashboardDays {
		return Dashboard{}, invalid("days", "%d is not in 1..%d", days, MaxDashboardDays)
	}
	return cached(ctx, s, DashboardKey(teamID, days), func(ctx context.Context) (Dashboard, error) {
		return s.dashboard(ctx, teamID, days)
	}, Dashboard.clone)
}

// clone returns a copy of d that shares nothing a caller could modify:
// Series and LiveDays are copied (nil stays nil, empty stays empty) and
// every Metrics in it is cloned (see cloneMetrics).
func (d Dashboard) clone() Dashboard {
	d.Current = cloneMetrics(d.Current)
	d.Previous = cloneMetrics(d.Previous)
	d.Series = slices.Clone(d.Series)
	for i := range d.Series {
		d.Series[i].Metrics = cloneMetrics(d.Series[i].Metrics)
	}
	d.LiveDays = slices.Clone(d.LiveDays)
	return d
}

// dashboard computes teamID's Dashboard over the last days days: the
// current window ends now, the previous window is the days before it.
// Days with a stored daily snapshot that covers them come from the
// snapshot; the others are aggregated live.
func (s *Service) dashboard(ctx context.Context, teamID string, days int) (Dashboard, error) {
	scope := TeamScope(teamID)
	team, loc, err := s.teamLocation(ctx, scope)
	if err != nil {
		return Dashboard{}, err
	}
	now := s.clock.Now()
	if err := checkInstant("Config.Clock", now); err != nil {
		return Dashboard{}, err
	}
	today, err := PeriodOf(Daily, now, loc)
	if err != nil {
		return Dashboard{}, err
	}
	byDate, err := s.storedDays(ctx, scope, today.Date.AddDays(-(2*days - 1)), today.Date.AddDays(-1))
	if err != nil {
		return Dashboard{}, err
	}
	prevLast, err := previousLastDay(today, days, now, loc)
	if err != nil {
		return Dashboard{}, err
	}
	periods := make([]Period, 2*days)
	p := today
	for i := 2*days - 1; i >= 0; i-- {
		periods[i] = p
		p = p.Prev()
	}
	live, liveAt, liveDays := livePeriods(scope, periods, days, now, prevLast, byDate)
	if team.HoursErr != nil {
		return Dashboard{}, team.HoursErr
	}
	ms, err := s.store.Aggregate(ctx, AggregateRequest{Items: live, ReplyWindow: s.snap.cfg.ReplyWindow, Sketches: true,
		WorkingHours: hoursOf([]Team{team})})
	if err != nil {
		return Dashboard{}, err
	}
	if len(ms) != len(live) {
		return Dashboard{}, fmt.Errorf("analytics: store returned %d metrics for %d items", len(ms), len(live))
	}

	d := Dashboard{TeamID: teamID, Days: days, AsOf: now, LiveDays: liveDays, Series: make([]DayMetrics, 0, days)}
	for i, p := range periods {
		var m Metrics
		if j, ok := liveAt[i]; ok {
			m = ms[j]
		} else {
			m = byDate[p.Date].Metrics
		}
		if i < days {
			d.Previous = Merge(d.Previous, m)
			continue
		}
		d.Current = Merge(d.Current, m)
		d.Series = append(d.Series, DayMetrics{Date: p.Date, Metrics: m})
	}
	d.Current.Range.End = now
	d.Current.GeneratedAt = now
	if err := s.countActive(ctx, scope, &d); err != nil {
		return Dashboard{}, err
	}
	d.Growth = GrowthOf(d.Current, d.Previous)
	return d, nil
}

// countActive makes Contacts.Active of d's two windows the number of
// distinct contacts active in the window. Merge gives it from the days'
// sketches when every day has one that agrees with its count (see
// sketchAgrees); otherwise it is counted over the window with the store's
// ActiveContactsCounter, and without one it stays the largest daily count.
// The sketches are then dropped, as a cached Dashboard has none.
func (s *Service) countActive(ctx context.Context, scope Scope, d *Dashboard) error {
	var req AggregateRequest
	var at []*Metrics
	for _, m := range []*Metrics{&d.Previous, &d.Current} {
		if m.ActiveSketch == nil && m.Range.Start.Before(m.Range.End) {
			req.Items = append(req.Items, ScopePeriod{Scope: scope, Period: Period{Type: Daily, Start: m.Range.Start, End: m.Range.End}})
			at = append(at, m)
		}
	}
	if counter, ok := s.store.(ActiveContactsCounter); ok && len(at) > 0 {
		req.ReplyWindow = s.snap.cfg.ReplyWindow
		active, err := counter.ActiveContacts(ctx, req)
		if err != nil {
			return err
		}
		if len(active) != len(at) {
			return fmt.Errorf("analytics: store returned %d active counts for %d items", len(active), len(at))
		}
		for i, m := range at {
			m.Contacts.Active = active[i]
		}
	}
	d.Previous.ActiveSketch, d.Current.ActiveSketch = nil, nil
	for i := range d.Series {
		d.Series[i].Metrics.ActiveSketch = nil
	}
	return nil
}

// storedDays returns scope's stored daily snapshots from first to last
// (inclusive), by date, each with its ActiveSketch when the store is a
// SnapshotRangeReader and the sketch agrees with the snapshot's count
// (else none). A snapshot stands for its day only if it covers
// the day in the team's current zone (see coversDay); the caller checks
// that per day.
func (s *Service) storedDays(ctx context.Context, scope Scope, first, last Date) (map[Date]*Snapshot, error) {
	var stored []Snapshot
	var err error
	if rr, ok := s.store.(SnapshotRangeReader); ok && scope.TeamWide() {
		stored, err = rr.SnapshotsOfTeams(ctx, []string{scope.TeamID}, Daily, first, last)
	} else {
		stored, err = s.store.Snapshots(ctx, SnapshotQuery{Scope: scope, Type: Daily, From: first, To: last})
	}
	if err != nil {
		return nil, err
	}
	byDate := make(map[Date]*Snapshot, len(stored))
	for i := range stored {
		sn := &stored[i]
		if sn.Scope != scope {
			continue // another account's row
		}
		if !sketchAgrees(&sn.Metrics) {
			sn.Metrics.ActiveSketch = nil
		}
		byDate[sn.Date] = sn
	}
	return byDate, nil
}

// previousLastDay returns the previous window's last day, days days before
// today, cut at now's local time of day (not after the time elapsed since
// midnight, which differs by an hour when either day is a daylight-saving
// change) and kept within that day.
func previousLastDay(today Period, days int, now time.Time, loc *time.Location) (Period, error) {
	prevLast, err := PeriodForDate(Daily, today.Date.AddDays(-days), loc)
	if err != nil {
		return Period{}, err
	}
	local := now.In(loc)
	cut := time.Date(prevLast.Date.Year, prevLast.Date.Month, prevLast.Date.Day,
		local.Hour(), local.Minute(), local.Second(), local.Nanosecond(), loc)
	if cut.Before(prevLast.Start) {
		cut = prevLast.Start
	}
	if cut.After(prevLast.End) {
		cut = prevLast.End
	}
	return soFar(prevLast, cut), nil
}

// livePeriods returns the items to aggregate live among periods (both
// windows' days, oldest first: previous window then current): today so far,
// the previous window's last day cut as prevLast, and every day without a
// stored snapshot that covers it. liveAt maps a period's index to its
// item's index; liveDays lists the whole days aggregated live.
func livePeriods(scope Scope, periods []Period, days int, now time.Time, prevLast Period, byDate map[Date]*Snapshot) (live []ScopePeriod, liveAt map[int]int, liveDays []Date) {
	liveAt = map[int]int{}
	for i, p := range periods {
		switch {
		case i == 2*days-1: // today so far
			p = soFar(p, now)
		case i == days-1: // the previous window's last day, cut
			p = prevLast
		default:
			if sn, ok := byDate[p.Date]; ok && coversDay(sn, p) {
				continue
			}
			liveDays = append(liveDays, p.Date)
		}
		liveAt[i] = len(live)
		live = append(live, ScopePeriod{Scope: scope, Period: p})
	}
	return live, liveAt, liveDays
}
