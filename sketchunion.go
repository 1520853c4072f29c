package analytics

// sketchUnion is the running union of the sketches of a roll-up's days
// (Union folded over them), kept as the hashes of the union so far: one
// buffer per union, merged into a spare buffer and swapped, instead of a
// new sketch per day. The zero sketchUnion is the union of no sketches.
type sketchUnion struct {
	n         int   // sketches added
	first     int64 // Contacts.Active of the first day, the count while n == 1
	cut       bool  // a day without a usable sketch was added: no union
	k         int
	hashes    []uint64 // distinct, ascending, at most k
	owned     bool     // hashes is this union's buffer, not a sketch's
	saturated bool
	closed    bool  // close was called: count holds the result, hashes is nil
	count     int64 // after close, when not cut
}

// add adds the sketch sk of a day whose Contacts.Active is active; a nil sk
// (no usable sketch) cuts the union. It merges into spare, a buffer no one
// else uses, and returns the buffer that is spare now. It keeps a
// reference to sk's hashes, which are immutable, until the next add.
func (u *sketchUnion) add(sk *DistinctSketch, active int64, spare []uint64) []uint64 {
	if u.cut || u.closed {
		return spare
	}
	if sk == nil {
		u.cut = true
		return u.release(spare)
	}
	u.n++
	if u.n == 1 {
		u.first, u.k, u.hashes, u.owned, u.saturated = active, sk.k, sk.hashes, false, sk.saturated
		return spare
	}
	k := min(u.k, sk.k)
	merged, over := mergeHashes(spare[:0], u.hashes, sk.hashes, k)
	old, owned := u.hashes, u.owned
	u.k, u.hashes, u.owned, u.saturated = k, merged, true, u.saturated || sk.saturated || over
	if owned {
		return old
	}
	return nil
}

// release drops the union's hashes and returns the spare buffer: the
// larger of spare and the union's own buffer.
func (u *sketchUnion) release(spare []uint64) []uint64 {
	if u.owned && cap(u.hashes) > cap(spare) {
		spare = u.hashes
	}
	u.hashes, u.owned = nil, false
	return spare
}

// sketch returns the union as a sketch, or nil when it was cut or closed
// or holds no sketch.
func (u *sketchUnion) sketch() *DistinctSketch {
	if u.cut || u.closed || u.n == 0 {
		return nil
	}
	return &DistinctSketch{k: u.k, hashes: u.hashes, saturated: u.saturated}
}

// active returns the union's count of active contacts, as Merge counts
// it: the only day's own count for one sketch, the union's Count for more.
// It is 0 when cut (the count is then not known) or empty.
func (u *sketchUnion) active() int64 {
	switch {
	case u.cut || u.n == 0:
		return 0
	case u.closed:
		return u.count
	case u.n == 1:
		return u.first
	default:
		return u.sketch().Count()
	}
}

// close ends the union: its count is kept and its hashes are released;
// it returns the spare buffer, as release does.
func (u *sketchUnion) close(spare []uint64) []uint64 {
	if u.closed {
		return spare
	}
	u.count = u.active()
	u.closed = true
	return u.release(spare)
}

// exactClosed reports whether the union was closed with a known count:
// every day added had a usable sketch.
func (u *sketchUnion) exactClosed() bool { return u.closed && !u.cut && u.n > 0 }
