package analytics

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Team is a tenant as the library needs to know it: its ID, the IANA time
// zone its days are counted in, and its WhatsApp accounts.
type Team struct {
	// ID identifies the team.
	ID string
	// TimeZone is an IANA zone name such as "Europe/Berlin". Empty means UTC.
	TimeZone string
	// AccountIDs lists the team's WhatsApp accounts, sorted. A team may have
	// none; it still gets team-wide metrics.
	AccountIDs []string
	// Hours are the team's working hours in TimeZone, or nil when it has
	// none; business-time metrics are measured against them (see
	// AggregateRequest.WorkingHours). Stores read them through their
	// source mapping (store/pgstore: TeamsTable.WorkingHours or
	// Config.WorkingHours).
	Hours *WorkingHours
	// HoursErr is set, with Hours nil, when the store could not read the
	// team's working hours: a stored value that does not parse (wrapping
	// ErrCorrupt) or the error of the host's callback. The team is listed
	// all the same: a Snapshotter run records HoursErr as that team's
	// failure (a TeamError) and goes on with the other teams, and the
	// Service's reads that measure business time (RealTime, Dashboard)
	// return it; Heatmap, Campaign, Campaigns and Snapshots do not read
	// working hours and are served.
	HoursErr error
}

// Location loads the team's time zone: time.UTC for an empty TimeZone or
// "UTC". Zones are loaded once per process and cached. A zone that does not load is a fault of the stored team, not
// of the caller's arguments: the error wraps ErrCorrupt (never
// ErrInvalidArgument) and names the team and the zone, so a handler
// answers it as a server-side fault and a snapshot run records it for that
// team alone. A zone the library cannot find only because the host has no
// time-zone database fails the same way; see the package documentation
// (Time zones).
func (t Team) Location() (*time.Location, error) {
	loc, err := loadLocation(t.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("%w: team %q: time zone %q: %v", ErrCorrupt, t.ID, t.TimeZone, err)
	}
	return loc, nil
}

// Scopes returns the team-wide scope followed by one scope per account, in
// AccountIDs order.
func (t Team) Scopes() []Scope {
	out := make([]Scope, 0, 1+len(t.AccountIDs))
	out = append(out, TeamScope(t.ID))
	for _, a := range t.AccountIDs {
		out = append(out, AccountScope(t.ID, a))
	}
	return out
}

// HasAccount reports whether accountID is one of the team's accounts. It
// searches AccountIDs by bisection, so they must be sorted, as stores
// return them; a nil AccountIDs has no accounts.
func (t Team) HasAccount(accountID string) bool {
	_, ok := slices.BinarySearch(t.AccountIDs, accountID)
	return ok
}

var locations sync.Map // zone name -> *time.Location

// loadLocation is time.LoadLocation with a process-wide cache, since zone
// files are read from disk: each zone loads once and every later call
// returns the same *time.Location. "" and "UTC" give time.UTC. An unknown
// name gives time.LoadLocation's error, extended with how to install a
// time-zone database when the process has none.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		if _, probe := time.LoadLocation(probeZone); probe != nil {
			return nil, fmt.Errorf("%v; no time-zone database was found (%s does not load either): import _ \"time/tzdata\" in the program's main package, or install the system's tzdata", err, probeZone)
		}
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// probeZone is a zone every time-zone database has: when it does not load
// either, the process has no database at all.
const probeZone = "America/New_York"
