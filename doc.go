// Package analytics turns raw WhatsApp Business activity (messages,
// campaigns, contacts and conversations, per team and per WhatsApp account)
// into metrics: delivery, read, reply and failure rates, response times,
// growth, campaign and contact scores. It pre-aggregates daily, weekly and
// monthly snapshots into a store and serves real-time and dashboard reads
// through a cache.
//
// # Packages
//
// This package holds the domain: the pure calculation functions
// (DeliveryRate, GrowthRate, CampaignScore, …), period math (Period,
// SnapshotType, Date), the Metrics type and its exact Merge, the Store
// interface and its roles, the Snapshotter that generates snapshots, and
// the Service that serves reads. It imports no database driver, cache or
// Redis client. Implementations live in subpackages named for what they
// depend on:
//
//   - store: what a Store implementation needs: the activity records
//     (Activity, Message, …), the reference aggregation ComputeMetrics that
//     every Store's Aggregate must match, and the conversation walker that
//     applies the reply and turn rules below.
//   - gocache: the tiered Cache, a gocache memory store (bigcache by
//     default) in front of Redis through go-redis.
//   - scheduler: runs the Snapshotter's daily, weekly and monthly jobs when
//     each team's periods fall due, across replicas, with the job-run
//     claims that make one replica do each run (JobRunStore, JobRun).
//   - store/pgstore: the production Store on Postgres 15+ through Bun.
//   - store/memstore: an in-memory Store for tests and the quickstart.
//   - store/storetest: the conformance suite every Store passes.
//   - store/sample: small deterministic activity for demos, load tests
//     and a host's own tests.
//   - prometheus: a Prometheus collector for the cache's statistics.
//
// # Reading metrics
//
// A Service (New) answers a host's handlers: RealTime (today so far, live,
// cached 30 s), Dashboard (the last N days from team-wide daily snapshots
// plus today, with the previous N days and growth, cached 5 min), Heatmap
// (the traffic of a team or account by weekday and hour over the last N
// days, from daily snapshots plus today, cached 5 min) and Snapshots
// (stored snapshots, cached 1 h). Snapshot runs made through
// Service.Snapshotter invalidate the teams they touch, and warm the
// dashboards of each team once per run that writes its latest period
// (Config.WarmDashboards), so a catch-up of many past periods warms once;
// only the dashboards whose two windows are stored as daily snapshots are
// warmed, so a first backfill never aggregates months of raw activity to
// warm. InvalidateTeam is one Redis operation that every replica sharing
// the Redis honours within gocache.Config.InvalidationBound (1 s).
// Every cached read takes its bytes from the cache; the Service keeps the
// values of recent reads decoded and skips decoding bytes equal to those it
// last decoded under the same key (see Config.Cache). Values returned are
// the caller's to modify.
//
// # Periods
//
// Every period is a half-open interval [Start, End) of instants, computed in
// the team's IANA time zone: a day runs from local midnight to the next
// local midnight (23 or 25 hours on daylight-saving days), a week is an ISO
// week from Monday to Sunday, a month a calendar month. A snapshot's date is
// the local date of its period's start.
//
// A period falls due, and is generated, at a wall-clock time in the team's
// zone after it ends: a day at 02:00 the day after, a week at 03:00 on the
// Monday after, a month at 04:00 on the 1st after (the zero Schedule's
// DueAt; a due time that daylight saving skips is taken when the clocks
// jump, one that occurs twice at its first occurrence). Snapshotter.GenerateAll generates each
// team's last due period (Schedule.LastDue), and the scheduler package
// generates each period at the UTC quarter hour it falls due, by the same
// rule.
//
// # Scopes
//
// A Scope is a team (team-wide: every account of the team and activity with
// no account) or one WhatsApp account of a team. Team-wide snapshots are
// stored apart from per-account ones and never summed with them.
//
// # Metric definitions
//
// The reply window W defaults to 24 hours (DefaultReplyWindow, the WhatsApp
// customer-service window) and is set per AggregateRequest. The messages of
// a conversation are ordered by (created_at, id). A message is in a scope
// when its team matches and, for an account scope, its account does.
//
// Messages, over messages created in the period:
//
//   - total: every message; inbound: sent by the contact; outbound: every other.
//   - sent: status sent, delivered or read; delivered: delivered or read;
//     read: read; failed: failed. Other statuses count towards total only.
//   - unmapped: messages whose status or sender type the store's mapping
//     does not cover (store/pgstore counts them; memstore and
//     store.ComputeMetrics, whose vocabulary is fixed, give 0). A non-zero count
//     means sent, delivered, read, failed or inbound may be short; a run's
//     Report sums it over team-wide snapshots and logs a warning.
//   - replied: an outbound message whose next message in the same
//     conversation is inbound and arrives within W of it. The reply may fall
//     after the period's end; the message counts in the period it was sent.
//     A message without a conversation is never replied.
//   - deliveryRate = delivered/sent, readRate = read/delivered,
//     replyRate = replied/sent, failureRate = failed/total: percent 0–100,
//     rounded to 2 decimals, 0 when the denominator is 0.
//
// Conversations:
//
//   - total, open, closed: conversations created in the period, by their
//     current status ("open", "closed"; others count towards total only).
//   - customer turn: an inbound message (in the scope and period) whose
//     previous message in the conversation is outbound, or does not exist,
//     or arrived more than W before it. Consecutive inbound messages within
//     W of each other belong to one turn. An inbound message without a
//     conversation (an empty conversation ID) is never a customer turn: it
//     counts towards total and inbound, and is neither answered nor
//     unanswered.
//   - response time of a turn: the time from its first inbound message to
//     the next outbound message of the conversation, in whole milliseconds,
//     counted when that outbound message arrives within W. A turn with no
//     such message is unanswered (unansweredTurns).
//   - avgResponseTime: the mean response time in seconds; medianResponseTime
//     and p90ResponseTime: quantiles read from a histogram of 16 fixed
//     buckets (see Histogram) that is kept in the snapshot, so weekly, monthly
//     and multi-day quantiles are computed from summed histograms. A
//     quantile is exact to within its bucket: it is interpolated inside
//     the bucket that holds the true value.
//   - first response time: for each conversation created in the period (in
//     the scope), the response time of its first inbound message that
//     arrives in [created_at, created_at+W), when answered within W.
//     avgFirstResponseTime is their mean in seconds.
//
// Contacts: a contact belongs to a team-wide scope when it is the team's,
// and to an account scope when it has a conversation on that account
// created before the period's end.
//
//   - total: contacts created before the period's end; blocked: those of
//     them currently blocked; avgEngagementScore: the mean of their stored
//     engagement scores (each rounded to hundredths).
//   - new: contacts that joined the scope in the period. A contact joins
//     a team-wide scope when it is created, and an account scope at the
//     later of its creation and its first conversation on the account, so
//     a contact created on Monday that first writes to an account on
//     Wednesday is new to that account on Wednesday. New contacts of the
//     days of a week add up to those of the week.
//   - active: distinct contacts of the conversations of the scope's
//     messages created in the period.
//
// Campaigns, over campaigns created in the period: total; active (status
// "Running"), completed ("Completed"), failed ("Failed"); sums of total
// recipients, messages sent, delivered and read; avgDeliveryRate and
// avgReadRate pooled over the campaigns (sum delivered / sum sent, sum
// read / sum delivered), never averaged per campaign.
//
// # Traffic heatmap
//
// Metrics.Traffic counts an item's activity by local weekday and hour of
// the day (a Traffic; Heatmap is its full 7 × 24 matrix), read in the time
// zone of the item's Period.Start: the team's zone for snapshots and for
// every Service read.
//
//   - Every message of the scope created in the period counts in the cell
//     (weekday, hour) of its created_at, as Inbound or Outbound by
//     direction; messages without a conversation count too.
//   - Every conversation of the scope created in the period counts in
//     Conversations of its created_at's cell.
//
// So the cells add up exactly to messages.inbound, messages.outbound and
// conversations.total. A daylight-saving day has 23 or 25 hours: the hour
// repeated when clocks go back counts in its wall-clock hour (both
// occurrences add to one cell), and the hour skipped when they go forward
// has no traffic. Zones with offsets that are not whole hours (+05:45,
// −03:30) cut hours at their own local hour boundaries. Traffic adds under
// Merge, so a week or month rolled up from its days, and an N-day read
// (Service.Heatmap) merged from daily snapshots, give the same matrix as
// aggregating the whole range in the team's zone.
//
// # Campaign funnels
//
// A campaign funnel (CampaignFunnel) follows one campaign over its whole
// life, not over a period: Service.Campaign reads one, Service.Campaigns a
// page of a team's campaigns in byte order of their IDs (CampaignPage.Next
// is the after of the next page, "" after the last). Both are computed live
// from raw activity by the store's CampaignFunnels (store.ComputeCampaignFunnels
// is the reference) and cached 5 minutes (CacheTTLs.Campaigns) per team, so
// InvalidateTeam drops them.
//
// A campaign's messages are the messages of its team that carry its
// reference (store.Message.CampaignID; in store/pgstore the mapped column
// MessagesTable.CampaignID), whatever their direction, status, account or
// time. Messages of another team never count, even with the same campaign
// ID; a message whose reference names no campaign of its team counts in no
// funnel; a campaign without messages has every count 0.
//
//   - recipients: the campaign row's total recipients (NULL or negative: 0);
//     status, account and createdAt are the campaign row's too.
//   - messages: the campaign's messages; sent, delivered, read and failed:
//     those of them with the statuses that count so in Messages metrics
//     (sent: sent, delivered or read; delivered: delivered or read; read:
//     read; failed: failed).
//   - replied: the campaign's outbound messages whose next message in the
//     same conversation, in (created_at, id) order, is inbound and arrives
//     within W of it (W: Config.Snapshotter.ReplyWindow, 24 h by default):
//     the replied rule of Messages. A campaign message of no conversation,
//     or followed first by another outbound message, is not replied;
//     inbound messages carrying the reference count in messages but are
//     never replied.
//   - deliveryRate = delivered/sent, readRate = read/delivered, replyRate =
//     replied/sent, failureRate = failed/messages, in percent rounded to 2
//     decimals, 0 when the denominator is 0; score = CampaignScore of the
//     four.
//
// Counts are over the campaign's life, so they change as late statuses and
// replies arrive; a read is at most 5 minutes old, or fresh after
// InvalidateTeam. The campaign row's own counters (messagesSent, …) are not
// used: the funnel counts messages.
//
// # Business hours
//
// A team may have working hours (Team.Hours, a WorkingHours): per weekday,
// ranges of local wall-clock time, plus whole local dates it is closed.
// Stores read them from the host through their source mapping
// (store/pgstore: a json, jsonb or text column of the teams table,
// TeamsTable.WorkingHours, or a Go callback, Config.WorkingHours), and the
// Snapshotter and the Service pass them to Aggregate
// (AggregateRequest.WorkingHours).
//
//   - business response time of an answered customer turn: the part of
//     [the turn's first inbound message's created_at, the answering
//     outbound message's created_at) that falls inside the working hours
//     (WorkingHours.Between), read in the time zone of the item's
//     Period.Start (the team's zone), truncated to whole milliseconds. A
//     turn that starts outside the hours and is answered before they open
//     has a business response time of 0, and still counts. Unanswered
//     turns have none.
//   - businessResponseCount (equal to responseCount),
//     businessResponseTimeMs (their sum) and businessResponseHistogram;
//     avgBusinessResponseTime, medianBusinessResponseTime and
//     p90BusinessResponseTime are derived from them as the calendar ones
//     are. businessFirstResponseCount, businessFirstResponseTimeMs and
//     avgBusinessFirstResponseTime do the same for first response times.
//     Each business time is at most its calendar time.
//   - A range of a local date runs from the instant its wall-clock start
//     resolves to, by time.Date, to the instant its end resolves to. A
//     range that covers a whole repeated hour (clocks going back) counts
//     it once per occurrence ("00:00-24:00" is then 25 hours); a range
//     that covers the whole skipped hour (clocks going forward) loses it.
//     A bound inside the repeated hour resolves to its first occurrence,
//     so "00:00-01:30" on 2026-11-01 in New York is 1 h 30 min and
//     "01:30-03:00" is 2 h 30 min; a bound inside the skipped hour
//     resolves as time.Date normalises it (02:30 on 2026-03-08 in New
//     York is 01:30 EST, an hour earlier than the clock reads). Keep
//     bounds out of the hours a zone's clocks change in when that
//     matters. An instant inside two ranges counts once. A closed date
//     has no hours, whatever its weekday.
//   - A team without working hours has every business field 0.
//   - A team whose working hours cannot be read (a stored value that does
//     not parse, or the host callback's error) is listed with
//     Team.HoursErr set: a snapshot run records it as that team's failure
//     and goes on with the others, and Service.RealTime and
//     Service.Dashboard of the team return it; reads that do not measure
//     business time are served.
//
// Business counts are sums, so they merge exactly: a week's business
// times are the sum of its days'. A snapshot keeps the business times of
// the hours in force when it was generated: changing a team's hours does
// not rewrite its stored snapshots, and a roll-up of days generated under
// different hours (or some under none) mixes them. Regenerate the daily
// snapshots (a backfill) to apply new hours to past days; the Service's
// cached reads follow after their TTL or Service.InvalidateTeam.
//
// # Rounding
//
// Every rate, average and score is rounded half away from zero to 2
// decimals, once, from its exact value: the quotient is computed in
// integers (128-bit where a product could overflow int64) or exact
// rationals, and only the rounded number of hundredths becomes a float64,
// the one nearest that decimal. avgResponseTime is round(sumMs·100 /
// (count·1000)) hundredths of a second, so 139,545 ms over one response
// is 139.55 (the mean, 139.545 s, is exactly a tie and rounds up);
// avgFirstResponseTime likewise; avgEngagementScore is
// round(engagementScoreCenti / total) hundredths of a point; the rates,
// campaign rates included, are round(num·10000 / den) hundredths of a
// percent, so 1 of 800 is 0.13. Quantiles are interpolated and rounded the
// same way. GrowthRate and CampaignScore, whose inputs are float64 rates or
// averages, read each input as the decimal it prints as (139.55, not the
// binary fraction nearest it) and compute exactly from there.
//
// # Exact roll-ups
//
// Metrics store counts, sums and histograms; rates and averages are derived
// from them (Metrics.Derive). Merge adds two Metrics, so a week merged from
// its seven days has the same rates, averages and quantiles as the week
// aggregated directly. The one exception is contacts.active, a distinct
// count: Merge counts it from the union of the two periods' sketches of
// active contacts when both have one (Metrics.ActiveSketch, a
// DistinctSketch), and can otherwise only bound it from below; see Merge.
//
// The Snapshotter uses this to roll weekly and monthly snapshots up from
// daily ones when its store can count active contacts alone
// (ActiveContactsCounter): the period's days are merged in order. A day's
// snapshot is used only when it covers exactly that day and was generated
// at least twice the reply window after the day ended (when its replies
// and first responses can no longer change); runs of other days, such as
// the last days of a month at 04:00 on the 1st, are aggregated from raw
// activity. The result equals aggregating the whole period (but for
// contacts.active beyond 8192 distinct contacts, below), provided the
// dailies were generated with the same reply window and their days'
// activity has not changed since (late status updates reach a roll-up when
// their days are generated again). The as-of counts (contacts total,
// blocked, engagement) are those of the last day, as of the period's end.
//
// Distinct active contacts. Every daily snapshot the Snapshotter writes
// keeps the DistinctSketch of its active contacts (k = SketchK = 8192
// hashes at most, 8 bytes each). A roll-up counts contacts.active from the
// union of its days' sketches: exactly (up to a 64-bit hash collision,
// probability below n²/2⁶⁵) while the scope has at most 8192 distinct
// active contacts in the period, and beyond that as an estimate with a
// relative standard error of 1/√8190 ≈ 1.1% (95% of estimates within
// 2.2%). When a day has no sketch (a snapshot written by the original
// system, or by any writer that keeps none), the roll-up counts that period's
// active contacts exactly from the messages instead
// (ActiveContactsCounter), never from a lower bound.
//
// # Errors
//
// Errors wrap one of the sentinels ErrInvalidArgument, ErrNotFound,
// ErrCorrupt and ErrClosed; test them with errors.Is. Validation errors are
// *FieldError values that name the field at fault. ErrInvalidArgument
// always concerns what the caller passed (a handler may answer it 400);
// stored data that cannot be used, such as a team whose stored time zone
// does not load, is ErrCorrupt, a server-side fault: reads of that team
// fail with it, and a snapshot run records it for that team and goes on
// with the others. Constructors reject a typed nil (a nil *redis.Client in
// gocache.Config.Redis, a nil *gocache.Cache as Config.Cache, a nil store or
// clock) with a FieldError naming the field. Every method that takes a
// context.Context rejects a nil one with a FieldError naming "ctx",
// before any I/O: a nil context never reaches database/sql,
// which would panic holding its pool's lock and block every later call.
//
// # Supported dates
//
// Period math (PeriodOf, PeriodForDate, ParseDate) covers years 1 to 9999,
// but what reaches a store is held to a narrower range, which Postgres and
// the windows around a period (the reply window, a dashboard's two windows
// of up to MaxDashboardDays days) stay well inside:
//
//   - instants runs and reads are made at — GenerateAll's at, the
//     scheduler's at, and the Clock's now for RealTime and Dashboard — from
//     1970-01-01T00:00:00Z (inclusive) to 9998-01-01T00:00:00Z (exclusive);
//     the zero time.Time is outside;
//   - dates of periods (Generate's period, the periods a Run picks) and of
//     snapshot reads (Snapshots' from and to), from 1900-01-01 to
//     9998-12-31 inclusive.
//
// Arguments outside it give ErrInvalidArgument naming the argument ("at",
// "Period.Date", "period", "from", "to"; "Config.Clock" for a clock outside
// it), before any I/O. In a Run, a picked period outside it fails that team
// alone, in the Report. Every period due at a supported instant has a
// supported date.
//
// # Time zones
//
// Team zones are IANA names loaded with the time package, which reads the
// system's time-zone database. The library does not import time/tzdata:
// that adds about 450 KB to every program, and the Go documentation leaves
// the choice to the program's main package. A host whose binary may run
// without the system's database (scratch or distroless images) imports it
// in its main package:
//
//	import _ "time/tzdata"
//
// Every example and command of this module does. Without any database,
// every zone but UTC fails to load, and the ErrCorrupt of Team.Location
// says so and names this import.
//
// # When a team's time zone changes
//
// Periods are computed in the zone the team has when they are computed;
// stored snapshots keep the period they were generated for. After a team
// moves, say from America/New_York to Asia/Kolkata, its stored 2026-03-12
// is still New York's [03-12T04:00Z, 03-13T04:00Z), not Kolkata's
// [03-11T18:30Z, 03-12T18:30Z). A daily snapshot stands for a day only if
// its Metrics.Range is exactly that day's bounds in the team's current
// zone: Service.Dashboard (and the warming of dashboards after a run)
// treats every other one as missing and aggregates that day live from raw
// activity, listing it in Dashboard.LiveDays, and weekly and monthly
// roll-ups aggregate such days directly. Stored snapshots of the old zone
// stay as they were, and Service.Snapshots returns them as stored, until
// they are regenerated: run Snapshotter.Run (or Service.Snapshotter().Run,
// which also invalidates the team's cached reads) with a PeriodPicker that
// picks the affected dates in the team's new zone, or, for the latest due
// periods only, the scheduler package's Scheduler.TriggerJob with Trailing
// set to cover them. Reads cached before the change are served until their
// TTL ends unless the host calls Service.InvalidateTeam when it changes the
// zone.
//
// # Time
//
// Nothing in the library reads the wall clock directly: components take a
// Clock in their Config (SystemClock by default), and tests use FakeClock.
package analytics
