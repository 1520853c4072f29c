package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/msgstats/analytics"
)

// A run's JobRun.Error has a first line saying what failed. When teams
// failed for a reason that may pass, the run is failed and the second line
// lists them, so that the run that repeats it (catch-up) generates those
// teams alone. Teams that failed for bad data (see dataError) are
// described but not listed: a repeat would fail them again.
//
//	3 of 40 teams failed, 1 of them for bad data (not repeated)
//	failed teams: ["team-a","team-b"]
//	team "team-a": pgstore: aggregating: connection reset
//	team "team-b": ...
//	team "team-c": analytics: data corrupt: ...
//
// The list is left out when it would exceed maxListBytes; the repeat then
// covers every team.
const (
	failedTeamsPrefix = "failed teams: "
	maxListBytes      = 64 << 10
	maxErrorLines     = 20
)

// failureText describes a run's failures for JobRun.Error: runErr when the
// run as a whole failed, else the teams of rep.Errors.
func failureText(runErr error, rep analytics.Report) string {
	if runErr != nil {
		return runErr.Error()
	}
	if len(rep.Errors) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d teams failed", len(rep.Errors), rep.Teams)
	var ids []string
	for _, e := range rep.Errors {
		if !dataError(e.Err) {
			ids = append(ids, e.TeamID)
		}
	}
	if n := len(rep.Errors) - len(ids); n > 0 {
		fmt.Fprintf(&b, ", %d of them for bad data (not repeated)", n)
	}
	if len(ids) > 0 {
		if list, err := json.Marshal(ids); err == nil && len(list) <= maxListBytes {
			b.WriteString("\n" + failedTeamsPrefix)
			b.Write(list)
		}
	}
	for i, e := range rep.Errors {
		if i == maxErrorLines {
			fmt.Fprintf(&b, "\n... and %d more", len(rep.Errors)-i)
			break
		}
		line := strings.ReplaceAll(e.Error(), "\n", " ")
		b.WriteString("\n" + line)
	}
	return b.String()
}

// failedTeams reads the team list failureText wrote. It returns nil when
// the text has none, meaning every team must be run again.
func failedTeams(text string) map[string]bool {
	lines := strings.SplitN(text, "\n", 3)
	if len(lines) < 2 || !strings.HasPrefix(lines[1], failedTeamsPrefix) {
		return nil
	}
	var ids []string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[1], failedTeamsPrefix)), &ids); err != nil || len(ids) == 0 {
		return nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// permanent reports whether a team's error will not go away by trying
// again within the run: bad data, or the run ending.
func permanent(err error) bool {
	return dataError(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// dataError reports whether a team's error comes from the team's data
// (its time zone cannot be loaded, a stored snapshot cannot be decoded,
// the team is gone): an error wrapping analytics.ErrInvalidArgument,
// ErrNotFound or ErrCorrupt. Repeating the run would fail the team again,
// so such a failure does not fail the run.
func dataError(err error) bool {
	return errors.Is(err, analytics.ErrInvalidArgument) || errors.Is(err, analytics.ErrNotFound) ||
		errors.Is(err, analytics.ErrCorrupt)
}
