package scheduler

// FailureText and FailedTeams expose the JobRun.Error encoding.
var (
	FailureText = failureText
	FailedTeams = failedTeams
)
