package pgstore

import "time"

// ScanStatement returns the scan statement of a group and its arguments,
// for the external tests to explain.
func ScanStatement(s *Store, teams []string, start, end time.Time, w time.Duration) (string, []any) {
	return s.q.scan, s.aggArgs(teams, start, end, w)
}
