package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// SnapshotterConfig configures a Snapshotter. A nil *SnapshotterConfig, and
// every zero field, means the default stated on the field (see
// WithDefaults).
type SnapshotterConfig struct {
	// Clock stamps GeneratedAt and CreatedAt and decides which periods have
	// ended. Defaults to SystemClock(); in Config.Snapshotter, to
	// Config.Clock. A typed nil (a nil *FakeClock) is an error.
	Clock Clock
	// BatchSize is how many teams are aggregated and upserted together, in
	// one Aggregate call and one all-or-nothing UpsertSnapshots call.
	// Defaults to 200. Must not be negative.
	BatchSize int
	// ReplyWindow is passed to every AggregateRequest. Defaults to
	// DefaultReplyWindow (24 h). Must not be negative.
	ReplyWindow time.Duration
	// Logger receives one line per failed team and per run. Defaults to a
	// logger that discards everything; in Config.Snapshotter, to
	// Config.Logger.
	Logger *slog.Logger
	// AfterBatch, if set, is called after each batch of snapshots has been
	// stored, with the snapshots written. It runs on the goroutine that
	// generated the batch; its duration adds to the run's. With
	// RollUpParallelism above 1 it may be called for two batches of a
	// weekly or monthly run at once. In Config.Snapshotter, it is called
	// after the Service has invalidated the batch's teams. Defaults to
	// nil: nothing is called.
	AfterBatch func(ctx context.Context, snaps []Snapshot)
	// RollUpParallelism is how many batches of a weekly or monthly run are
	// rolled up at once when the store can roll up (ActiveContactsCounter).
	// Rolling a batch up alternates between reading its daily snapshots
	// (the database), merging them (the CPU) and writing the results (the
	// database again); two batches in flight keep both busy. Daily runs,
	// and runs over stores that cannot roll up, whose aggregation is
	// parallel in the store already, take one batch at a time. Defaults to
	// 2. Must not be negative.
	RollUpParallelism int

	// afterLatest, if set, is called after AfterBatch with the IDs of the
	// teams whose latest complete period of its type, at the clock's now,
	// the batch wrote (see latestTeams). A run writes each team in one
	// batch, so it is called at most once per team per run, and a
	// catch-up of many past periods calls it for the last run alone. The
	// Service warms those teams' dashboards.
	afterLatest func(ctx context.Context, teamIDs []string)
}

// Defaults of SnapshotterConfig.
const (
	defaultBatchSize         = 200
	defaultRollUpParallelism = 2
)

// discardLogger returns the logger every Config defaults to: one that
// discards everything.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// WithDefaults returns a copy of c with every zero field set to its
// default. A nil c gives every default. It does not validate: negative
// sizes and a typed-nil Clock are kept for NewSnapshotter to report.
func (c *SnapshotterConfig) WithDefaults() *SnapshotterConfig {
	var out SnapshotterConfig
	if c != nil {
		out = *c
	}
	if out.Clock == nil {
		out.Clock = SystemClock()
	}
	if out.BatchSize == 0 {
		out.BatchSize = defaultBatchSize
	}
	if out.ReplyWindow == 0 {
		out.ReplyWindow = DefaultReplyWindow
	}
	if out.Logger == nil {
		out.Logger = discardLogger()
	}
	if out.RollUpParallelism == 0 {
		out.RollUpParallelism = defaultRollUpParallelism
	}
	return &out
}

// validate checks a SnapshotterConfig that has its defaults; errors name
// the field as SnapshotterConfig.Field.
func (c *SnapshotterConfig) validate() error { return c.validateAs("SnapshotterConfig.") }

// validateAs is validate with the fields named prefix+Field, such as
// "Config.Snapshotter.BatchSize" for the Service's.
func (c *SnapshotterConfig) validateAs(prefix string) error {
	switch {
	case isNil(c.Clock):
		return typedNil(prefix+"Clock", c.Clock)
	case c.BatchSize < 0:
		return invalid(prefix+"BatchSize", "must not be negative, got %d", c.BatchSize)
	case c.ReplyWindow < 0:
		return invalid(prefix+"ReplyWindow", "must not be negative, got %v", c.ReplyWindow)
	case c.RollUpParallelism < 0:
		return invalid(prefix+"RollUpParallelism", "must not be negative, got %d", c.RollUpParallelism)
	}
	return nil
}

// Snapshotter aggregates activity into snapshots and stores them. It is safe
// for concurrent use; it holds no goroutines and needs no Close.
//
// When its store is an ActiveContactsCounter, weekly and monthly snapshots
// are rolled up from the daily ones (Merge, with contacts.active counted
// from the days' sketches of active contacts, or over the whole period
// when a day has none), and only the days without a settled daily
// snapshot are aggregated from raw activity; see ActiveContactsCounter and
// the package documentation. Every daily snapshot it writes carries the
// sketch of its active contacts (Metrics.ActiveSketch), which roll-ups
// read; weekly and monthly ones carry none.
type Snapshotter struct {
	store Store
	cfg   SnapshotterConfig
}

// NewSnapshotter returns a Snapshotter over store, configured by
// cfg.WithDefaults() (nil for every default). A nil store, typed nil
// included, or an invalid config gives a *FieldError, wrapping
// ErrInvalidArgument, that names the field (such as
// "SnapshotterConfig.BatchSize").
func NewSnapshotter(store Store, cfg *SnapshotterConfig) (*Snapshotter, error) {
	if store == nil {
		return nil, invalid("store", "must not be nil")
	}
	if isNil(store) {
		return nil, typedNil("store", store)
	}
	c := cfg.WithDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &Snapshotter{store: store, cfg: *c}, nil
}

// Generate aggregates one scope over one period and upserts its snapshot,
// replacing any earlier version. The period must have ended by the clock's
// now and must be computed in the team's time zone (PeriodForDate or
// PeriodOf with Team.Location), and its date must be in the supported
// range (1900-01-01 to 9998-12-31; see the package documentation);
// otherwise, or for a bad scope or a nil ctx, it returns
// ErrInvalidArgument. An unknown team or an account that is not the team's
// gives ErrNotFound. The returned snapshot is the one written, except that
// its ID is empty: the store assigns a new row's ID and keeps an existing
// row's (read it back with Snapshots when it matters).
//
// Generate, like GenerateAll and Run, sees everything committed before it
// started: when the store reads on a replica (a Store with AwaitReplica,
// such as pgstore.Store with Config.Replica), it first waits for the
// replica to replay the primary's commits (see Store).
func (s *Snapshotter) Generate(ctx context.Context, scope Scope, period Period) (Snapshot, error) {
	if err := checkContext(ctx); err != nil {
		return Snapshot{}, err
	}
	if err := scope.Validate(); err != nil {
		return Snapshot{}, err
	}
	if err := period.Validate(); err != nil {
		return Snapshot{}, err
	}
	if err := checkDate("Period.Date", period.Date); err != nil {
		return Snapshot{}, err
	}
	now := s.cfg.Clock.Now()
	if !period.Ended(now) {
		return Snapshot{}, invalid("period", "%s has not ended at %s", period, now.Format(time.RFC3339))
	}
	if err := awaitReplica(ctx, s.store); err != nil {
		return Snapshot{}, err
	}
	team, err := s.store.Team(ctx, scope.TeamID)
	if err != nil {
		return Snapshot{}, err
	}
	if !scope.TeamWide() && !team.HasAccount(scope.AccountID) {
		return Snapshot{}, fmt.Errorf("%w: account %q of team %q", ErrNotFound, scope.AccountID, scope.TeamID)
	}
	loc, err := team.Location()
	if err != nil {
		return Snapshot{}, err
	}
	want, err := PeriodForDate(period.Type, period.Date, loc)
	if err != nil {
		return Snapshot{}, err
	}
	if !want.Start.Equal(period.Start) || !want.End.Equal(period.End) {
		return Snapshot{}, invalid("period", "%s is not a period of team %q's time zone %s", period, team.ID, loc)
	}
	if team.HoursErr != nil {
		return Snapshot{}, team.HoursErr
	}
	snaps, err := s.generate(ctx, []ScopePeriod{{Scope: scope, Period: period}}, hoursOf([]Team{team}))
	if err != nil {
		return Snapshot{}, err
	}
	return snaps[0], nil
}

// generate aggregates items, with business times measured against hours
// (AggregateRequest.WorkingHours), stamps and upserts them in one batch.
func (s *Snapshotter) generate(ctx context.Context, items []ScopePeriod, hours map[string]*WorkingHours) ([]Snapshot, error) {
	ms, err := s.aggregate(ctx, items, hours)
	if err != nil {
		return nil, err
	}
	if len(ms) != len(items) {
		return nil, fmt.Errorf("analytics: store returned %d metrics for %d items", len(ms), len(items))
	}
	now := s.cfg.Clock.Now()
	snaps := make([]Snapshot, len(items))
	for i, it := range items {
		m := ms[i]
		m.GeneratedAt = now
		if it.Period.Type != Daily {
			// Roll-ups read the sketches of daily snapshots only; a
			// weekly or monthly one would cost its write (up to 64 KiB
			// per scope) for no reader.
			m.ActiveSketch = nil
		}
		snaps[i] = Snapshot{Scope: it.Scope, Type: it.Period.Type, Date: it.Period.Date, Metrics: m, CreatedAt: now}
	}
	if err := s.store.UpsertSnapshots(ctx, snaps); err != nil {
		return nil, err
	}
	if s.cfg.AfterBatch != nil {
		s.cfg.AfterBatch(ctx, snaps)
	}
	if s.cfg.afterLatest != nil {
		if ids := latestTeams(items, now); len(ids) > 0 {
			s.cfg.afterLatest(ctx, ids)
		}
	}
	return snaps, nil
}

// latestTeams returns, each once and in order, the teams of items that
// include the latest complete period of their type at now: a period that
// has ended while the next one has not.
func latestTeams(items []ScopePeriod, now time.Time) []string {
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		id := it.Scope.TeamID
		if seen[id] || !it.Period.Ended(now) || it.Period.Next().Ended(now) {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

// Report describes one run over many teams.
type Report struct {
	Type SnapshotType
	// At is the instant the run's periods were chosen for: GenerateAll's at,
	// or the clock's now when Run started.
	At time.Time
	// Teams is how many teams were seen; Scopes how many snapshots were
	// attempted (team-wide plus one per account, per period).
	Teams  int
	Scopes int
	// Succeeded and Failed count snapshots written and not written.
	Succeeded int
	Failed    int
	// Errors has one entry per team that failed, in team order.
	Errors []TeamError
	// UnmappedMessages is the sum of Messages.Unmapped over the team-wide
	// snapshots written: messages whose status or sender type the store's
	// mapping does not cover. The run logs a warning when it is not 0.
	UnmappedMessages int64
	// Duration is the run's wall time by the Snapshotter's clock.
	Duration time.Duration
}

// TeamError is the failure of one team in a run.
type TeamError struct {
	TeamID string
	Err    error
}

// Error implements error.
func (e TeamError) Error() string { return fmt.Sprintf("team %q: %v", e.TeamID, e.Err) }

// Unwrap returns the team's error.
func (e TeamError) Unwrap() error { return e.Err }

// Err joins the per-team errors, or returns nil if every team succeeded.
func (r Report) Err() error {
	errs := make([]error, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Clock returns the clock the Snapshotter reads now from
// (SnapshotterConfig.Clock): a scheduler driving it must tell the same time.
func (s *Snapshotter) Clock() Clock { return s.cfg.Clock }

// GenerateAll generates, for every team, the last period of type typ that
// is due at instant at in the team's own time zone (Schedule.LastDue of the
// zero Schedule: a day at 02:00 local the day after, a week at 03:00 on
// the Monday after, a month at 04:00 on the 1st after), team-wide and for
// each account. The scheduler's runs and TriggerJob follow the same rule
// under their jobs' specs, so at any instant they agree with GenerateAll
// on what is due as long as those specs are the defaults; a job with a
// spec of its own has its own due times (LastDue of its Schedule),
// which GenerateAll does not know. Teams are
// processed in batches (BatchSize); when a batch fails, its teams are
// retried one by one so that a failing team never stops the others.
// Per-team failures are in the report; the returned error is non-nil only
// when the run itself could not go on (listing teams failed, or ctx
// ended), and the report then covers what was done. A nil ctx, at after
// the clock's now or outside the supported instants (from
// 1970-01-01T00:00:00Z; the zero time.Time is outside), or an invalid typ,
// gives ErrInvalidArgument naming it, before any I/O.
func (s *Snapshotter) GenerateAll(ctx context.Context, typ SnapshotType, at time.Time) (Report, error) {
	if err := checkContext(ctx); err != nil {
		return Report{}, err
	}
	if !typ.Valid() {
		return Report{}, invalid("SnapshotType", "unknown snapshot type %d", typ)
	}
	if err := checkInstant("at", at); err != nil {
		return Report{}, err
	}
	if at.After(s.cfg.Clock.Now()) {
		return Report{}, invalid("at", "%s is in the future", at.Format(time.RFC3339))
	}
	rep, err := s.Run(ctx, typ, func(_ Team, loc *time.Location) ([]Period, error) {
		p, err := Schedule{}.LastDue(typ, at, loc)
		return []Period{p}, err
	})
	rep.At = at
	return rep, err
}

// PeriodPicker chooses, for one team and its time zone, the periods a run
// generates for it. Returning an error fails that team alone.
type PeriodPicker func(team Team, loc *time.Location) ([]Period, error)

// Run is the general form of GenerateAll: for every team, in batches, it
// generates the periods pick chooses (every scope of the team for each),
// skipping periods that have not ended. The scheduler uses it for catch-up
// and the trailing re-generation window; hosts use it for backfills. A
// run sees everything committed before it started: on a store that reads
// on a replica (see Store), it first waits for the replica to replay the
// primary's commits, returning the error (and an empty report) when ctx
// ends during the wait. A nil
// ctx or pick, or an invalid typ, gives ErrInvalidArgument; a picked period
// of another type, or whose date is outside the supported range (see the
// package documentation), fails that team with ErrInvalidArgument.
func (s *Snapshotter) Run(ctx context.Context, typ SnapshotType, pick PeriodPicker) (Report, error) {
	if err := checkContext(ctx); err != nil {
		return Report{}, err
	}
	if !typ.Valid() {
		return Report{}, invalid("SnapshotType", "unknown snapshot type %d", typ)
	}
	if pick == nil {
		return Report{}, invalid("pick", "must not be nil")
	}
	started := s.cfg.Clock.Now()
	// A run sees everything committed before it started, even when the
	// store reads on a lagging replica (see replicaAwaiter).
	if err := awaitReplica(ctx, s.store); err != nil {
		return Report{Type: typ, At: started}, err
	}
	if _, rollsUp := s.store.(ActiveContactsCounter); rollsUp && typ != Daily && s.cfg.RollUpParallelism > 1 {
		return s.runParallel(ctx, typ, pick, started, s.cfg.RollUpParallelism)
	}
	rep := Report{Type: typ, At: started}
	after := ""
	for {
		teams, err := s.store.Teams(ctx, after, s.cfg.BatchSize)
		if err != nil {
			rep.Duration = s.cfg.Clock.Now().Sub(started)
			return rep, fmt.Errorf("analytics: listing teams after %q: %w", after, err)
		}
		if len(teams) == 0 {
			break
		}
		after = teams[len(teams)-1].ID
		rep.Teams += len(teams)
		if err := s.runBatch(ctx, typ, teams, pick, &rep); err != nil {
			rep.Duration = s.cfg.Clock.Now().Sub(started)
			return rep, err
		}
		if len(teams) < s.cfg.BatchSize {
			break
		}
	}
	rep.Duration = s.cfg.Clock.Now().Sub(started)
	s.warnUnmapped(ctx, &rep)
	s.cfg.Logger.InfoContext(ctx, "analytics: snapshot run finished", "type", typ.String(),
		"teams", rep.Teams, "scopes", rep.Scopes, "succeeded", rep.Succeeded, "failed", rep.Failed, "duration", rep.Duration)
	return rep, nil
}

// runParallel is Run with up to par batches in flight: it lists the next
// batch of teams once a slot is free, and stops listing when a batch
// returns an error (ctx ended). The report is the same as Run's: errors in
// team order.
func (s *Snapshotter) runParallel(ctx context.Context, typ SnapshotType, pick PeriodPicker, started time.Time, par int) (Report, error) {
	rep := Report{Type: typ, At: started}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		runErr error
	)
	slots := make(chan struct{}, par)
	done := func(err error) (Report, error) {
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			err = runErr
		}
		slices.SortStableFunc(rep.Errors, func(a, b TeamError) int { return strings.Compare(a.TeamID, b.TeamID) })
		rep.Duration = s.cfg.Clock.Now().Sub(started)
		if err == nil {
			s.warnUnmapped(ctx, &rep)
			s.cfg.Logger.InfoContext(ctx, "analytics: snapshot run finished", "type", typ.String(),
				"teams", rep.Teams, "scopes", rep.Scopes, "succeeded", rep.Succeeded, "failed", rep.Failed, "duration", rep.Duration)
		}
		return rep, err
	}
	after := ""
	for {
		slots <- struct{}{}
		mu.Lock()
		stop := runErr != nil
		mu.Unlock()
		if stop {
			break
		}
		teams, err := s.store.Teams(ctx, after, s.cfg.BatchSize)
		if err != nil {
			return done(fmt.Errorf("analytics: listing teams after %q: %w", after, err))
		}
		if len(teams) == 0 {
			break
		}
		after = teams[len(teams)-1].ID
		mu.Lock()
		rep.Teams += len(teams)
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Report
			err := s.runBatch(ctx, typ, teams, pick, &r)
			mu.Lock()
			rep.Scopes += r.Scopes
			rep.Succeeded += r.Succeeded
			rep.Failed += r.Failed
			rep.Errors = append(rep.Errors, r.Errors...)
			rep.UnmappedMessages += r.UnmappedMessages
			if err != nil && runErr == nil {
				runErr = err
			}
			mu.Unlock()
			<-slots
		}()
		if len(teams) < s.cfg.BatchSize {
			break
		}
	}
	return done(nil)
}

type teamItems struct {
	team  Team
	items []ScopePeriod
}

// runBatch generates one batch of teams; it returns an error only when ctx
// has ended.
func (s *Snapshotter) runBatch(ctx context.Context, typ SnapshotType, teams []Team, pick PeriodPicker, rep *Report) error {
	// Teams that cannot be planned fail before those whose generation
	// fails; keep the report's errors in team (ID) order all the same.
	first := len(rep.Errors)
	defer func() {
		slices.SortStableFunc(rep.Errors[first:], func(a, b TeamError) int { return strings.Compare(a.TeamID, b.TeamID) })
	}()
	now := s.cfg.Clock.Now()
	var work []teamItems
	var all []ScopePeriod
	for _, t := range teams {
		items, err := s.itemsFor(t, typ, now, pick)
		if err != nil {
			rep.Scopes += len(t.Scopes())
			s.fail(ctx, rep, t.ID, len(t.Scopes()), err)
			continue
		}
		if len(items) == 0 {
			continue
		}
		work = append(work, teamItems{team: t, items: items})
		all = append(all, items...)
	}
	if len(all) == 0 {
		return ctx.Err()
	}
	rep.Scopes += len(all)
	hours := hoursOf(teams)
	if snaps, err := s.generate(ctx, all, hours); err == nil {
		rep.Succeeded += len(all)
		rep.UnmappedMessages += unmapped(snaps)
		return nil
	} else if ctx.Err() != nil {
		rep.Failed += len(all)
		return ctx.Err()
	} else if len(work) == 1 {
		s.fail(ctx, rep, work[0].team.ID, len(all), err)
		return nil
	}
	// The batch failed as a whole: find the teams at fault one by one.
	for i, w := range work {
		snaps, err := s.generate(ctx, w.items, hours)
		if err != nil {
			if ctx.Err() != nil {
				for _, rest := range work[i:] {
					rep.Failed += len(rest.items)
				}
				return ctx.Err()
			}
			s.fail(ctx, rep, w.team.ID, len(w.items), err)
			continue
		}
		rep.Succeeded += len(w.items)
		rep.UnmappedMessages += unmapped(snaps)
	}
	return nil
}

// hoursOf returns the working hours of the teams that have some, by team
// ID: AggregateRequest.WorkingHours for their items. It is nil when none
// has hours.
func hoursOf(teams []Team) map[string]*WorkingHours {
	var out map[string]*WorkingHours
	for _, t := range teams {
		if t.Hours == nil {
			continue
		}
		if out == nil {
			out = map[string]*WorkingHours{}
		}
		out[t.ID] = t.Hours
	}
	return out
}

// unmapped sums Messages.Unmapped over the team-wide snapshots of snaps.
func unmapped(snaps []Snapshot) int64 {
	var n int64
	for _, sn := range snaps {
		if sn.Scope.TeamWide() {
			n += sn.Metrics.Messages.Unmapped
		}
	}
	return n
}

// warnUnmapped logs a warning when the run counted unmapped messages.
func (s *Snapshotter) warnUnmapped(ctx context.Context, rep *Report) {
	if rep.UnmappedMessages != 0 {
		s.cfg.Logger.WarnContext(ctx, "analytics: messages with a status or sender type the store's mapping does not cover",
			"type", rep.Type.String(), "unmapped", rep.UnmappedMessages)
	}
}

func (s *Snapshotter) itemsFor(t Team, typ SnapshotType, now time.Time, pick PeriodPicker) ([]ScopePeriod, error) {
	loc, err := t.Location()
	if err != nil {
		return nil, err
	}
	if t.HoursErr != nil {
		return nil, t.HoursErr
	}
	periods, err := pick(t, loc)
	if err != nil {
		return nil, err
	}
	var items []ScopePeriod
	for _, p := range periods {
		if p.Type != typ {
			return nil, invalid("period", "%s is not of type %s", p, typ)
		}
		if err := checkDate("period", p.Date); err != nil {
			return nil, err
		}
		if !p.Ended(now) {
			continue
		}
		for _, sc := range t.Scopes() {
			items = append(items, ScopePeriod{Scope: sc, Period: p})
		}
	}
	return items, nil
}

func (s *Snapshotter) fail(ctx context.Context, rep *Report, teamID string, scopes int, err error) {
	rep.Failed += scopes
	rep.Errors = append(rep.Errors, TeamError{TeamID: teamID, Err: err})
	s.cfg.Logger.WarnContext(ctx, "analytics: team snapshot failed", "team", teamID, "error", err)
}
