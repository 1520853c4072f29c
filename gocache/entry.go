package gocache

import (
	"encoding/binary"
	"time"
)

// An entry, in memory and in Redis alike, is one version byte, the expiry
// as big-endian Unix nanoseconds of the configured Clock, then the value.
// The expiry is checked on every read, so a store that ignores TTLs never
// makes an entry outlive it.
const (
	entryVersion = 1
	entryHeader  = 9
)

func encodeEntry(expiry time.Time, val []byte) []byte {
	b := make([]byte, entryHeader+len(val))
	b[0] = entryVersion
	binary.BigEndian.PutUint64(b[1:], uint64(expiry.UnixNano()))
	copy(b[entryHeader:], val)
	return b
}

// decodeEntry splits an entry; ok is false for bytes that are not one.
func decodeEntry(b []byte) (expiry int64, val []byte, ok bool) {
	if len(b) < entryHeader || b[0] != entryVersion {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b[1:])), b[entryHeader:], true
}

// entryTTL is what remains of a valid entry's life at now, at least 1 ms:
// the TTL to give a store that a read backfills.
func entryTTL(entry []byte, now time.Time) time.Duration {
	exp, _, _ := decodeEntry(entry)
	return max(time.Duration(exp-now.UnixNano()), time.Millisecond)
}

// An adapter entry (see Adapt) also carries when the value was computed,
// so that an invalidation can reject the entries computed before it
// without knowing their keys: one version byte, the expiry and the time of
// computation as big-endian Unix nanoseconds, then the value.
const (
	adapterEntryVersion = 2
	adapterEntryHeader  = 17
)

func encodeAdapterEntry(expiry, computed time.Time, val []byte) []byte {
	b := make([]byte, adapterEntryHeader+len(val))
	b[0] = adapterEntryVersion
	binary.BigEndian.PutUint64(b[1:], uint64(expiry.UnixNano()))
	binary.BigEndian.PutUint64(b[9:], uint64(computed.UnixNano()))
	copy(b[adapterEntryHeader:], val)
	return b
}

// decodeAdapterEntry splits an adapter entry; ok is false for bytes that
// are not one.
func decodeAdapterEntry(b []byte) (expiry, computed int64, val []byte, ok bool) {
	if len(b) < adapterEntryHeader || b[0] != adapterEntryVersion {
		return 0, 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b[1:])), int64(binary.BigEndian.Uint64(b[9:])), b[adapterEntryHeader:], true
}
