package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"
)

// day returns the date n days before today (UTC), as YYYY-MM-DD.
func day(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format(time.DateOnly) }

func teamPath(team, route string) string {
	return "/v1/teams/" + url.PathEscape(team) + "/analytics/" + route
}

// readerRoutes are the reads a dashboard user makes: real time, the
// 7- and 30-day dashboards, and the last two weeks' snapshots, 7 a page.
func readerRoutes(team string) []string {
	return []string{
		teamPath(team, "realtime"),
		teamPath(team, "dashboard?days=7"),
		teamPath(team, "dashboard?days=30"),
		teamPath(team, fmt.Sprintf("snapshots?type=Daily&from=%s&to=%s&limit=7", day(14), day(1))),
	}
}

// readers returns the requests of clients reading teams: client i reads
// team i mod len(teams), its routes in random order.
func readers(teams []string, tokens map[string]string) nextFunc {
	routes := make([][]string, len(teams))
	for i, t := range teams {
		routes[i] = readerRoutes(t)
	}
	return func(i int, rnd *rand.Rand) request {
		t := i % len(teams)
		return request{path: routes[t][rnd.IntN(len(routes[t]))], token: tokens[teams[t]]}
	}
}

// attacker returns requests for ever-new cache keys of team: snapshot
// ranges with a random start over the last ten years and a random length.
func attacker(team, token string) nextFunc {
	return func(_ int, rnd *rand.Rand) request {
		from := 1 + rnd.IntN(3650)
		to := max(1, from-rnd.IntN(60))
		return request{path: teamPath(team, fmt.Sprintf("snapshots?from=%s&to=%s&limit=%d", day(from), day(to), 1+rnd.IntN(366))), token: token}
	}
}
