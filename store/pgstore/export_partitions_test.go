package pgstore

import "time"

// GroupStatements returns the scan, contacts and campaigns statements of
// a group, by name, and the arguments they take, for the external tests to
// explain; accounts says whether an item of the group is an account scope.
func GroupStatements(s *Store, teams []string, start, end time.Time, w time.Duration, accounts bool) (map[string]string, []any) {
	args := s.aggArgs(teams, start, end, w)
	args[argAccounts] = accounts
	return map[string]string{"scan": s.q.scan, "contacts": s.q.contacts, "campaigns": s.q.campaigns}, args
}
