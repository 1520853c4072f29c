package main

import (
	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store/memstore"
	"github.com/msgstats/analytics/store/sample"
)

// load adds teams to mem with days local days of activity from start,
// perDay messages a day across them.
func load(mem *memstore.Store, teams []analytics.Team, start analytics.Date, days, perDay int) error {
	if err := mem.AddTeams(teams...); err != nil {
		return err
	}
	activity, err := sample.Activity(teams, start, days, perDay)
	if err != nil {
		return err
	}
	return mem.Add(activity)
}
