package gocache

import (
	"sync"
	"sync/atomic"
	"time"
)

// stamp is what a key is written and read under: the team's generation in
// Redis, and its local epoch in this process.
type stamp struct {
	gen   int64
	epoch uint64
}

// maxTrackedTeams bounds the generation table. When it is full the table
// is emptied: every team then starts a new epoch, which only costs misses.
const maxTrackedTeams = 1 << 16

// genTable tracks, per team, the last generation read from Redis and the
// local epoch. Epochs are drawn from one process-wide counter, so a team's
// new state never reuses an epoch of an old one: a local invalidation, a
// generation that went backwards (Redis lost its data) or a dropped table
// entry all make the team's earlier memory entries unreachable.
type genTable struct {
	mu     sync.RWMutex
	m      map[string]*genState
	epochs atomic.Uint64
	seq    atomic.Uint64 // orders Redis reads of generations by send time
}

type genState struct {
	mu      sync.Mutex
	gen     int64
	epoch   uint64
	seq     uint64    // of the read that set gen; 0: never read
	checked time.Time // when that read was asked for
}

func (t *genTable) init() { t.m = make(map[string]*genState) }

func (t *genTable) nextSeq() uint64 { return t.seq.Add(1) }

// get returns the state of team, creating it.
func (t *genTable) get(team string) *genState {
	t.mu.RLock()
	st := t.m[team]
	t.mu.RUnlock()
	if st != nil {
		return st
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if st = t.m[team]; st == nil {
		if len(t.m) >= maxTrackedTeams {
			t.m = make(map[string]*genState)
		}
		st = &genState{epoch: t.epochs.Add(1)}
		t.m[team] = st
	}
	return st
}

// bumpAll starts a new local epoch for every team, so that no memory entry
// stored before is reachable. It takes O(teams tracked) time.
func (t *genTable) bumpAll() {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, st := range t.m {
		st.bump(t)
	}
}

// read returns the current stamp, and whether its generation was read from
// Redis less than bound before now.
func (st *genState) read(now time.Time, bound time.Duration) (stamp, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return stamp{st.gen, st.epoch}, st.seq != 0 && now.Sub(st.checked) < bound
}

// bump starts a new local epoch.
func (st *genState) bump(t *genTable) {
	e := t.epochs.Add(1)
	st.mu.Lock()
	st.epoch = e
	st.mu.Unlock()
}

// observe records gen, read from Redis by the request numbered seq and
// asked for at asked, and returns the current stamp. An answer to a request
// sent before the one already recorded is ignored; a generation lower than
// the recorded one means Redis lost its data, and starts a new epoch.
//
// The answer is as of when it was asked for: an invalidation may land
// between Redis answering and the answer arriving, so trusting it from its
// arrival would stretch the bound.
func (st *genState) observe(t *genTable, seq uint64, gen int64, asked time.Time) stamp {
	st.mu.Lock()
	defer st.mu.Unlock()
	if seq > st.seq {
		if st.seq != 0 && gen < st.gen {
			st.epoch = t.epochs.Add(1)
		}
		st.gen, st.seq, st.checked = gen, seq, asked
	}
	return stamp{st.gen, st.epoch}
}
