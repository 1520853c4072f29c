package analytics

import (
	"bytes"
	"hash/maphash"
	"sync/atomic"
)

// The decoded-value table of a Service.
//
// The Cache holds JSON; turning it back into a Metrics, a Dashboard or
// []Snapshot costs far more than reading it from the memory tier. So the
// Service keeps, beside the bytes it last decoded under each key,
// the value they decoded to, and on a read whose bytes from the Cache are
// equal to those returns a copy of that value instead of decoding again.
//
// The bytes still come from the Cache on every read, so nothing about
// expiry or invalidation changes: an entry the Cache no longer serves is
// never served from here, and the value returned is always exactly what
// decoding the bytes the Cache returned would give (decoding is
// deterministic). Only the decoding is saved.
//
// The table is direct-mapped: decodedSlots slots, each holding at most one
// immutable entry {key, bytes, value}, the slot chosen by a hash of the
// key; a key whose slot holds another key or other bytes decodes and takes
// the slot. Memory is bounded by a charge per entry (see charge) that
// never exceeds decodedBudget in total: an entry that would go over it
// first evicts others, slot by slot from a rotating hand, and is not kept
// if that does not free enough room within decodedMaxEvictions slots.
// Values larger than decodedMaxBytes of JSON are never kept (they are
// decoded on every read, as without the table).

const (
	// decodedSlots is the number of slots of the table (a power of two).
	// The slot array itself takes 8 bytes per slot (32 KiB).
	decodedSlots = 1 << 12
	// decodedMaxBytes is the largest JSON value the table keeps, in bytes:
	// 256 KiB, a dashboard of roughly 250 days. Larger values are decoded on
	// every read.
	decodedMaxBytes = 256 << 10
	// decodedBudget bounds the sum of the charges of the entries in the
	// table, in bytes: 16 MiB, so at most about 5.3 MiB of JSON and its
	// decoded values.
	decodedBudget = 16 << 20
	// decodedEntryOverhead is charged per entry beyond its bytes and key:
	// the entry, the boxed value's header and the slice headers.
	decodedEntryOverhead = 256
	// decodedMaxEvictions is how many slots one insertion may empty to make
	// room before giving up.
	decodedMaxEvictions = 64
)

// decodedTable is the table; the zero value is not usable, see
// newDecodedTable. It is safe for concurrent use: slots are swapped
// atomically and entries never change once published.
type decodedTable struct {
	seed  maphash.Seed
	slots [decodedSlots]atomic.Pointer[decodedEntry]
	used  atomic.Int64  // sum of the charges of the entries in slots; ≤ decodedBudget
	hand  atomic.Uint64 // next slot to evict when over budget
}

// decodedEntry is one slot's content: value is what raw decodes to, of
// the type the key's kind is read as. Never modified once stored.
type decodedEntry struct {
	key   CacheKey
	raw   []byte
	value any
}

// charge is what the entry counts against decodedBudget, in bytes: its
// JSON three times (the bytes kept, and the decoded value, which for the
// Service's types takes at most twice the bytes of its JSON, zones of its
// times included; see TestDecodedChargeCoversValue), its key's strings and
// decodedEntryOverhead.
func (e *decodedEntry) charge() int64 {
	if e == nil {
		return 0
	}
	k := e.key
	return 3*int64(len(e.raw)) + int64(len(k.Kind)+len(k.TeamID)+len(k.AccountID)+len(k.Query)) + decodedEntryOverhead
}

func newDecodedTable() *decodedTable { return &decodedTable{seed: maphash.MakeSeed()} }

// slot returns the slot of key.
func (t *decodedTable) slot(key CacheKey) *atomic.Pointer[decodedEntry] {
	var h maphash.Hash
	h.SetSeed(t.seed)
	h.WriteString(key.Kind)
	h.WriteByte(0)
	h.WriteString(key.TeamID)
	h.WriteByte(0)
	h.WriteString(key.AccountID)
	h.WriteByte(0)
	h.WriteString(key.Query)
	return &t.slots[h.Sum64()&(decodedSlots-1)]
}

// decodedGet returns the value raw decoded to when last read under key, if
// the table still holds it. The value is shared: the caller must copy it
// before handing it out.
func decodedGet[T any](t *decodedTable, key CacheKey, raw []byte) (T, bool) {
	var zero T
	e := t.slot(key).Load()
	if e == nil || e.key != key || !bytes.Equal(e.raw, raw) {
		return zero, false
	}
	v, ok := e.value.(T)
	return v, ok
}

// put records that raw decodes to value under key. The table keeps raw
// and value as they are: neither may be modified afterwards. Values of
// more than decodedMaxBytes are not kept, nor any for which no room is
// found (see decodedTable).
func (t *decodedTable) put(key CacheKey, raw []byte, value any) {
	if len(raw) > decodedMaxBytes {
		return
	}
	n := &decodedEntry{key: key, raw: raw, value: value}
	slot := t.slot(key)
	old := slot.Load()
	delta := n.charge() - old.charge()
	if delta <= 0 {
		// Release after the swap: the sum may overstate the table for a
		// moment, never understate it.
		if slot.CompareAndSwap(old, n) {
			t.used.Add(delta)
		}
		return
	}
	if !t.reserve(delta, slot) {
		return
	}
	if !slot.CompareAndSwap(old, n) {
		t.used.Add(-delta) // another read replaced it meanwhile; keep theirs
	}
}

// reserve adds delta (> 0) to the charges in use if that stays within
// decodedBudget, emptying up to decodedMaxEvictions slots other than keep
// to make room. It reports whether it added it.
func (t *decodedTable) reserve(delta int64, keep *atomic.Pointer[decodedEntry]) bool {
	for evictions := 0; ; {
		u := t.used.Load()
		if u+delta <= decodedBudget {
			if t.used.CompareAndSwap(u, u+delta) {
				return true
			}
			continue
		}
		if evictions == decodedMaxEvictions {
			return false
		}
		evictions++
		s := &t.slots[t.hand.Add(1)&(decodedSlots-1)]
		if s == keep {
			continue
		}
		if e := s.Load(); e != nil && s.CompareAndSwap(e, nil) {
			t.used.Add(-e.charge())
		}
	}
}
