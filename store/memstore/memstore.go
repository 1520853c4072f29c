// Package memstore is an in-memory analytics.Store: raw activity (messages,
// conversations, contacts, campaigns, as a host keeps them) and snapshots,
// held in maps behind one sync.RWMutex.
//
// It is the store of the quickstart and the one hosts use in their own
// tests: build a Store with New, add teams with AddTeams, add activity with
// Add (or AddMessages and friends), and hand it to analytics.NewSnapshotter
// or the Service. It passes the conformance suite in store/storetest, so it
// aggregates exactly as store.ComputeMetrics defines and as the Postgres
// store does.
//
// Snapshots are kept as encoded JSON and decoded with store.DecodeMetrics
// on every read, the same round trip the Postgres store's JSONB column makes;
// a snapshot's sketch of active contacts is kept beside it in its binary
// encoding and returned by SnapshotsOfTeams, which roll-ups read.
//
// Records are identified by (team, ID) per kind: two teams may use the same
// conversation or contact ID without their data mixing. Timestamps are kept
// as given; Postgres keeps only whole milliseconds, so tests meant to pass on
// both stores should use millisecond timestamps.
package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Config configures a Store. A nil *Config, and every zero field, means the
// default stated on the field (see WithDefaults).
type Config struct {
	// Clock stamps CreatedAt on snapshots upserted without one. Defaults to
	// analytics.SystemClock(). A typed nil (a nil *analytics.FakeClock)
	// makes New panic.
	Clock analytics.Clock
}

// WithDefaults returns a copy of c with every zero field set to its
// default. A nil c gives every default.
func (c *Config) WithDefaults() *Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.Clock == nil {
		out.Clock = analytics.SystemClock()
	}
	return &out
}

// validate checks a Config that has its defaults; errors name the field
// as Config.Field.
func (c *Config) validate() error {
	if v := reflect.ValueOf(c.Clock); v.Kind() == reflect.Pointer && v.IsNil() {
		return &analytics.FieldError{Field: "Config.Clock", Reason: fmt.Sprintf("is a nil %T; build it first, or leave the field nil", c.Clock)}
	}
	return nil
}

// Store is an in-memory analytics.Store. It is safe for concurrent use. The
// zero value is not usable; call New.
type Store struct {
	clock analytics.Clock

	mu      sync.RWMutex
	teams   map[string]analytics.Team // team ID -> team, AccountIDs sorted
	ids     []string                  // team IDs, sorted by byte order
	data    map[string]*teamData      // team ID -> its raw activity
	snaps   map[scopeType]map[analytics.Date]*snapRow
	snapIDs map[string]analytics.SnapshotKey // snapshot ID -> key

	jobs jobTable // job runs; see jobruns.go
}

var (
	_ analytics.Store                 = (*Store)(nil)
	_ analytics.ActiveContactsCounter = (*Store)(nil)
	_ analytics.SnapshotRangeReader   = (*Store)(nil)
	_ analytics.SnapshotStreamer      = (*Store)(nil)
)

// teamData is one team's raw activity. The indexes map a record ID to its
// position in the slice.
type teamData struct {
	messages      []store.Message
	messageIdx    map[string]int
	conversations []store.Conversation
	convIdx       map[string]int
	contacts      []store.Contact
	contactIdx    map[string]int
	campaigns     []store.Campaign
	campaignIdx   map[string]int
	// index is the activity indexed for aggregation, built on the first
	// Aggregate after a change and dropped by every change (under s.mu).
	index atomic.Pointer[store.ActivityIndex]
}

func newTeamData() *teamData {
	return &teamData{
		messageIdx:  map[string]int{},
		convIdx:     map[string]int{},
		contactIdx:  map[string]int{},
		campaignIdx: map[string]int{},
	}
}

// scopeType is the part of a snapshot key that a query fixes.
type scopeType struct {
	scope analytics.Scope
	typ   analytics.SnapshotType
}

// snapRow is one stored snapshot; metrics holds the encoded JSON, sketch
// the encoded Metrics.ActiveSketch (nil: none).
type snapRow struct {
	id        string
	key       analytics.SnapshotKey
	metrics   []byte
	sketch    []byte
	createdAt time.Time
}

// New returns an empty Store, configured by cfg.WithDefaults() (nil for
// every default). An invalid cfg, which only a programming error gives,
// makes it panic with a *analytics.FieldError naming the field.
func New(cfg *Config) *Store {
	c := cfg.WithDefaults()
	if err := c.validate(); err != nil {
		panic(err)
	}
	s := &Store{
		clock:   c.Clock,
		teams:   map[string]analytics.Team{},
		data:    map[string]*teamData{},
		snaps:   map[scopeType]map[analytics.Date]*snapRow{},
		snapIDs: map[string]analytics.SnapshotKey{},
	}
	return s
}

// AddTeams adds teams, all or none. Each ID must pass analytics.ValidateID
// and be new (not already added, not repeated in teams); TimeZone must be
// empty (UTC) or a zone Team.Location loads; every account ID must
// pass ValidateID. AccountIDs are stored sorted, without duplicates. Any
// problem gives an error wrapping analytics.ErrInvalidArgument and nothing
// is added.
func (s *Store) AddTeams(teams ...analytics.Team) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	clean := make([]analytics.Team, len(teams))
	for i, t := range teams {
		field := fmt.Sprintf("teams[%d]", i)
		if err := analytics.ValidateID(field+".ID", t.ID); err != nil {
			return fmt.Errorf("memstore: %w", err)
		}
		if _, ok := s.teams[t.ID]; ok || seen[t.ID] {
			return fmt.Errorf("memstore: %w", store.InvalidArgument(field+".ID", "team %q already exists", t.ID))
		}
		seen[t.ID] = true
		if _, err := t.Location(); err != nil {
			return fmt.Errorf("memstore: %w", store.InvalidArgument(field+".TimeZone", "unknown time zone %q", t.TimeZone))
		}
		accounts := slices.Clone(t.AccountIDs)
		for j, a := range accounts {
			if err := analytics.ValidateID(fmt.Sprintf("%s.AccountIDs[%d]", field, j), a); err != nil {
				return fmt.Errorf("memstore: %w", err)
			}
		}
		slices.Sort(accounts)
		clean[i] = analytics.Team{ID: t.ID, TimeZone: t.TimeZone, AccountIDs: slices.Compact(accounts)}
	}
	for _, t := range clean {
		s.teams[t.ID] = t
		s.ids = append(s.ids, t.ID)
	}
	slices.Sort(s.ids)
	return nil
}

// Add adds raw activity, all or none. Every record is checked before any is
// added:
//
//   - ID and TeamID pass analytics.ValidateID, and CreatedAt is set;
//   - the team has been added (else the error wraps analytics.ErrNotFound);
//   - a non-empty AccountID is one of the team's AccountIDs (else
//     ErrNotFound), as a foreign key to the team's accounts would demand;
//   - a non-empty ConversationID, ContactID or CampaignID passes
//     ValidateID (they need not refer to records added so far);
//   - the ID is not used by another record of the same kind and team, in
//     the store or in a (else ErrInvalidArgument).
//
// Errors name the record, e.g. "Messages[3].AccountID".
func (s *Store) Add(a store.Activity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(a); err != nil {
		return err
	}
	for _, m := range a.Messages {
		d := s.team(m.TeamID)
		d.messageIdx[m.ID] = len(d.messages)
		d.messages = append(d.messages, m)
	}
	for _, c := range a.Conversations {
		d := s.team(c.TeamID)
		d.convIdx[c.ID] = len(d.conversations)
		d.conversations = append(d.conversations, c)
	}
	for _, c := range a.Contacts {
		d := s.team(c.TeamID)
		d.contactIdx[c.ID] = len(d.contacts)
		d.contacts = append(d.contacts, c)
	}
	for _, c := range a.Campaigns {
		d := s.team(c.TeamID)
		d.campaignIdx[c.ID] = len(d.campaigns)
		d.campaigns = append(d.campaigns, c)
	}
	return nil
}

// team returns the activity of team id, creating it, for a change: it drops
// the team's aggregation index. Callers hold s.mu for writing.
func (s *Store) team(id string) *teamData {
	d := s.data[id]
	if d == nil {
		d = newTeamData()
		s.data[id] = d
	}
	d.index.Store(nil)
	return d
}

// record is what check needs to know of any kind of record.
type record struct {
	id, teamID, accountID string
	refs                  [][2]string // (field suffix, ID) of optional references
	createdAt             time.Time
}

// check validates a against the store. Callers hold s.mu.
func (s *Store) check(a store.Activity) error {
	kinds := []struct {
		name    string
		records []record
		index   func(*teamData) map[string]int
	}{
		{"Messages", mapRecords(a.Messages, func(m store.Message) record {
			return record{m.ID, m.TeamID, m.AccountID, [][2]string{{"ConversationID", m.ConversationID}, {"CampaignID", m.CampaignID}}, m.CreatedAt}
		}), func(d *teamData) map[string]int { return d.messageIdx }},
		{"Conversations", mapRecords(a.Conversations, func(c store.Conversation) record {
			return record{c.ID, c.TeamID, c.AccountID, [][2]string{{"ContactID", c.ContactID}}, c.CreatedAt}
		}), func(d *teamData) map[string]int { return d.convIdx }},
		{"Contacts", mapRecords(a.Contacts, func(c store.Contact) record {
			return record{c.ID, c.TeamID, "", nil, c.CreatedAt}
		}), func(d *teamData) map[string]int { return d.contactIdx }},
		{"Campaigns", mapRecords(a.Campaigns, func(c store.Campaign) record {
			return record{c.ID, c.TeamID, c.AccountID, nil, c.CreatedAt}
		}), func(d *teamData) map[string]int { return d.campaignIdx }},
	}
	for _, k := range kinds {
		seen := map[[2]string]bool{}
		for i, r := range k.records {
			field := fmt.Sprintf("%s[%d]", k.name, i)
			if err := analytics.ValidateID(field+".ID", r.id); err != nil {
				return fmt.Errorf("memstore: %w", err)
			}
			if err := analytics.ValidateID(field+".TeamID", r.teamID); err != nil {
				return fmt.Errorf("memstore: %w", err)
			}
			team, ok := s.teams[r.teamID]
			if !ok {
				return fmt.Errorf("memstore: %s.TeamID: team %q: %w", field, r.teamID, analytics.ErrNotFound)
			}
			if r.accountID != "" && !team.HasAccount(r.accountID) {
				return fmt.Errorf("memstore: %s.AccountID: account %q of team %q: %w", field, r.accountID, r.teamID, analytics.ErrNotFound)
			}
			for _, ref := range r.refs {
				if ref[1] == "" {
					continue
				}
				if err := analytics.ValidateID(field+"."+ref[0], ref[1]); err != nil {
					return fmt.Errorf("memstore: %w", err)
				}
			}
			if r.createdAt.IsZero() {
				return fmt.Errorf("memstore: %w", store.InvalidArgument(field+".CreatedAt", "must be set"))
			}
			key := [2]string{r.teamID, r.id}
			exists := false
			if d := s.data[r.teamID]; d != nil {
				_, exists = k.index(d)[r.id]
			}
			if exists || seen[key] {
				return fmt.Errorf("memstore: %w", store.InvalidArgument(field+".ID", "team %q already has %s %q", r.teamID, k.name, r.id))
			}
			seen[key] = true
		}
	}
	return nil
}

func mapRecords[T any](xs []T, f func(T) record) []record {
	out := make([]record, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// AddMessages adds messages, all or none; see Add.
func (s *Store) AddMessages(ms ...store.Message) error {
	return s.Add(store.Activity{Messages: ms})
}

// AddConversations adds conversations, all or none; see Add.
func (s *Store) AddConversations(cs ...store.Conversation) error {
	return s.Add(store.Activity{Conversations: cs})
}

// AddContacts adds contacts, all or none; see Add.
func (s *Store) AddContacts(cs ...store.Contact) error {
	return s.Add(store.Activity{Contacts: cs})
}

// AddCampaigns adds campaigns, all or none; see Add.
func (s *Store) AddCampaigns(cs ...store.Campaign) error {
	return s.Add(store.Activity{Campaigns: cs})
}

// SetMessageStatus changes the status of one message, as a late delivery or
// read receipt does. An unknown team or message gives an error wrapping
// analytics.ErrNotFound.
func (s *Store) SetMessageStatus(teamID, messageID, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.data[teamID]
	if d == nil {
		return fmt.Errorf("memstore: message %q of team %q: %w", messageID, teamID, analytics.ErrNotFound)
	}
	i, ok := d.messageIdx[messageID]
	if !ok {
		return fmt.Errorf("memstore: message %q of team %q: %w", messageID, teamID, analytics.ErrNotFound)
	}
	d.messages[i].Status = status
	d.index.Store(nil)
	return nil
}

// Teams implements analytics.TeamReader: up to limit teams whose ID sorts
// after after in byte order, in that order. limit ≤ 0 gives
// analytics.ErrInvalidArgument. The returned teams are copies.
func (s *Store) Teams(ctx context.Context, after string, limit int) ([]analytics.Team, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("memstore: %w", store.InvalidArgument("limit", "must be positive, got %d", limit))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.ids), func(i int) bool { return s.ids[i] > after })
	var out []analytics.Team
	for ; i < len(s.ids) && len(out) < limit; i++ {
		out = append(out, cloneTeam(s.teams[s.ids[i]]))
	}
	return out, nil
}

// Team implements analytics.TeamReader. An ID that fails
// analytics.ValidateID gives ErrInvalidArgument; an unknown one ErrNotFound.
func (s *Store) Team(ctx context.Context, id string) (analytics.Team, error) {
	if err := ctx.Err(); err != nil {
		return analytics.Team{}, fmt.Errorf("memstore: %w", err)
	}
	if err := analytics.ValidateID("id", id); err != nil {
		return analytics.Team{}, fmt.Errorf("memstore: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.teams[id]
	if !ok {
		return analytics.Team{}, fmt.Errorf("memstore: team %q: %w", id, analytics.ErrNotFound)
	}
	return cloneTeam(t), nil
}

func cloneTeam(t analytics.Team) analytics.Team {
	t.AccountIDs = slices.Clone(t.AccountIDs)
	return t
}

// Aggregate implements analytics.ActivityReader with
// store.ComputeMetrics over the activity of the teams req names, and
// only theirs. A team that has not been added, or has no activity, gives
// zero counts.
func (s *Store) Aggregate(ctx context.Context, req analytics.AggregateRequest) ([]analytics.Metrics, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	// Each team's items are computed on its own index, built under the
	// read lock from the team's records (the index copies them) and kept
	// until the team changes.
	byTeam := map[string][]int{}
	for i, it := range req.Items {
		byTeam[it.Scope.TeamID] = append(byTeam[it.Scope.TeamID], i)
	}
	indexes := make(map[string]*store.ActivityIndex, len(byTeam))
	s.mu.RLock()
	for id := range byTeam {
		d := s.data[id]
		if d == nil {
			continue
		}
		x := d.index.Load()
		if x == nil {
			x = store.IndexActivity(&store.Activity{
				Messages: d.messages, Conversations: d.conversations, Contacts: d.contacts, Campaigns: d.campaigns,
			})
			d.index.Store(x)
		}
		indexes[id] = x
	}
	s.mu.RUnlock()
	out := make([]analytics.Metrics, len(req.Items))
	for id, is := range byTeam {
		x := indexes[id]
		if x == nil {
			x = store.IndexActivity(nil)
		}
		sub := analytics.AggregateRequest{Items: make([]analytics.ScopePeriod, len(is)), ReplyWindow: req.ReplyWindow, Sketches: req.Sketches}
		for j, i := range is {
			sub.Items[j] = req.Items[i]
		}
		ms, err := x.Compute(sub)
		if err != nil {
			return nil, fmt.Errorf("memstore: %w", err)
		}
		for j, i := range is {
			out[i] = ms[j]
		}
	}
	return out, nil
}

// ActiveContacts implements analytics.ActiveContactsCounter: it aggregates
// req and keeps Contacts.Active, which in memory costs no more than
// counting it alone.
func (s *Store) ActiveContacts(ctx context.Context, req analytics.AggregateRequest) ([]int64, error) {
	ms, err := s.Aggregate(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Contacts.Active
	}
	return out, nil
}

// UpsertSnapshots implements analytics.SnapshotStore. Beyond the interface's
// rules, every snapshot's team must have been added (else the error wraps
// analytics.ErrNotFound, as the Postgres foreign key would have it); its
// Metrics must be what store.DecodeMetrics accepts (a non-empty Period
// and counts that pass Metrics.Validate), so that no write can make a later
// read fail; and a given ID must not belong to a snapshot with another key.
// Those give ErrInvalidArgument. Nothing is written unless all is well.
func (s *Store) UpsertSnapshots(ctx context.Context, snaps []analytics.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	rows, err := encodeSnapshots(snaps)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkRowsLocked(rows); err != nil {
		return err
	}
	s.writeRowsLocked(rows, now)
	return nil
}

// encodeSnapshots validates snaps, alone and against each other (no two
// with one key or one ID), and encodes them as rows.
func encodeSnapshots(snaps []analytics.Snapshot) ([]snapRow, error) {
	rows := make([]snapRow, len(snaps))
	keys := map[analytics.SnapshotKey]int{}
	ids := map[string]int{}
	for i, sn := range snaps {
		field := fmt.Sprintf("snaps[%d]", i)
		if err := sn.Validate(); err != nil {
			return nil, fmt.Errorf("memstore: %s: %w", field, err)
		}
		k := sn.Key()
		if j, ok := keys[k]; ok {
			return nil, fmt.Errorf("memstore: %w", store.InvalidArgument(field,
				"has the key of snaps[%d] (%s %s %s)", j, k.Scope, k.Type, k.Date))
		}
		keys[k] = i
		if sn.ID != "" {
			if err := analytics.ValidateID(field+".ID", sn.ID); err != nil {
				return nil, fmt.Errorf("memstore: %w", err)
			}
			if j, ok := ids[sn.ID]; ok {
				return nil, fmt.Errorf("memstore: %w", store.InvalidArgument(field+".ID", "%q is also the ID of snaps[%d]", sn.ID, j))
			}
			ids[sn.ID] = i
		}
		r, err := encodeSnapshot(field, sn)
		if err != nil {
			return nil, fmt.Errorf("memstore: %w", err)
		}
		rows[i] = r
	}
	return rows, nil
}

// encodeSnapshot checks that sn's metrics are what store.DecodeMetrics
// accepts and encodes sn as a row; field names it in errors.
func encodeSnapshot(field string, sn analytics.Snapshot) (snapRow, error) {
	if sn.Metrics.Range.Start.IsZero() || !sn.Metrics.Range.Start.Before(sn.Metrics.Range.End) {
		return snapRow{}, store.InvalidArgument(field+".Metrics.Range", "must be a non-empty range")
	}
	if err := sn.Metrics.Validate(); err != nil {
		return snapRow{}, store.InvalidArgument(field+".Metrics", "%v", err)
	}
	b, err := json.Marshal(sn.Metrics)
	if err != nil {
		return snapRow{}, store.InvalidArgument(field+".Metrics", "cannot encode: %v", err)
	}
	var sketch []byte
	if sn.Metrics.ActiveSketch != nil {
		if sketch, err = sn.Metrics.ActiveSketch.MarshalBinary(); err != nil {
			return snapRow{}, store.InvalidArgument(field+".Metrics.ActiveSketch", "cannot encode: %v", err)
		}
	}
	return snapRow{id: sn.ID, key: sn.Key(), metrics: b, sketch: sketch, createdAt: sn.CreatedAt}, nil
}

// checkRowsLocked checks rows against the store: every row's team exists
// and a row's ID, if any, is not that of a snapshot with another key.
// s.mu must be held.
func (s *Store) checkRowsLocked(rows []snapRow) error {
	for i := range rows {
		r := &rows[i]
		if _, ok := s.teams[r.key.Scope.TeamID]; !ok {
			return fmt.Errorf("memstore: snaps[%d]: team %q: %w", i, r.key.Scope.TeamID, analytics.ErrNotFound)
		}
		if r.id == "" {
			continue
		}
		if k, ok := s.snapIDs[r.id]; ok && k != r.key {
			return fmt.Errorf("memstore: %w", store.InvalidArgument(fmt.Sprintf("snaps[%d].ID", i),
				"%q is the ID of the snapshot %s %s %s", r.id, k.Scope, k.Type, k.Date))
		}
	}
	return nil
}

// writeRowsLocked writes rows, checked: a row replaces the metrics and
// creation time of the snapshot with its key, keeping its ID, or is added
// with its ID or a new one. A zero creation time is now. s.mu must be
// held.
func (s *Store) writeRowsLocked(rows []snapRow, now time.Time) {
	for i := range rows {
		r := rows[i]
		if r.createdAt.IsZero() {
			r.createdAt = now
		}
		st := scopeType{r.key.Scope, r.key.Type}
		byDate := s.snaps[st]
		if byDate == nil {
			byDate = map[analytics.Date]*snapRow{}
			s.snaps[st] = byDate
		}
		if old := byDate[r.key.Date]; old != nil {
			old.metrics, old.sketch, old.createdAt = r.metrics, r.sketch, r.createdAt
			continue
		}
		if r.id == "" {
			r.id = newID()
		}
		byDate[r.key.Date] = &r
		s.snapIDs[r.id] = r.key
	}
}

// Snapshots implements analytics.SnapshotStore. Every row is decoded with
// store.DecodeMetrics; one that fails gives an error wrapping
// analytics.ErrCorrupt that names its ID and key. Metrics.ActiveSketch is
// left nil, as the interface says; SnapshotsOfTeams returns it.
func (s *Store) Snapshots(ctx context.Context, q analytics.SnapshotQuery) ([]analytics.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	s.mu.RLock()
	var rows []snapRow
	for d, r := range s.snaps[scopeType{q.Scope, q.Type}] {
		if !d.Before(q.From) && !d.After(q.To) {
			rows = append(rows, *r)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(rows, func(a, b snapRow) int { return a.key.Date.Compare(b.key.Date) })
	if q.Limit > 0 && len(rows) > q.Limit {
		rows = rows[:q.Limit]
	}
	out := make([]analytics.Snapshot, len(rows))
	for i, r := range rows {
		sn, err := r.snapshot()
		if err != nil {
			return nil, err
		}
		out[i] = sn
	}
	return out, nil
}

// SnapshotsOfTeams implements analytics.SnapshotRangeReader: the
// snapshots of type typ of teams dated from from to to, with their
// sketches, decoded as Snapshots decodes them (the sketch with
// DistinctSketch.UnmarshalBinary).
func (s *Store) SnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date) ([]analytics.Snapshot, error) {
	var out []analytics.Snapshot
	err := s.StreamSnapshotsOfTeams(ctx, teams, typ, from, to, func(sn *analytics.Snapshot) error {
		out = append(out, *sn)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StreamSnapshotsOfTeams implements analytics.SnapshotStreamer: it lists
// the matching rows under the read lock (their stored encodings are
// shared, not copied: an upsert replaces them), then decodes them one at a
// time, calling fn with each, so that the decoded snapshots are never all
// held at once.
func (s *Store) StreamSnapshotsOfTeams(ctx context.Context, teams []string, typ analytics.SnapshotType, from, to analytics.Date, fn func(*analytics.Snapshot) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %w", err)
	}
	if !typ.Valid() {
		return fmt.Errorf("memstore: %w", store.InvalidArgument("typ", "unknown snapshot type %d", typ))
	}
	if from.IsZero() || to.IsZero() || from.After(to) {
		return fmt.Errorf("memstore: %w", store.InvalidArgument("from", "[%s, %s] is not a range of dates", from, to))
	}
	want := make(map[string]bool, len(teams))
	for i, t := range teams {
		if err := analytics.ValidateID(fmt.Sprintf("teams[%d]", i), t); err != nil {
			return fmt.Errorf("memstore: %w", err)
		}
		want[t] = true
	}
	s.mu.RLock()
	var rows []snapRow
	for st, byDate := range s.snaps {
		if st.typ != typ || !want[st.scope.TeamID] {
			continue
		}
		for d, r := range byDate {
			if !d.Before(from) && !d.After(to) {
				rows = append(rows, *r)
			}
		}
	}
	s.mu.RUnlock()
	for _, r := range rows {
		sn, err := r.snapshot()
		if err != nil {
			return err
		}
		if r.sketch != nil {
			sketch := new(analytics.DistinctSketch)
			if err := sketch.UnmarshalBinary(r.sketch); err != nil {
				return fmt.Errorf("memstore: snapshot %q (%s %s %s): sketch: %w", r.id, r.key.Scope, r.key.Type, r.key.Date, err)
			}
			sn.Metrics.ActiveSketch = sketch
		}
		if err := fn(&sn); err != nil {
			return fmt.Errorf("memstore: %w", err)
		}
	}
	return nil
}

// snapshot decodes r, without its sketch.
func (r snapRow) snapshot() (analytics.Snapshot, error) {
	m, err := store.DecodeMetrics(r.metrics)
	if err != nil {
		return analytics.Snapshot{}, fmt.Errorf("memstore: snapshot %q (%s %s %s): %w", r.id, r.key.Scope, r.key.Type, r.key.Date, err)
	}
	return analytics.Snapshot{ID: r.id, Scope: r.key.Scope, Type: r.key.Type, Date: r.key.Date, Metrics: m, CreatedAt: r.createdAt}, nil
}

// newID returns 32 random hex digits.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand.Read does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}
