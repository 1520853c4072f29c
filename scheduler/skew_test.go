package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/scheduler"
)

// TestClaimLostBeforeRecording has another replica, whose clock runs 3
// minutes ahead (more than StaleAfter), take a live run over before its
// holder's next heartbeat: the holder's result must say the claim was
// lost, not that the run succeeded.
func TestClaimLostBeforeRecording(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		at := ts("2026-03-11T02:00:00Z")
		h := newHarness(t, b, at, twoTeams[:1])
		name, key := scheduler.RunKey(scheduler.DailyJob, at)
		var once sync.Once
		h.rec.setBlock(func(ctx context.Context) {
			once.Do(func() {
				if _, ok, err := h.runs.ClaimJobRun(ctx, scheduler.JobClaim{Job: name, Period: key,
					Owner: "skewed/1", Now: at.Add(3 * time.Minute), StaleAfter: 2 * time.Minute}); err != nil || !ok {
					t.Errorf("takeover by the skewed replica: %v, %v", ok, err)
				}
			})
		})
		r := h.newScheduler(oneJob(-1))
		res, err := r.s.Jobs()[0].Run(context.Background(), at)
		if !errors.Is(err, analytics.ErrNotFound) || !strings.Contains(err.Error(), "claim was lost") {
			t.Errorf("Run whose claim was taken over: %v, want an error saying the claim was lost", err)
		}
		if res.Run.Status == scheduler.JobSucceeded {
			t.Errorf("the run whose claim was lost is reported %q", res.Run.Status)
		}
		got := h.jobRuns(name, key, key)
		if len(got) != 1 || got[0].Owner != "skewed/1" {
			t.Errorf("the run's record: %+v, want the new holder's", got)
		}
	})
}
