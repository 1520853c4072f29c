package analytics

import (
	"fmt"
	"math/bits"
	"time"
)

// Metrics are the measures of one scope over one period. Counts, sums and
// the histogram are stored; every rate and average is derived from them by
// Derive, so merging periods or scopes never averages averages.
//
// JSON field names follow the original system's output (messages.total,
// campaigns.avgDeliveryRate, …); fields added for exact roll-ups sit beside
// them. Rates are percentages 0–100 rounded to 2 decimals; times are seconds.
type Metrics struct {
	// Range is the half-open interval [Start, End) the metrics cover, in
	// the scope's time zone; "period" in JSON. For a snapshot it is the
	// span of its Period, [Period.Start, Period.End). Zero for the zero
	// Metrics.
	Range Range `json:"period"`
	// GeneratedAt is when the metrics were computed. Zero until a Snapshotter
	// or Service stamps it.
	GeneratedAt   time.Time           `json:"generatedAt"`
	Messages      MessageMetrics      `json:"messages"`
	Campaigns     CampaignMetrics     `json:"campaigns"`
	Contacts      ContactMetrics      `json:"contacts"`
	Conversations ConversationMetrics `json:"conversations"`
	// Traffic counts the period's messages and new conversations by local
	// weekday and hour (see Traffic); nil when none were counted.
	Traffic *Traffic `json:"traffic,omitempty"`

	// ActiveSketch is the DistinctSketch of the contacts Contacts.Active
	// counts, or nil when none was kept. Aggregate fills it when asked
	// (AggregateRequest.Sketches); the Snapshotter asks for daily
	// snapshots, stores keep it beside the metrics document, and roll-ups
	// union the sketches of their days (Merge) to count a week's or a
	// month's active contacts. It is not part of the JSON that dashboards
	// and caches read.
	ActiveSketch *DistinctSketch `json:"-"`
}

// Range is a half-open interval of time [Start, End): Start is in it, End
// is not. Start not before End is an empty range; the zero Range is empty.
type Range struct {
	// Start is the first instant in the range.
	Start time.Time `json:"start"`
	// End is the first instant after the range.
	End time.Time `json:"end"`
}

// MessageMetrics count messages created in the period; counts are never
// negative, and rates are 0 when their divisor is 0. See the package
// documentation for the exact definitions.
type MessageMetrics struct {
	Total     int64 `json:"total"`
	Sent      int64 `json:"sent"`      // status sent, delivered or read
	Delivered int64 `json:"delivered"` // status delivered or read
	Read      int64 `json:"read"`      // status read
	Failed    int64 `json:"failed"`    // status failed
	Replied   int64 `json:"replied"`   // outbound messages answered within the reply window
	Inbound   int64 `json:"inbound"`   // sent by the contact
	Outbound  int64 `json:"outbound"`  // sent by anyone else
	// Unmapped counts the messages whose status or sender type the store's
	// mapping does not cover (see store/pgstore's MessagesTable): they are
	// in Total but may be missing from Sent, Delivered, Read, Failed or
	// Inbound. A non-zero value means the mapping needs attention. Stores
	// with a fixed vocabulary (memstore, store.ComputeMetrics) leave it 0.
	Unmapped int64 `json:"unmapped"`

	// Derived, percent 0–100, rounded half away from zero to 2 decimals
	// from the exact quotient (see DeliveryRate).
	DeliveryRate float64 `json:"deliveryRate"` // Delivered / Sent
	ReadRate     float64 `json:"readRate"`     // Read / Delivered
	ReplyRate    float64 `json:"replyRate"`    // Replied / Sent
	FailureRate  float64 `json:"failureRate"`  // Failed / Total
}

// CampaignMetrics describe campaigns created in the period. Counts are
// never negative; TotalRecipients and the Messages counts sum the
// campaigns' own counters. See the package documentation for the exact
// definitions.
type CampaignMetrics struct {
	Total             int64 `json:"total"`
	Active            int64 `json:"active"`    // status Running
	Completed         int64 `json:"completed"` // status Completed
	Failed            int64 `json:"failed"`    // status Failed
	TotalRecipients   int64 `json:"totalRecipients"`
	MessagesSent      int64 `json:"messagesSent"`
	MessagesDelivered int64 `json:"messagesDelivered"`
	MessagesRead      int64 `json:"messagesRead"`

	// Derived, percent 0–100, pooled over the campaigns (not an average of
	// per-campaign rates): MessagesDelivered / MessagesSent and
	// MessagesRead / MessagesDelivered.
	AvgDeliveryRate float64 `json:"avgDeliveryRate"`
	AvgReadRate     float64 `json:"avgReadRate"`
}

// ContactMetrics describe the contacts of the scope. Total, Blocked and the
// engagement score are as of the end of the period; New counts contacts
// that joined the scope in it (created in it, or for an account scope first
// in conversation on the account in it; see the package documentation);
// Active counts distinct contacts with a message in it.
type ContactMetrics struct {
	Total   int64 `json:"total"`
	New     int64 `json:"new"`
	Active  int64 `json:"active"`
	Blocked int64 `json:"blocked"`
	// EngagementScoreCenti is the sum over Total contacts of their engagement
	// score, each rounded to hundredths of a point and counted in hundredths.
	EngagementScoreCenti int64 `json:"engagementScoreCenti"`

	// Derived: EngagementScoreCenti / Total / 100, rounded half away from
	// zero to 2 decimals (computed in integers; 0 when Total is 0).
	AvgEngagementScore float64 `json:"avgEngagementScore"`
}

// ConversationMetrics describe conversations created in the period and the
// customer turns that started in it. Times are milliseconds in the stored
// sums and seconds in the derived averages and quantiles, which are 0
// when nothing was answered. See the package documentation for the exact
// definitions.
type ConversationMetrics struct {
	Total  int64 `json:"total"`
	Open   int64 `json:"open"`
	Closed int64 `json:"closed"`

	// ResponseCount is the number of customer turns answered within the
	// reply window; ResponseTimeMs the sum of their response times in
	// milliseconds; Unanswered the turns not answered within the window.
	ResponseCount  int64     `json:"responseCount"`
	ResponseTimeMs int64     `json:"responseTimeMs"`
	Unanswered     int64     `json:"unansweredTurns"`
	Histogram      Histogram `json:"responseHistogram"`
	// FirstResponseCount and FirstResponseTimeMs are the same for the first
	// customer turn of each conversation created in the period.
	FirstResponseCount  int64 `json:"firstResponseCount"`
	FirstResponseTimeMs int64 `json:"firstResponseTimeMs"`

	// The Business fields measure the same answered turns and first
	// responses in business time: only the part of each wait inside the
	// team's working hours counts (AggregateRequest.WorkingHours; see the
	// package documentation, Business hours). They are 0 for a team
	// without working hours; with them, BusinessResponseCount equals
	// ResponseCount and BusinessFirstResponseCount FirstResponseCount, and
	// each business time is at most its calendar time.
	BusinessResponseCount       int64     `json:"businessResponseCount"`
	BusinessResponseTimeMs      int64     `json:"businessResponseTimeMs"`
	BusinessHistogram           Histogram `json:"businessResponseHistogram"`
	BusinessFirstResponseCount  int64     `json:"businessFirstResponseCount"`
	BusinessFirstResponseTimeMs int64     `json:"businessFirstResponseTimeMs"`

	// Derived, in seconds rounded half away from zero to 2 decimals:
	// AvgResponseTime is round(ResponseTimeMs·100 / (ResponseCount·1000))
	// hundredths of a second, computed in integers (139,545 ms over one
	// response is 139.55), 0 when ResponseCount is 0; AvgFirstResponseTime
	// likewise. Median and P90 are read from Histogram (see
	// Histogram.Quantile).
	AvgResponseTime      float64 `json:"avgResponseTime"`
	MedianResponseTime   float64 `json:"medianResponseTime"`
	P90ResponseTime      float64 `json:"p90ResponseTime"`
	AvgFirstResponseTime float64 `json:"avgFirstResponseTime"`
	// The same, in business time, from the Business fields.
	AvgBusinessResponseTime      float64 `json:"avgBusinessResponseTime"`
	MedianBusinessResponseTime   float64 `json:"medianBusinessResponseTime"`
	P90BusinessResponseTime      float64 `json:"p90BusinessResponseTime"`
	AvgBusinessFirstResponseTime float64 `json:"avgBusinessFirstResponseTime"`
}

// Derive recomputes every derived field (rates, averages, quantiles) from
// the stored counts. Aggregation and Merge call it, and so do the decoders
// of package store; call it after changing counts by hand. It never
// fails: a zero count gives a zero rate or average.
func (m *Metrics) Derive() {
	msg := &m.Messages
	msg.DeliveryRate = DeliveryRate(msg.Delivered, msg.Sent)
	msg.ReadRate = ReadRate(msg.Read, msg.Delivered)
	msg.ReplyRate = ReplyRate(msg.Replied, msg.Sent)
	msg.FailureRate = FailureRate(msg.Failed, msg.Total)

	c := &m.Campaigns
	c.AvgDeliveryRate = DeliveryRate(c.MessagesDelivered, c.MessagesSent)
	c.AvgReadRate = ReadRate(c.MessagesRead, c.MessagesDelivered)

	ct := &m.Contacts
	ct.AvgEngagementScore = avgCenti(ct.EngagementScoreCenti, ct.Total)

	cv := &m.Conversations
	cv.AvgResponseTime = avgSeconds(cv.ResponseTimeMs, cv.ResponseCount)
	cv.AvgFirstResponseTime = avgSeconds(cv.FirstResponseTimeMs, cv.FirstResponseCount)
	cv.MedianResponseTime = cv.Histogram.Quantile(0.5)
	cv.P90ResponseTime = cv.Histogram.Quantile(0.9)
	cv.AvgBusinessResponseTime = avgSeconds(cv.BusinessResponseTimeMs, cv.BusinessResponseCount)
	cv.AvgBusinessFirstResponseTime = avgSeconds(cv.BusinessFirstResponseTimeMs, cv.BusinessFirstResponseCount)
	cv.MedianBusinessResponseTime = cv.BusinessHistogram.Quantile(0.5)
	cv.P90BusinessResponseTime = cv.BusinessHistogram.Quantile(0.9)
}

// avgSeconds returns totalMs/count milliseconds in seconds, rounded half
// away from zero to 2 decimals: round(totalMs·100 / (count·1000))
// hundredths of a second, computed in integers, so 139,545 ms over one
// response is 139.55. count ≤ 0 or totalMs ≤ 0 gives 0.
func avgSeconds(totalMs, count int64) float64 {
	if count <= 0 || totalMs <= 0 {
		return 0
	}
	hi, den := bits.Mul64(uint64(count), 10)
	if hi != 0 {
		// count·10 ≥ 2^64 > 2·totalMs: the mean is under half a hundredth.
		return 0
	}
	return centi(int64(mulDivRound(uint64(totalMs), 1, den)))
}

// avgCenti returns sumCenti/count hundredths as a number rounded half away
// from zero to 2 decimals, computed in integers; count ≤ 0 gives 0. It is
// the mean engagement score of ContactMetrics.
func avgCenti(sumCenti, count int64) float64 {
	if count <= 0 || sumCenti == 0 {
		return 0
	}
	mag := uint64(sumCenti)
	if sumCenti < 0 {
		mag = -mag // |MinInt64| fits in a uint64
	}
	q := int64(mulDivRound(mag, 1, uint64(count)))
	if sumCenti < 0 {
		q = -q
	}
	return centi(q)
}

// Merge returns the metrics of the union of ms: adjacent periods of one
// scope (days into a week), or disjoint scopes of one period. Merge(a, b)
// is the pairwise merge, and Merge(days...) gives exactly what folding
// Merge over days from the zero Metrics gives, in one pass.
//
// Counts, sums and histograms add, so every rate, average and quantile of
// the result is exactly what aggregating the union directly would give.
// The as-of fields (Contacts.Total, Blocked, EngagementScoreCenti) are taken
// from the input whose period ends latest (the later in ms on a tie), which
// is exact for adjacent periods of one scope.
//
// Contacts.Active is a distinct count and cannot be merged from counts.
// While every input carries an ActiveSketch, the result's is their union
// and Contacts.Active is its Count: exact while the union holds at most
// its k (SketchK) distinct contacts, else an estimate (see
// DistinctSketch). From the first input without one, the result has none
// and Contacts.Active is the largest count met, a lower bound of the true
// value; readers that need it exact recount it over the merged period
// (ActiveContactsCounter).
//
// Range becomes the span of all inputs, GeneratedAt the latest. A zero
// Metrics is the identity: it is skipped. No inputs, or only zero ones,
// give the zero Metrics. The inputs are not changed; derived fields are
// computed once, from the summed counts.
func Merge(ms ...Metrics) Metrics {
	ps := make([]*Metrics, len(ms))
	for i := range ms {
		ps[i] = &ms[i]
	}
	return mergeAll(ps)
}

// mergeAll is Merge over pointers, which it does not change.
func mergeAll(ms []*Metrics) Metrics {
	var out Metrics
	var sketches []*DistinctSketch // of the inputs up to the first without one
	var first *Metrics             // the first non-zero input
	cut := false                   // whether an input without a sketch came
	var afterCut int64             // the largest Contacts.Active from there on
	for _, b := range ms {
		if *b == (Metrics{}) {
			continue // the identity
		}
		if first == nil {
			first, out = b, *b
		} else {
			addCounts(&out, b)
		}
		if b.ActiveSketch == nil {
			cut = true
		}
		if !cut {
			sketches = append(sketches, b.ActiveSketch)
		} else {
			afterCut = max(afterCut, b.Contacts.Active)
		}
	}
	if first == nil {
		return Metrics{}
	}
	// As the fold: the first input's own count, or the count of the union
	// of the inputs so far while they all have sketches; then, from the
	// first without one, no sketch and the largest count.
	var active int64
	switch len(sketches) {
	case 0:
	case 1:
		active = first.Contacts.Active
		out.ActiveSketch = sketches[0]
	default:
		out.ActiveSketch = unionAll(sketches...)
		active = out.ActiveSketch.Count()
	}
	if cut {
		out.ActiveSketch = nil
		active = max(active, afterCut)
	}
	out.Contacts.Active = active
	out.Derive()
	return out
}

// addCounts merges b's counts into out as Merge does, except for the
// sketch of active contacts (out keeps the larger count) and the derived
// fields.
func addCounts(out, b *Metrics) {
	a := *out
	out.Range = Range{Start: minTime(a.Range.Start, b.Range.Start), End: maxTime(a.Range.End, b.Range.End)}
	out.GeneratedAt = maxTime(a.GeneratedAt, b.GeneratedAt)

	m, bm := &out.Messages, &b.Messages
	m.Total += bm.Total
	m.Sent += bm.Sent
	m.Delivered += bm.Delivered
	m.Read += bm.Read
	m.Failed += bm.Failed
	m.Replied += bm.Replied
	m.Inbound += bm.Inbound
	m.Outbound += bm.Outbound
	m.Unmapped += bm.Unmapped

	c, bc := &out.Campaigns, &b.Campaigns
	c.Total += bc.Total
	c.Active += bc.Active
	c.Completed += bc.Completed
	c.Failed += bc.Failed
	c.TotalRecipients += bc.TotalRecipients
	c.MessagesSent += bc.MessagesSent
	c.MessagesDelivered += bc.MessagesDelivered
	c.MessagesRead += bc.MessagesRead

	ct, bct := &out.Contacts, &b.Contacts
	ct.New += bct.New
	ct.Active = max(ct.Active, bct.Active)
	if !b.Range.End.Before(a.Range.End) {
		ct.Total, ct.Blocked, ct.EngagementScoreCenti = bct.Total, bct.Blocked, bct.EngagementScoreCenti
	}

	cv, bcv := &out.Conversations, &b.Conversations
	cv.Total += bcv.Total
	cv.Open += bcv.Open
	cv.Closed += bcv.Closed
	cv.ResponseCount += bcv.ResponseCount
	cv.ResponseTimeMs += bcv.ResponseTimeMs
	cv.Unanswered += bcv.Unanswered
	cv.Histogram.Add(bcv.Histogram)
	cv.FirstResponseCount += bcv.FirstResponseCount
	cv.FirstResponseTimeMs += bcv.FirstResponseTimeMs
	cv.BusinessResponseCount += bcv.BusinessResponseCount
	cv.BusinessResponseTimeMs += bcv.BusinessResponseTimeMs
	cv.BusinessHistogram.Add(bcv.BusinessHistogram)
	cv.BusinessFirstResponseCount += bcv.BusinessFirstResponseCount
	cv.BusinessFirstResponseTimeMs += bcv.BusinessFirstResponseTimeMs

	out.Traffic = mergeTraffic(out.Traffic, b.Traffic)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Validate reports counts that cannot be right: negative values, a subset
// larger than its set (Delivered > Sent, Read > Delivered, Replied >
// Outbound, Unmapped > Total, Inbound+Outbound ≠ Total, …), or a histogram whose count is not
// ResponseCount. The error wraps ErrCorrupt.
func (m Metrics) Validate() error {
	msg, cv, ct := m.Messages, m.Conversations, m.Contacts
	checks := []struct {
		ok   bool
		what string
	}{
		{msg.Total >= 0 && msg.Sent >= 0 && msg.Delivered >= 0 && msg.Read >= 0 && msg.Failed >= 0 &&
			msg.Replied >= 0 && msg.Inbound >= 0 && msg.Outbound >= 0 && msg.Unmapped >= 0, "negative message count"},
		{msg.Unmapped <= msg.Total, "unmapped > total"},
		// Sums are compared by subtraction: counts near the int64 limit
		// must not wrap around and pass.
		{msg.Read <= msg.Delivered && msg.Delivered <= msg.Sent && msg.Sent <= msg.Total && msg.Failed <= msg.Total-msg.Sent, "message status counts exceed their sets"},
		{msg.Inbound <= msg.Total && msg.Outbound == msg.Total-msg.Inbound, "inbound + outbound != total"},
		{msg.Replied <= msg.Outbound, "replied > outbound"},
		{m.Campaigns.Total >= 0 && m.Campaigns.Active >= 0 && m.Campaigns.Completed >= 0 && m.Campaigns.Failed >= 0 &&
			m.Campaigns.Active <= m.Campaigns.Total && m.Campaigns.Completed <= m.Campaigns.Total-m.Campaigns.Active &&
			m.Campaigns.Failed <= m.Campaigns.Total-m.Campaigns.Active-m.Campaigns.Completed, "campaign counts"},
		{ct.Total >= 0 && ct.New >= 0 && ct.Active >= 0 && ct.Blocked >= 0 && ct.Blocked <= ct.Total && ct.New <= ct.Total, "contact counts"},
		{cv.Total >= 0 && cv.Open >= 0 && cv.Closed >= 0 && cv.Open <= cv.Total && cv.Closed <= cv.Total-cv.Open, "conversation counts"},
		{cv.ResponseCount >= 0 && cv.ResponseTimeMs >= 0 && cv.Unanswered >= 0 && cv.FirstResponseCount >= 0 &&
			cv.FirstResponseTimeMs >= 0, "negative response counts"},
		{histogramCounts(cv.Histogram, cv.ResponseCount), "histogram count != responseCount"},
		{cv.BusinessResponseCount >= 0 && cv.BusinessResponseTimeMs >= 0 && cv.BusinessFirstResponseCount >= 0 &&
			cv.BusinessFirstResponseTimeMs >= 0, "negative business response counts"},
		{cv.BusinessResponseCount <= cv.ResponseCount && cv.BusinessFirstResponseCount <= cv.FirstResponseCount,
			"business response counts exceed calendar ones"},
		{histogramCounts(cv.BusinessHistogram, cv.BusinessResponseCount), "business histogram count != businessResponseCount"},
		{trafficWithin(m.Traffic, msg, cv), "traffic exceeds the message or conversation counts"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%w: metrics: %s", ErrCorrupt, c.what)
		}
	}
	return nil
}

// trafficWithin reports whether t's cells are non-negative and add up to
// at most the inbound and outbound messages and the conversations.
func trafficWithin(t *Traffic, msg MessageMetrics, cv ConversationMetrics) bool {
	var in, out, convs int64
	ok := true
	t.Each(func(_ time.Weekday, _ int, c TrafficCell) {
		if c.Inbound < 0 || c.Outbound < 0 || c.Conversations < 0 ||
			c.Inbound > msg.Inbound-in || c.Outbound > msg.Outbound-out || c.Conversations > cv.Total-convs {
			ok = false
			return
		}
		in, out, convs = in+c.Inbound, out+c.Outbound, convs+c.Conversations
	})
	return ok
}

// histogramCounts reports whether h's buckets are all non-negative and add
// up to exactly want (≥ 0), without letting the sum wrap around.
func histogramCounts(h Histogram, want int64) bool {
	left := want
	for _, c := range h {
		if c < 0 || c > left {
			return false
		}
		left -= c
	}
	return left == 0
}
