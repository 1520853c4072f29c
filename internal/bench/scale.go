package bench

import (
	"context"
	"fmt"
	"time"
)

// Scale measures the daily job on datasets of growing numbers of teams with
// the same messages per team, with the floor of each. The floor's own
// growth is reported beside the job's: a bare pass over a larger dataset
// also slows per row once the data outgrows the host's caches. Then it
// measures the monthly job at every size of 10,000 teams or more
// (MonthlyScales).
func Scale(ctx context.Context, o Options, sizes []int, rep *Report) error {
	o.defaults()
	type point struct {
		teams int
		r     DailyResult
	}
	var pts []point
	for _, n := range sizes {
		e, err := openEnv(ctx, &o, o.SchemaPrefix+fmt.Sprintf("daily_%d", n), dailyConfig(n, o.MessagesPerTeamDay))
		if err != nil {
			return err
		}
		r, err := measureDaily(ctx, &o, e, fmt.Sprintf("scale_%d", n))
		e.Close()
		if err != nil {
			return err
		}
		pts = append(pts, point{n, r})
	}
	if len(pts) == 0 {
		return nil
	}
	base := pts[0]
	for _, p := range pts {
		suite := fmt.Sprintf("scale, %d teams", p.teams)
		a := p.r.SDK.Median()
		perMsg := time.Duration(0)
		if p.r.Messages > 0 {
			perMsg = a / time.Duration(p.r.Messages)
		}
		fl, _ := p.r.floor()
		baseFl, _ := base.r.floor()
		timeGrowth := Ratio(a, base.r.SDK.Median())
		dataGrowth := float64(p.r.Messages) / float64(max(base.r.Messages, 1))
		l := Line{Suite: suite, What: fmt.Sprintf("daily job: %d scopes, %d messages in the day", p.r.Scopes, p.r.Messages),
			Value: join(Secs(a), fmt.Sprintf("%d ns/message", perMsg.Nanoseconds()), fmt.Sprintf("%d statements", p.r.Statements),
				"peak heap "+MB(p.r.PeakHeap), "floor "+Secs(fl), fmt.Sprintf("job/floor %.1f×", Ratio(a, fl))),
			Ratio: fmt.Sprintf("time ×%.1f for data ×%.1f (vs %d teams); the floor's time ×%.1f", timeGrowth, dataGrowth, base.teams, Ratio(fl, baseFl)),
		}
		if p.teams != base.teams {
			l.Target = "time grows ≤ data"
			l.Met = YesNo(timeGrowth <= dataGrowth*1.1) // 10% for noise
		}
		rep.Add(l)
		if p.teams >= 10000 {
			rep.Add(Line{Suite: suite, What: "peak heap of the daily job", Value: MB(p.r.PeakHeap),
				Target: "< 200 MB", Met: YesNo(p.r.PeakHeap < 200<<20)})
		}
	}
	return MonthlyScales(ctx, o, sizes, rep)
}

// MonthlyScales runs MonthlyScale for every size of 10,000 teams or more.
func MonthlyScales(ctx context.Context, o Options, sizes []int, rep *Report) error {
	for _, n := range sizes {
		if n < 10000 {
			continue
		}
		if err := MonthlyScale(ctx, o, n, rep); err != nil {
			return err
		}
	}
	return nil
}
