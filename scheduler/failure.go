package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/msgstats/analytics"
)

// A failed run's JobRun.Error has a first line saying what failed. When
// only some teams failed, the second line lists them, so that the run that
// repeats it (catch-up) generates those teams alone:
//
//	2 of 40 teams failed
//	failed teams: ["team-a","team-b"]
//	team "team-a": pgstore: aggregating: connection reset
//	team "team-b": ...
//
// The list is left out when it would exceed maxListBytes; the repeat then
// covers every team.
const (
	failedTeamsPrefix = "failed teams: "
	maxListBytes      = 64 << 10
	maxErrorLines     = 20
)

// failureText describes a failed run for JobRun.Error: runErr when the run
// as a whole failed, else the teams of rep.Errors.
func failureText(runErr error, rep analytics.Report) string {
	if runErr != nil {
		return runErr.Error()
	}
	if len(rep.Errors) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d teams failed", len(rep.Errors), rep.Teams)
	ids := make([]string, len(rep.Errors))
	for i, e := range rep.Errors {
		ids[i] = e.TeamID
	}
	if list, err := json.Marshal(ids); err == nil && len(list) <= maxListBytes {
		b.WriteString("\n" + failedTeamsPrefix)
		b.Write(list)
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
// again within the run: bad data or configuration, or the run ending.
func permanent(err error) bool {
	return errors.Is(err, analytics.ErrInvalidArgument) || errors.Is(err, analytics.ErrNotFound) ||
		errors.Is(err, analytics.ErrCorrupt) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}
