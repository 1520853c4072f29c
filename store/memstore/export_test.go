package memstore

import (
	"time"

	"github.com/msgstats/analytics"
)

// PutRawSnapshot stores raw, unchecked, as the metrics of the snapshot with
// key k, as a row written by another program (or damaged) might hold them.
func PutRawSnapshot(s *Store, id string, k analytics.SnapshotKey, raw []byte, createdAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := scopeType{k.Scope, k.Type}
	if s.snaps[st] == nil {
		s.snaps[st] = map[analytics.Date]*snapRow{}
	}
	s.snaps[st][k.Date] = &snapRow{id: id, key: k, metrics: raw, createdAt: createdAt}
	s.snapIDs[id] = k
}
