package analytics

import (
	"context"
	"time"
)

// Store is everything the library reads and writes. It is composed of the
// roles it plays, so an implementation (or a test double) can be built and
// checked one role at a time. store/pgstore implements it on Postgres,
// store/memstore in memory; store/storetest is the conformance suite both
// pass.
//
// A Store that reads on a replica of the database it writes may also have
// the method AwaitReplica(ctx context.Context) error, returning once its
// reads see every commit made on the primary before the call (waiting for
// the replica, or reading on the primary past a bound) and failing only
// when ctx ends. pgstore.Store has it. The Service calls it in
// Service.InvalidateTeam before invalidating, and the Snapshotter at the
// start of every run (Generate, GenerateAll, Run, and so the scheduler's
// runs), so that a run aggregates everything committed before it started.
// It is checked for as http.Flusher is: a wrapper of the Store must have it
// too.
type Store interface {
	TeamReader
	ActivityReader
	SnapshotStore
	CampaignReader
}

// TeamReader lists teams with their time zones and accounts. It is the
// Store role that Snapshotter runs page through (Snapshotter.TeamBatches).
type TeamReader interface {
	// Teams returns up to limit teams whose ID sorts after the given one
	// (byte order), in ID order, each with its AccountIDs sorted. Pass ""
	// to start. limit ≤ 0 gives ErrInvalidArgument.
	Teams(ctx context.Context, after string, limit int) ([]Team, error)
	// Team returns one team, or ErrNotFound.
	Team(ctx context.Context, id string) (Team, error)
}

// ActivityReader aggregates raw activity (messages, campaigns, contacts,
// conversations) into Metrics, as the package documentation defines them.
type ActivityReader interface {
	// Aggregate computes the metrics of every item of req, returned in the
	// order of req.Items. Items may mix teams, scopes and periods; an
	// implementation should compute them together (one set-based pass per
	// source, say) rather than one by one. Metrics.GeneratedAt is left zero.
	// A team or account with no activity gives zero counts, not an error.
	// The result must equal store.ComputeMetrics over the same activity, the
	// sketches of req.Sketches included.
	Aggregate(ctx context.Context, req AggregateRequest) ([]Metrics, error)
}

// SnapshotStore persists snapshots, one per (scope, date, type), and reads
// them back by scope and range of dates.
type SnapshotStore interface {
	// UpsertSnapshots writes snaps in one all-or-nothing batch. A snapshot
	// is keyed by (Scope, Date, Type): an existing row with that key has its
	// Metrics (with Metrics.ActiveSketch, or none if it is nil) and
	// CreatedAt replaced and keeps its ID; a new row gets
	// snap.ID, or a generated one if empty. Two snapshots with one key in a
	// batch give ErrInvalidArgument. A zero CreatedAt means the store's now.
	UpsertSnapshots(ctx context.Context, snaps []Snapshot) error
	// Snapshots returns the snapshots of q.Scope (exactly that scope:
	// team-wide rows only for a team-wide scope) and q.Type with dates in
	// [q.From, q.To], both inclusive, in date order, at most q.Limit of
	// them (0: no limit). A snapshot whose stored metrics cannot be decoded
	// gives an error wrapping ErrCorrupt that names it. Metrics.ActiveSketch
	// is left nil: reads for dashboards and handlers do not need it, and
	// roll-ups read it through SnapshotRangeReader.
	Snapshots(ctx context.Context, q SnapshotQuery) ([]Snapshot, error)
}

// DefaultReplyWindow is the default reply window: the WhatsApp
// customer-service window of 24 hours.
const DefaultReplyWindow = 24 * time.Hour

// AggregateRequest asks an ActivityReader for the metrics of many scopes
// and periods at once.
type AggregateRequest struct {
	Items []ScopePeriod
	// ReplyWindow is how soon an inbound message must follow an outbound one
	// to count as its reply, and how soon a customer turn must be answered to
	// count as responded. Defaults to DefaultReplyWindow when zero; negative
	// gives ErrInvalidArgument.
	ReplyWindow time.Duration
	// Sketches asks for Metrics.ActiveSketch: for every item, the
	// DistinctSketch with k = SketchK (SketchOf) of the contacts that
	// Contacts.Active counts. Without it, ActiveSketch is nil. A store that
	// cannot produce sketches may leave them nil; roll-ups then count
	// active contacts exactly instead (ActiveContactsCounter).
	Sketches bool
	// WorkingHours gives, by team ID, the working hours that the
	// business-time fields of ConversationMetrics measure against, read
	// in the time zone of each item's Period.Start. A team with no entry
	// (or a nil one) gets those fields 0. The Snapshotter and the Service
	// fill it from Team.Hours. The map is read, never changed.
	WorkingHours map[string]*WorkingHours
}

// Window returns ReplyWindow, or DefaultReplyWindow if it is zero.
func (r AggregateRequest) Window() time.Duration {
	if r.ReplyWindow == 0 {
		return DefaultReplyWindow
	}
	return r.ReplyWindow
}

// Validate checks every item and the window. Errors name the item, e.g.
// "Items[3].Scope.TeamID".
func (r AggregateRequest) Validate() error {
	if r.ReplyWindow < 0 {
		return invalid("ReplyWindow", "must not be negative, got %v", r.ReplyWindow)
	}
	for team, h := range r.WorkingHours {
		if h == nil {
			continue
		}
		if err := h.Validate(); err != nil {
			return invalid("WorkingHours["+quoteShort(team)+"]", "%v", err)
		}
	}
	for i, it := range r.Items {
		if err := it.Validate(); err != nil {
			if fe, ok := err.(*FieldError); ok {
				return invalid(fmtIndex("Items", i)+"."+fe.Field, "%s", fe.Reason)
			}
			return err
		}
	}
	return nil
}

// ScopePeriod is one scope over one period: an item of an
// AggregateRequest. The zero ScopePeriod is invalid.
type ScopePeriod struct {
	// Scope is the team or account measured.
	Scope Scope
	// Period is the half-open interval [Start, End) measured; it may be
	// unfinished.
	Period Period
}

// Validate checks the scope and that the period is well formed (it may be
// unfinished: real-time reads aggregate the current day).
func (sp ScopePeriod) Validate() error {
	if err := sp.Scope.Validate(); err != nil {
		return err
	}
	if !sp.Period.Start.Before(sp.Period.End) {
		return invalid("Period", "start %v is not before end %v", sp.Period.Start, sp.Period.End)
	}
	return nil
}

// Snapshot is the stored metrics of one scope for one period. Its key is
// (Scope, Type, Date); see SnapshotKey.
type Snapshot struct {
	// ID is the row's primary key; stores generate one when empty.
	ID string
	// Scope is the team or account the metrics cover.
	Scope Scope
	// Type is the period's length.
	Type SnapshotType
	// Date is the local date of the period's start, in the team's zone
	// (Period.Date).
	Date Date
	// Metrics are the period's metrics; Metrics.Range is the period's
	// [Start, End).
	Metrics Metrics
	// CreatedAt is when this version was generated.
	CreatedAt time.Time
}

// Key returns the snapshot's unique key: its Scope, Type and Date.
func (s Snapshot) Key() SnapshotKey { return SnapshotKey{Scope: s.Scope, Type: s.Type, Date: s.Date} }

// SnapshotKey is what makes a snapshot unique: (team, account, date,
// type). An empty Scope.AccountID is the team-wide snapshot.
type SnapshotKey struct {
	// Scope is the snapshot's team and account.
	Scope Scope
	// Type is the length of the snapshot's period.
	Type SnapshotType
	// Date is the local date the period starts on.
	Date Date
}

// Validate checks the snapshot's key. Metrics are not checked.
func (s Snapshot) Validate() error {
	if err := s.Scope.Validate(); err != nil {
		return err
	}
	if !s.Type.Valid() {
		return invalid("Snapshot.Type", "unknown snapshot type %d", s.Type)
	}
	if s.Date.IsZero() {
		return invalid("Snapshot.Date", "must be set")
	}
	return nil
}

// SnapshotQuery selects stored snapshots; see SnapshotStore.Snapshots. Its
// zero value is invalid: it names no team and no type.
type SnapshotQuery struct {
	// Scope selects exactly its rows: a team-wide scope matches team-wide
	// snapshots only.
	Scope Scope
	// Type is the length of the periods selected.
	Type     SnapshotType
	From, To Date // inclusive local dates; From after To gives ErrInvalidArgument
	Limit    int  // at most this many, 0 for no limit; negative is invalid
}

// Validate checks the query's fields.
func (q SnapshotQuery) Validate() error {
	if err := q.Scope.Validate(); err != nil {
		return err
	}
	if !q.Type.Valid() {
		return invalid("SnapshotQuery.Type", "unknown snapshot type %d", q.Type)
	}
	if q.From.IsZero() || q.To.IsZero() {
		return invalid("SnapshotQuery.From", "From and To must both be set")
	}
	if q.From.After(q.To) {
		return invalid("SnapshotQuery.From", "%s is after To %s", q.From, q.To)
	}
	if q.Limit < 0 {
		return invalid("SnapshotQuery.Limit", "must not be negative, got %d", q.Limit)
	}
	return nil
}
