package scheduler

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// The names of the three jobs, as TriggerJob accepts them and as the
// job-runs store records them.
const (
	DailyJob   = "daily-analytics-snapshot"
	WeeklyJob  = "weekly-analytics-snapshot"
	MonthlyJob = "monthly-analytics-snapshot"
)

// The default cron expressions of the jobs: the wall-clock times, read in
// each team's own zone, at which its periods fall due. A day falls due at
// 02:00 the day after, an ISO week at 03:00 on the Monday after, a month
// at 04:00 on the 1st after. They are the zero analytics.Schedule's.
const (
	DefaultDailySpec   = "0 2 * * *"
	DefaultWeeklySpec  = "0 3 * * 1"
	DefaultMonthlySpec = "0 4 1 * *"
)

// TickEvery is how often the scheduler looks for periods that have fallen
// due: every UTC quarter hour (:00, :15, :30, :45). Every UTC offset in use
// is a whole number of quarter hours, so with specs on quarter hours each
// team's period falls due on a tick and is generated at that tick.
const TickEvery = 15 * time.Minute

// TickSpec is TickEvery as a cron expression for a host's own scheduler,
// to be read in UTC: call Job.Run, or Scheduler.RunDue, at every UTC
// quarter hour. A host that calls less often generates each period at its
// first call at or after the period's tick instead, up to the call's
// interval late.
const TickSpec = "*/15 * * * *"

// Config configures a Scheduler. A nil *Config, and every zero field, means
// the default stated on the field (see WithDefaults).
type Config struct {
	// Clock tells the time and, if it is an AfterClock (as
	// *analytics.FakeClock and analytics.SystemClock() are), drives every
	// wait: the next tick, heartbeats and retry backoff. Other clocks wait
	// on real timers (time.After). It must be the Snapshotter's clock
	// (Snapshotter.Clock), since the Snapshotter skips the periods that
	// have not ended by its own: another clock makes New fail. Defaults to
	// the Snapshotter's clock, which New fills in (WithDefaults leaves it
	// nil). A typed nil (a nil *analytics.FakeClock) makes New fail.
	// Nothing depends on the zone the process runs in: due times are read
	// in each team's zone, ticks and run keys are in UTC.
	Clock analytics.Clock
	// Owner identifies this scheduler in the job-runs store. It must be
	// unique among the schedulers sharing a store: two schedulers with one
	// Owner could finish each other's runs, and it must pass
	// analytics.ValidateID. Defaults to "HOSTNAME/PID/RANDOM", with 8
	// random hex digits.
	Owner string
	// Daily, Weekly and Monthly configure the three jobs. Each defaults to
	// the job's own defaults, stated on JobConfig's fields.
	Daily, Weekly, Monthly JobConfig
	// StaleAfter is how old the heartbeat of a running claim must be before
	// another scheduler takes the run over, its holder being presumed dead.
	// Defaults to 2 minutes. Must not be negative.
	StaleAfter time.Duration
	// HeartbeatEvery is how often a running job renews its claim. It must
	// be less than StaleAfter. Defaults to 30 seconds, or StaleAfter/4 if
	// that is less. Must not be negative.
	HeartbeatEvery time.Duration
	// Retry is how transient failures are retried within a run. Defaults
	// to the defaults stated on Retry's fields.
	Retry Retry
	// Logger receives a line per run and per problem. Defaults to a logger
	// that discards everything.
	Logger *slog.Logger
	// OnIdle, if set, is called by the loop Start launches each time it has
	// run what was due and is about to wait for the instant next (its
	// timer is already set, so a clock moved from OnIdle's caller on is
	// seen). It must not block. Tests and simulations use it to know when
	// to move an analytics.FakeClock; monitoring may log next. Defaults to
	// nil: nothing is called.
	OnIdle func(next time.Time)
}

// JobConfig configures one job. Zero fields take the job's defaults.
type JobConfig struct {
	// Spec says when the job's periods fall due: a standard five-field
	// cron expression (minute hour day-of-month month day-of-week) or a
	// descriptor such as "@daily", as github.com/robfig/cron/v3's
	// ParseStandard reads it, read in each team's own zone. A team's period
	// falls due at the first time the spec gives at or after midnight of
	// the date following the period (see analytics.Schedule.DueAt for daylight
	// saving). The minutes must be quarter hours (0, 15, 30, 45), so that
	// due times fall on ticks; a TZ= or CRON_TZ= prefix and "@every" are
	// refused. Defaults to DefaultDailySpec, DefaultWeeklySpec or
	// DefaultMonthlySpec.
	Spec string
	// Lookback is how many periods of each team, in its zone and counting
	// back from the latest one whose tick has come, the catch-up looks at
	// for a missing snapshot (see the package documentation). -1 means 1:
	// no catch-up beyond the latest period; below -1 or above 1000 is
	// an error. Defaults to 35 for the daily job, 8 for the
	// weekly one and 3 for the monthly one.
	Lookback int
	// Trailing is how many periods before a team's due one a run
	// regenerates too, so that late status updates reach the snapshots:
	// with Trailing > 0 the run that generates a team's period also
	// regenerates the Trailing periods before it. -1 means none; below -1
	// or above 1000 is an error. Defaults to 2 for the daily job and none
	// for the others.
	Trailing int
}

// Retry says how many times, and after what waits, a transient failure is
// retried within a run: the listing of teams failing, a team whose
// snapshots could not be written for a reason other than bad data (see
// Scheduler), or a job-runs store call. Waits double from Backoff up to
// MaxBackoff and are measured on Config.Clock.
type Retry struct {
	// Attempts is how many times a failing step is tried in all. 1 means
	// no retry. Defaults to 3. Must not be negative.
	Attempts int
	// Backoff is the wait before the first retry. Defaults to 1 second.
	// Must not be negative.
	Backoff time.Duration
	// MaxBackoff caps each wait. Defaults to 1 minute. Must not be
	// negative.
	MaxBackoff time.Duration
}

// jobDefaults are a job's fixed traits and default settings.
type jobDefaults struct {
	name     string
	typ      analytics.SnapshotType
	spec     string
	lookback int
	trailing int
}

var allJobs = []jobDefaults{
	{DailyJob, analytics.Daily, DefaultDailySpec, 35, 2},
	{WeeklyJob, analytics.Weekly, DefaultWeeklySpec, 8, 0},
	{MonthlyJob, analytics.Monthly, DefaultMonthlySpec, 3, 0},
}

// jobNames lists the valid job names for error messages.
func jobNames() string {
	names := make([]string, len(allJobs))
	for i, j := range allJobs {
		names[i] = j.name
	}
	return strings.Join(names, ", ")
}

func (c *Config) jobConfig(name string) *JobConfig {
	switch name {
	case DailyJob:
		return &c.Daily
	case WeeklyJob:
		return &c.Weekly
	default:
		return &c.Monthly
	}
}

// WithDefaults returns a copy of c with every zero field set to its
// default, but Clock: its default is the Snapshotter's clock, which New
// fills in. A nil c gives every default. It does not validate: values
// such as a negative StaleAfter are kept for New to report, and -1 in a
// JobConfig's Lookback or Trailing is kept, meaning what it says there.
func (c *Config) WithDefaults() *Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.Owner == "" {
		out.Owner = defaultOwner()
	}
	if out.StaleAfter == 0 {
		out.StaleAfter = 2 * time.Minute
	}
	if out.HeartbeatEvery == 0 {
		out.HeartbeatEvery = min(30*time.Second, out.StaleAfter/4)
	}
	out.Retry = out.Retry.withDefaults()
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	for _, d := range allJobs {
		jc := out.jobConfig(d.name)
		*jc = jc.withDefaults(d)
	}
	return &out
}

// withDefaults returns r with every zero field set to its default.
func (r Retry) withDefaults() Retry {
	if r.Attempts == 0 {
		r.Attempts = 3
	}
	if r.Backoff == 0 {
		r.Backoff = time.Second
	}
	if r.MaxBackoff == 0 {
		r.MaxBackoff = time.Minute
	}
	return r
}

// withDefaults returns c with every zero field set to job d's default.
func (c JobConfig) withDefaults(d jobDefaults) JobConfig {
	if c.Spec == "" {
		c.Spec = d.spec
	}
	if c.Lookback == 0 {
		c.Lookback = d.lookback
	}
	if c.Trailing == 0 {
		c.Trailing = d.trailing
	}
	return c
}

// validate checks a Config that has its defaults, and that its Clock is
// snapClock, the Snapshotter's; errors name the field as Config.Field.
func (c *Config) validate(snapClock analytics.Clock) error {
	if err := checkDep("Config.Clock", c.Clock); err != nil {
		return err
	}
	if !sameClock(c.Clock, snapClock) {
		return store.InvalidArgument("Config.Clock",
			"%T is not the Snapshotter's clock (%T): both must tell the same time; leave Config.Clock nil to use the Snapshotter's", c.Clock, snapClock)
	}
	if err := analytics.ValidateID("Config.Owner", c.Owner); err != nil {
		return err
	}
	switch {
	case c.StaleAfter < 0:
		return store.InvalidArgument("Config.StaleAfter", "must not be negative, got %v", c.StaleAfter)
	case c.HeartbeatEvery < 0:
		return store.InvalidArgument("Config.HeartbeatEvery", "must not be negative, got %v", c.HeartbeatEvery)
	case c.HeartbeatEvery >= c.StaleAfter:
		return store.InvalidArgument("Config.HeartbeatEvery", "%v must be less than StaleAfter %v", c.HeartbeatEvery, c.StaleAfter)
	}
	if err := c.Retry.validate("Config.Retry."); err != nil {
		return err
	}
	for _, d := range allJobs {
		if err := c.jobConfig(d.name).validate("Config." + d.typ.String() + "."); err != nil {
			return err
		}
	}
	return nil
}

// validate checks r; errors name the field as prefix+Field.
func (r Retry) validate(prefix string) error {
	switch {
	case r.Attempts < 0:
		return store.InvalidArgument(prefix+"Attempts", "must not be negative, got %d", r.Attempts)
	case r.Backoff < 0:
		return store.InvalidArgument(prefix+"Backoff", "must not be negative, got %v", r.Backoff)
	case r.MaxBackoff < 0:
		return store.InvalidArgument(prefix+"MaxBackoff", "must not be negative, got %v", r.MaxBackoff)
	}
	return nil
}

// validate checks c; errors name the field as prefix+Field.
func (c JobConfig) validate(prefix string) error {
	switch {
	case c.Lookback < -1:
		return store.InvalidArgument(prefix+"Lookback", "must be -1 or more, got %d", c.Lookback)
	case c.Trailing < -1:
		return store.InvalidArgument(prefix+"Trailing", "must be -1 or more, got %d", c.Trailing)
	case c.Lookback > maxPeriods:
		return store.InvalidArgument(prefix+"Lookback", "must be at most %d periods, got %d", maxPeriods, c.Lookback)
	case c.Trailing > maxPeriods:
		return store.InvalidArgument(prefix+"Trailing", "must be at most %d periods, got %d", maxPeriods, c.Trailing)
	}
	_, err := parseSpec(prefix+"Spec", c.Spec)
	return err
}

// maxPeriods bounds Lookback and Trailing: 1000 periods reach back about
// 2.7 years of days and 83 of months, inside the supported dates (from
// 1900), and keep one catch-up pass to a bounded number of reads.
const maxPeriods = 1000

// lookback is Lookback as a count of periods: -1 means 1.
func (c JobConfig) lookback() int { return max(c.Lookback, 1) }

// trailing is Trailing as a count of periods: -1 means none.
func (c JobConfig) trailing() int { return max(c.Trailing, 0) }

// quarterHours are the minutes a spec may fire at.
const quarterHours = 1<<0 | 1<<15 | 1<<30 | 1<<45

// parseSpec parses a job's cron expression and checks that it is a
// wall-clock schedule firing on quarter hours.
func parseSpec(field, spec string) (cron.Schedule, error) {
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, store.InvalidArgument(field, "%q sets a time zone; specs are read in each team's zone", spec)
	}
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return nil, store.InvalidArgument(field, "%q is not a cron expression: %v", spec, err)
	}
	ss, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, store.InvalidArgument(field, "%q is not a wall-clock schedule", spec)
	}
	const starBit = 1 << 63
	if ss.Minute&^starBit&^quarterHours != 0 {
		return nil, store.InvalidArgument(field, "%q fires at minutes other than 0, 15, 30 and 45", spec)
	}
	ref := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	if sched.Next(ref).IsZero() {
		return nil, store.InvalidArgument(field, "%q never fires", spec)
	}
	return sched, nil
}

// defaultOwner returns "HOSTNAME/PID/RANDOM".
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand.Read does not fail on supported platforms
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// sameClock reports whether a and b are the same clock: equal values of one
// type (the same *analytics.FakeClock, the system clock, the same func).
func sameClock(a, b analytics.Clock) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || ta == nil {
		return false
	}
	if ta.Comparable() {
		return a == b
	}
	// A func, map or slice clock (such as a func() time.Time type with a
	// Now method) cannot be compared with ==: the same one has the same
	// pointer. Other non-comparable values cannot be told apart, and are
	// taken as the same.
	switch ta.Kind() {
	case reflect.Func, reflect.Map, reflect.Slice:
		return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
	}
	return true
}
