package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// DefaultReplicaWait is the default Config.ReplicaWait.
const DefaultReplicaWait = 5 * time.Second

// replicaPoll is how often a write's wait asks the replica whether it has
// replayed the write.
const replicaPoll = 10 * time.Millisecond

// ReplicaRecheck is how often, at most, a Store whose replica is behind
// (see Config.ReplicaWait) asks it whether it has caught up, on a read;
// the reads in between go to the primary without asking.
const ReplicaRecheck = 100 * time.Millisecond

// unknownLSN stands for a WAL position the store could not read: reads go
// to the primary until the replica has replayed the primary's position as
// of the next check.
const unknownLSN = math.MaxUint64

// ReplicaStats counts what a Store's read replica did (Config.Replica).
// Every count is since New; all are zero without a replica.
type ReplicaStats struct {
	// Caught is how many waits, after writes (UpsertSnapshots, Migrate)
	// and in AwaitReplica, the replica replayed the primary's position
	// within Config.ReplicaWait.
	Caught int64
	// TimedOut is how many waits it had not within Config.ReplicaWait;
	// reads went to the primary after each.
	TimedOut int64
	// Canceled is how many waits their context ended; reads went to the
	// primary after each, as after a timeout.
	Canceled int64
	// PrimaryReads is how many reads went to the primary because the
	// replica had not replayed a waited-for position yet.
	PrimaryReads int64
	// Behind reports whether reads go to the primary now.
	Behind bool
}

// replica routes a Store's reads to Config.Replica, and waits for it after
// the Store's writes (see Config.ReplicaWait).
type replica struct {
	db      *bun.DB
	primary *bun.DB
	wait    time.Duration
	log     *slog.Logger

	// behind is the WAL position (an LSN) the replica must replay before
	// reads go back to it; 0 when they go to it.
	behind atomic.Uint64
	// nextCheck is when, in nanoseconds since start, a read may next ask
	// the replica whether it has replayed behind; checking is held by the
	// read that asks.
	nextCheck atomic.Int64
	checking  atomic.Bool
	start     time.Time

	caught, timedOut, canceled, primaryReads atomic.Int64
}

// newReplica returns the router of reads to db, a standby of primary.
// The waits and rechecks are in real time (time.Now's monotonic clock),
// not Config.Clock: the replica replays in real time.
func newReplica(primary, db *bun.DB, c *Config) *replica {
	return &replica{db: db, primary: primary, wait: c.ReplicaWait, log: c.Logger, start: time.Now()}
}

// reader returns the database a read runs on: the replica, or the primary
// while the replica has not replayed a write that outlasted its wait.
// Without a replica, the primary.
func (s *Store) reader(ctx context.Context) *bun.DB {
	r := s.rep
	if r == nil {
		return s.db
	}
	lsn := r.behind.Load()
	if lsn == 0 {
		return r.db
	}
	if r.recheck(ctx, lsn) {
		return r.db
	}
	r.primaryReads.Add(1)
	return s.db
}

// recheck reports whether the replica has replayed lsn, asking it only when
// ReplicaRecheck has passed since the last time and no other read is
// asking; it clears behind when the replica has caught up.
func (r *replica) recheck(ctx context.Context, lsn uint64) bool {
	now := int64(time.Since(r.start))
	if now < r.nextCheck.Load() || !r.checking.CompareAndSwap(false, true) {
		return false
	}
	defer r.checking.Store(false)
	r.nextCheck.Store(now + int64(ReplicaRecheck))
	if lsn == unknownLSN {
		cur, err := currentLSN(ctx, r.primary)
		if err != nil {
			return false
		}
		r.behind.CompareAndSwap(unknownLSN, cur)
		lsn = cur
	}
	ok, err := replayed(ctx, r.db, lsn)
	if err != nil || !ok {
		return false
	}
	if r.behind.CompareAndSwap(lsn, 0) {
		r.log.InfoContext(ctx, "pgstore: the read replica has caught up; reads go to it again", "lsn", formatLSN(lsn))
	}
	return r.behind.Load() == 0
}

// fallBack sends reads to the primary until the replica has replayed lsn
// (and any later position already waited for).
func (r *replica) fallBack(lsn uint64) {
	for {
		cur := r.behind.Load()
		if cur != 0 && cur >= lsn {
			return // unknownLSN is the largest: its check reads a later position
		}
		if r.behind.CompareAndSwap(cur, lsn) {
			return
		}
	}
}

// awaitReplica is called after a write on the primary has committed: it
// is catchUp, with an error saying that the write is committed when ctx
// ends during the wait.
func (s *Store) awaitReplica(ctx context.Context, what string) error {
	if err := s.catchUp(ctx, what); err != nil {
		return fmt.Errorf("pgstore: %s: committed, but the wait for Config.Replica to replay it ended: %w", what, err)
	}
	return nil
}

// AwaitReplica waits until Config.Replica has replayed every commit made
// on the primary before it was called, so that the store's reads after it
// returns see them: it reads the primary's WAL position
// (pg_current_wal_insert_lsn()) and asks the replica every 10 ms whether it has
// replayed it, for at most Config.ReplicaWait, as after UpsertSnapshots.
// Past that bound it logs a warning, counts a timeout
// (ReplicaStats.TimedOut), sends this store's reads to the primary until
// the replica has replayed the position, and returns nil. When ctx ends
// first, reads go to the primary likewise and it returns an error wrapping
// ctx's error. A nil ctx gives ErrInvalidArgument. Without a replica it
// does nothing and returns nil.
//
// Every commit that has returned is covered, one made with
// synchronous_commit off too (the wait then includes the WAL writer's
// writing it, within wal_writer_delay).
// The Service calls it in InvalidateTeam and at the start of every
// snapshot run (see "Read replica" in the package documentation).
func (s *Store) AwaitReplica(ctx context.Context) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if err := s.catchUp(ctx, "AwaitReplica"); err != nil {
		return fmt.Errorf("pgstore: waiting for Config.Replica to replay the primary's commits: %w", err)
	}
	return nil
}

// catchUp reads the primary's WAL position (currentLSN: at or past the
// end of every commit that has returned) and waits until the replica has replayed it, asking every
// replicaPoll, for at most Config.ReplicaWait. Past that, it logs a
// warning naming what the wait follows and sends reads to the primary
// until the replica has replayed the position, and returns nil. When ctx
// ends first, reads go to the primary likewise, and it returns ctx's
// error. It does nothing without a replica.
func (s *Store) catchUp(ctx context.Context, what string) error {
	r := s.rep
	if r == nil {
		return nil
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.wait)
	lsn, err := currentLSN(lctx, s.db)
	cancel()
	if err != nil {
		r.fallBack(unknownLSN)
		r.timedOut.Add(1)
		r.log.WarnContext(ctx, "pgstore: cannot read the primary's WAL position to wait for the read replica; reads go to the primary until it has caught up",
			"after", what, "error", err)
		return nil
	}
	waitErr := r.waitReplay(ctx, lsn)
	switch {
	case waitErr == nil:
		r.caught.Add(1)
		return nil
	case ctx.Err() != nil:
		r.fallBack(lsn)
		r.canceled.Add(1)
		return ctx.Err()
	}
	r.fallBack(lsn)
	r.timedOut.Add(1)
	r.log.WarnContext(ctx, "pgstore: the read replica has not replayed the primary's WAL position within Config.ReplicaWait; reads go to the primary until it has",
		"after", what, "lsn", formatLSN(lsn), "wait", r.wait, "error", waitErr)
	return nil
}

// flushCommit makes the commit of tx, a write of a store with a replica,
// flush its WAL before it returns, as awaitReplica needs: it sets
// synchronous_commit to 'local' for tx when the session has it 'off' (a
// commit that returns before its WAL is written could end past the
// position awaitReplica reads). Other settings flush already.
func (s *Store) flushCommit(ctx context.Context, tx bun.Tx) error {
	if s.rep == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT set_config('synchronous_commit', 'local', true) WHERE current_setting('synchronous_commit') = 'off'`)
	return err
}

// waitReplay waits until the replica has replayed lsn, for at most r.wait.
// It returns nil once it has, ctx's error when ctx ends, and otherwise an
// error saying how the wait ended (the last error of the replica, if any).
func (r *replica) waitReplay(ctx context.Context, lsn uint64) error {
	wctx, cancel := context.WithTimeout(ctx, r.wait)
	defer cancel()
	t := time.NewTimer(0)
	defer t.Stop()
	var last error
	for {
		select {
		case <-wctx.Done():
			if err := ctx.Err(); err != nil {
				return err
			}
			if last != nil {
				return fmt.Errorf("not replayed within %v: %w", r.wait, last)
			}
			return fmt.Errorf("not replayed within %v", r.wait)
		case <-t.C:
		}
		ok, err := replayed(wctx, r.db, lsn)
		if err == nil && ok {
			return nil
		}
		if err != nil && wctx.Err() == nil {
			last = err
		}
		t.Reset(replicaPoll)
	}
}

// currentLSN reads the primary's WAL insert position
// (pg_current_wal_insert_lsn()): the end of every record inserted so far,
// so of every commit that has returned, even one made with
// synchronous_commit off whose WAL is not written yet (the WAL writer
// writes it within wal_writer_delay, and the standby then replays it).
// A position just past a page header (the previous record ended at the
// page's boundary, where a standby's replay position stops) is moved back
// to the boundary; otherwise a standby would not reach it until another
// record is written.
func currentLSN(ctx context.Context, db bun.IDB) (uint64, error) {
	var s string
	var block, segment uint64
	if err := db.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text,
	current_setting('wal_block_size')::bigint, pg_size_bytes(current_setting('wal_segment_size'))`).Scan(&s, &block, &segment); err != nil {
		return 0, fmt.Errorf("pgstore: reading the primary's WAL position: %w", err)
	}
	lsn, err := parseLSN(s)
	if err != nil {
		return 0, err
	}
	return pageBoundary(lsn, block, segment), nil
}

// Sizes of WAL page headers (MAXALIGNed XLogPageHeaderData and
// XLogLongPageHeaderData, the latter at the start of a segment).
const (
	shortPageHeader = 24
	longPageHeader  = 40
)

// pageBoundary moves lsn back to its page's start when it points just
// past the page's header (see currentLSN). block and segment are the WAL
// block and segment sizes in bytes.
func pageBoundary(lsn, block, segment uint64) uint64 {
	switch {
	case block > 0 && lsn%block == shortPageHeader && (segment == 0 || lsn%segment != shortPageHeader):
		return lsn - shortPageHeader
	case segment > 0 && lsn%segment == longPageHeader:
		return lsn - longPageHeader
	}
	return lsn
}

// replayed reports whether the standby db has replayed the WAL up to lsn.
// A server that is no longer in recovery (a promoted standby) never has.
func replayed(ctx context.Context, db bun.IDB, lsn uint64) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, `SELECT COALESCE(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)`, formatLSN(lsn)).Scan(&ok)
	return ok, err
}

// parseLSN parses an LSN in Postgres's text form, two hexadecimal numbers
// "hi/lo", into its 64-bit value.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("pgstore: %q is not an LSN", s)
	}
	return h<<32 | l, nil
}

// formatLSN is parseLSN's inverse.
func formatLSN(lsn uint64) string { return fmt.Sprintf("%X/%X", lsn>>32, uint32(lsn)) }

// ReplicaStats returns the counts of the store's read replica, all zero
// without one.
func (s *Store) ReplicaStats() ReplicaStats {
	r := s.rep
	if r == nil {
		return ReplicaStats{}
	}
	return ReplicaStats{
		Caught:       r.caught.Load(),
		TimedOut:     r.timedOut.Load(),
		Canceled:     r.canceled.Load(),
		PrimaryReads: r.primaryReads.Load(),
		Behind:       r.behind.Load() != 0,
	}
}
