package synth

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// Stats reports what LoadPostgres wrote and how long it took. Durations are
// wall-clock time.
type Stats struct {
	// Rows written per table.
	Teams, Accounts, Contacts, Conversations, Messages, Campaigns int64
	// Copy is the time spent generating and copying rows.
	Copy time.Duration
	// Constraints is the time spent re-creating the keys, foreign keys and
	// indexes dropped for the load, and analysing the tables.
	Constraints time.Duration
	// Total is the time of the whole call, from BEGIN to COMMIT.
	Total time.Duration
}

// Rows returns the number of rows written to all tables.
func (s Stats) Rows() int64 {
	return s.Teams + s.Accounts + s.Contacts + s.Conversations + s.Messages + s.Campaigns
}

// bulkTables are the tables whose keys and indexes LoadPostgres drops during
// the load and re-creates after it.
var bulkTables = []string{"messages", "conversations", "contacts", "campaigns"}

// LoadPostgres writes the dataset cfg describes into the reference source
// tables (SchemaSQL) in schema, creating the schema and the tables if they
// do not exist, and returns what it wrote. It works in one transaction on
// conn: on any error nothing is left behind but the schema and empty
// tables, and conn's own settings (search_path) are untouched afterwards.
//
// Rows are written with COPY in binary format: messages streamed as they are
// generated, the other activity tables spooled to temporary files and
// copied after them. For speed the primary keys, foreign keys, unique
// constraints and other indexes of messages, conversations, contacts and
// campaigns are dropped before the load and re-created after it (any the
// host added too), then the tables are analysed. Loading into tables that
// already hold rows works, but an ID that exists already makes the
// re-created primary key fail, and the whole load with it.
//
// Values: an empty AccountID, ConversationID or ContactID is written as
// NULL, as is a zero LastContactedAt; messages.sender_type is
// SenderType(m); timestamps are written as their UTC wall time.
//
// An empty schema gives an error wrapping analytics.ErrInvalidArgument, as
// does an invalid cfg.
func LoadPostgres(ctx context.Context, conn *pgx.Conn, schema string, cfg Config) (stats Stats, err error) {
	if schema == "" {
		return Stats{}, store.InvalidArgument("schema", "must not be empty")
	}
	if conn == nil {
		return Stats{}, store.InvalidArgument("conn", "must not be nil")
	}
	cfg = *cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return Stats{}, err
	}
	clock := analytics.SystemClock()
	start := clock.Now()

	tx, err := conn.Begin(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("synth: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	q := pgx.Identifier{schema}.Sanitize()
	setup := []string{
		"CREATE SCHEMA IF NOT EXISTS " + q,
		"SET LOCAL search_path TO " + q,
		// Key builds after the load sort whole tables.
		"SET LOCAL maintenance_work_mem = '512MB'",
		SchemaSQL,
	}
	for _, s := range setup {
		if _, err := tx.Exec(ctx, s); err != nil {
			return Stats{}, fmt.Errorf("synth: set up schema %s: %w", q, err)
		}
	}
	restore, err := dropKeys(ctx, tx, schema)
	if err != nil {
		return Stats{}, err
	}

	teams := makeTeams(cfg)
	if stats.Teams, stats.Accounts, err = copyTeams(ctx, tx, teams); err != nil {
		return Stats{}, err
	}
	if err := copyActivity(ctx, tx.Conn().PgConn(), cfg, &stats); err != nil {
		return Stats{}, err
	}
	afterCopy := clock.Now()
	stats.Copy = afterCopy.Sub(start)

	for _, s := range restore {
		if _, err := tx.Exec(ctx, s); err != nil {
			return Stats{}, fmt.Errorf("synth: re-create %q: %w", s, err)
		}
	}
	for _, t := range append([]string{"teams", "whatsapp_accounts"}, bulkTables...) {
		if _, err := tx.Exec(ctx, "ANALYZE "+pgx.Identifier{schema, t}.Sanitize()); err != nil {
			return Stats{}, fmt.Errorf("synth: analyze %s: %w", t, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return Stats{}, fmt.Errorf("synth: commit: %w", err)
	}
	end := clock.Now()
	stats.Constraints = end.Sub(afterCopy)
	stats.Total = end.Sub(start)
	return stats, nil
}

// dropKeys drops the constraints (primary, unique, foreign keys) and the
// remaining indexes of bulkTables in schema, and returns the statements
// that re-create them: keys first, then indexes, then foreign keys.
func dropKeys(ctx context.Context, tx pgx.Tx, schema string) ([]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT format('%I.%I', n.nspname, r.relname), quote_ident(c.conname),
		       pg_get_constraintdef(c.oid), c.contype = 'f'
		FROM pg_constraint c
		JOIN pg_class r ON r.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE n.nspname = $1 AND r.relname = ANY($2) AND c.contype IN ('p', 'u', 'f', 'x')
		ORDER BY r.relname, c.conname`, schema, bulkTables)
	if err != nil {
		return nil, fmt.Errorf("synth: list constraints: %w", err)
	}
	type constraint struct {
		table, name, def string
		foreign          bool
	}
	cons, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (constraint, error) {
		var c constraint
		err := r.Scan(&c.table, &c.name, &c.def, &c.foreign)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("synth: list constraints: %w", err)
	}
	var keys, foreign []string
	for _, c := range cons {
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s", c.table, c.name)); err != nil {
			return nil, fmt.Errorf("synth: drop constraint %s on %s: %w", c.name, c.table, err)
		}
		s := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", c.table, c.name, c.def)
		if c.foreign {
			foreign = append(foreign, s)
		} else {
			keys = append(keys, s)
		}
	}
	rows, err = tx.Query(ctx, `
		SELECT format('%I.%I', schemaname, indexname), indexdef
		FROM pg_indexes
		WHERE schemaname = $1 AND tablename = ANY($2)
		ORDER BY tablename, indexname`, schema, bulkTables)
	if err != nil {
		return nil, fmt.Errorf("synth: list indexes: %w", err)
	}
	type index struct{ name, def string }
	idx, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var i index
		err := r.Scan(&i.name, &i.def)
		return i, err
	})
	if err != nil {
		return nil, fmt.Errorf("synth: list indexes: %w", err)
	}
	for _, i := range idx {
		if _, err := tx.Exec(ctx, "DROP INDEX "+i.name); err != nil {
			return nil, fmt.Errorf("synth: drop index %s: %w", i.name, err)
		}
		keys = append(keys, i.def)
	}
	return append(keys, foreign...), nil
}

func copyTeams(ctx context.Context, tx pgx.Tx, teams []analytics.Team) (nTeams, nAccounts int64, err error) {
	nTeams, err = tx.CopyFrom(ctx, pgx.Identifier{"teams"}, []string{"id", "timezone"},
		pgx.CopyFromSlice(len(teams), func(i int) ([]any, error) {
			tz := teams[i].TimeZone
			if tz == "" {
				tz = "UTC"
			}
			return []any{teams[i].ID, tz}, nil
		}))
	if err != nil {
		return 0, 0, fmt.Errorf("synth: copy teams: %w", err)
	}
	var accounts [][]any
	for _, t := range teams {
		for _, a := range t.AccountIDs {
			accounts = append(accounts, []any{a, t.ID})
		}
	}
	nAccounts, err = tx.CopyFrom(ctx, pgx.Identifier{"whatsapp_accounts"}, []string{"id", "team_id"}, pgx.CopyFromRows(accounts))
	if err != nil {
		return 0, 0, fmt.Errorf("synth: copy whatsapp_accounts: %w", err)
	}
	return nTeams, nAccounts, nil
}

const (
	messagesCopy      = "COPY messages (id, team_id, account_id, conversation_id, status, sender_type, created_at, campaign_id) FROM STDIN (FORMAT binary)"
	conversationsCopy = "COPY conversations (id, team_id, account_id, contact_id, status, created_at) FROM STDIN (FORMAT binary)"
	contactsCopy      = "COPY contacts (id, team_id, created_at, is_blocked, last_contacted_at, engagement_score) FROM STDIN (FORMAT binary)"
	campaignsCopy     = "COPY campaigns (id, team_id, account_id, status, total_recipients, messages_sent, messages_delivered, messages_read, created_at) FROM STDIN (FORMAT binary)"
)

// copyActivity generates the activity and copies it: messages streamed
// through a COPY running beside the generator, the rest spooled to files
// and copied once the generator is done.
func copyActivity(ctx context.Context, pc *pgconn.PgConn, cfg Config, stats *Stats) (err error) {
	s := &pgSink{ctx: ctx}
	for _, sp := range []**spool{&s.conv, &s.contact, &s.camp} {
		if *sp, err = newSpool(); err != nil {
			return err
		}
		defer (*sp).remove()
	}
	s.msgs = startStream(ctx, pc, messagesCopy)
	genErr := Generate(cfg, s)
	copied, copyErr := s.msgs.finish(genErr != nil)
	if err := errors.Join(genErr, copyErr); err != nil {
		return fmt.Errorf("synth: copy messages: %w", err)
	}
	if copied != s.nMsgs {
		return fmt.Errorf("synth: copy messages: wrote %d rows, generated %d", copied, s.nMsgs)
	}
	stats.Messages = copied
	for _, t := range []struct {
		sp  *spool
		sql string
		n   *int64
	}{
		{s.conv, conversationsCopy, &stats.Conversations},
		{s.contact, contactsCopy, &stats.Contacts},
		{s.camp, campaignsCopy, &stats.Campaigns},
	} {
		if *t.n, err = t.sp.copy(ctx, pc, t.sql); err != nil {
			return err
		}
	}
	return nil
}

// pgSink encodes the generated records in COPY's binary format.
type pgSink struct {
	ctx                 context.Context
	msgs                *stream
	nMsgs               int64
	conv, contact, camp *spool
}

func (s *pgSink) Teams([]analytics.Team) error { return nil } // copied before

func (s *pgSink) Messages(ms []store.Message) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	for i := range ms {
		m := &ms[i]
		b := s.msgs.buf
		b = binary.BigEndian.AppendUint16(b, 8)
		b = appendText(b, m.ID)
		b = appendText(b, m.TeamID)
		b = appendNullText(b, m.AccountID)
		b = appendNullText(b, m.ConversationID)
		b = appendText(b, m.Status)
		b = appendText(b, SenderType(*m))
		b = appendTimestamp(b, m.CreatedAt)
		b = appendNullText(b, m.CampaignID)
		s.msgs.buf = b
		if len(b) >= streamChunk {
			if err := s.msgs.send(); err != nil {
				return err
			}
		}
	}
	s.nMsgs += int64(len(ms))
	return nil
}

func (s *pgSink) Conversations(cs []store.Conversation) error {
	for i := range cs {
		c := &cs[i]
		b := s.conv.buf[:0]
		b = binary.BigEndian.AppendUint16(b, 6)
		b = appendText(b, c.ID)
		b = appendText(b, c.TeamID)
		b = appendNullText(b, c.AccountID)
		b = appendNullText(b, c.ContactID)
		b = appendText(b, c.Status)
		b = appendTimestamp(b, c.CreatedAt)
		if err := s.conv.write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *pgSink) Contacts(cs []store.Contact) error {
	for i := range cs {
		c := &cs[i]
		b := s.contact.buf[:0]
		b = binary.BigEndian.AppendUint16(b, 6)
		b = appendText(b, c.ID)
		b = appendText(b, c.TeamID)
		b = appendTimestamp(b, c.CreatedAt)
		b = binary.BigEndian.AppendUint32(b, 1)
		if c.Blocked {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		if c.LastContactedAt.IsZero() {
			b = appendNull(b)
		} else {
			b = appendTimestamp(b, c.LastContactedAt)
		}
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.EngagementScore))
		if err := s.contact.write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *pgSink) Campaigns(cs []store.Campaign) error {
	for i := range cs {
		c := &cs[i]
		b := s.camp.buf[:0]
		b = binary.BigEndian.AppendUint16(b, 9)
		b = appendText(b, c.ID)
		b = appendText(b, c.TeamID)
		b = appendNullText(b, c.AccountID)
		b = appendText(b, c.Status)
		for _, v := range []int64{c.TotalRecipients, c.MessagesSent, c.MessagesDelivered, c.MessagesRead} {
			b = binary.BigEndian.AppendUint32(b, 4)
			b = binary.BigEndian.AppendUint32(b, uint32(int32(v)))
		}
		b = appendTimestamp(b, c.CreatedAt)
		if err := s.camp.write(b); err != nil {
			return err
		}
	}
	return nil
}

// The binary COPY format: a signature, flags and header extension length,
// then per row a 16-bit field count and per field a 32-bit length (-1 for
// NULL) and the value in the type's binary send format; -1 as a field count
// ends the data.
var (
	copyHeader  = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	copyTrailer = []byte{0xff, 0xff}
)

func appendText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendNull(b []byte) []byte { return binary.BigEndian.AppendUint32(b, math.MaxUint32) }

func appendNullText(b []byte, s string) []byte {
	if s == "" {
		return appendNull(b)
	}
	return appendText(b, s)
}

// postgresEpochMicros is 2000-01-01 00:00:00 UTC in Unix microseconds: a
// binary timestamp counts microseconds from there.
const postgresEpochMicros = 946_684_800_000_000

// appendTimestamp appends t as a TIMESTAMP (without time zone) holding its
// UTC wall time.
func appendTimestamp(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixMicro()-postgresEpochMicros))
}

// streamChunk is the size at which the message stream hands a buffer to the
// COPY goroutine.
const streamChunk = 256 << 10

// stream feeds one COPY FROM STDIN, run by its own goroutine, with chunks
// of encoded rows, so that generation and the server's work overlap.
type stream struct {
	buf   []byte
	full  chan []byte // chunks for the COPY
	free  chan []byte // chunks the COPY has sent, for reuse
	abort chan struct{}
	done  chan struct{}
	rows  int64 // set before done is closed
	err   error // set before done is closed
}

func startStream(ctx context.Context, pc *pgconn.PgConn, sql string) *stream {
	s := &stream{
		buf:   append(make([]byte, 0, streamChunk+4096), copyHeader...),
		full:  make(chan []byte, 4),
		free:  make(chan []byte, 8),
		abort: make(chan struct{}),
		done:  make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		tag, err := pc.CopyFrom(ctx, &chunkReader{full: s.full, free: s.free, abort: s.abort}, sql)
		s.rows, s.err = tag.RowsAffected(), err
	}()
	return s
}

// send hands the current buffer to the COPY.
func (s *stream) send() error {
	select {
	case s.full <- s.buf:
	case <-s.done:
		if s.err != nil {
			return s.err
		}
		return errors.New("synth: COPY ended early")
	}
	select {
	case b := <-s.free:
		s.buf = b[:0]
	default:
		s.buf = make([]byte, 0, streamChunk+4096)
	}
	return nil
}

// finish ends the data and waits for the COPY's result. With abort it
// makes the COPY fail instead, so that no partial data is kept.
func (s *stream) finish(abort bool) (int64, error) {
	var err error
	if abort {
		close(s.abort)
	} else {
		s.buf = append(s.buf, copyTrailer...)
		err = s.send()
	}
	close(s.full)
	<-s.done
	if err != nil && s.err == nil {
		return 0, err
	}
	return s.rows, s.err
}

// chunkReader is the io.Reader the COPY reads the stream's chunks from.
// When full is closed it returns io.EOF, or errAborted if abort was closed
// first, which makes the COPY fail.
type chunkReader struct {
	full      <-chan []byte
	free      chan<- []byte
	abort     <-chan struct{}
	cur, orig []byte
}

var errAborted = errors.New("synth: load aborted")

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.orig != nil {
			select {
			case r.free <- r.orig:
			default:
			}
			r.orig = nil
		}
		b, ok := <-r.full
		if !ok {
			select {
			case <-r.abort:
				return 0, errAborted
			default:
				return 0, io.EOF
			}
		}
		r.orig, r.cur = b, b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// spool collects one table's binary COPY data in a temporary file.
type spool struct {
	f   *os.File
	w   *bufio.Writer
	buf []byte
	n   int64
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "synth-*.copy")
	if err != nil {
		return nil, fmt.Errorf("synth: spool: %w", err)
	}
	s := &spool{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	if _, err := s.w.Write(copyHeader); err != nil {
		s.remove()
		return nil, fmt.Errorf("synth: spool: %w", err)
	}
	return s, nil
}

// write appends one encoded row and keeps b as the scratch buffer.
func (s *spool) write(b []byte) error {
	s.buf = b
	s.n++
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("synth: spool: %w", err)
	}
	return nil
}

// copy runs the COPY from the spooled rows and checks the row count.
func (s *spool) copy(ctx context.Context, pc *pgconn.PgConn, sql string) (int64, error) {
	if _, err := s.w.Write(copyTrailer); err != nil {
		return 0, fmt.Errorf("synth: spool: %w", err)
	}
	if err := s.w.Flush(); err != nil {
		return 0, fmt.Errorf("synth: spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("synth: spool: %w", err)
	}
	tag, err := pc.CopyFrom(ctx, bufio.NewReaderSize(s.f, 1<<20), sql)
	if err != nil {
		return 0, fmt.Errorf("synth: %s: %w", sql, err)
	}
	if tag.RowsAffected() != s.n {
		return 0, fmt.Errorf("synth: %s: wrote %d rows, generated %d", sql, tag.RowsAffected(), s.n)
	}
	return s.n, nil
}

func (s *spool) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}
