package scheduler

import "time"

// SetIdleHook makes the loop of s call f each time it has handled a
// wake-up and is about to wait for next; f should return when quit is
// closed. Call it before Start.
func SetIdleHook(s *Scheduler, f func(quit <-chan struct{}, next time.Time)) { s.idleHook = f }

// FailureText and FailedTeams expose the JobRun.Error encoding.
var (
	FailureText = failureText
	FailedTeams = failedTeams
)
