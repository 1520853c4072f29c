package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"go/format"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// ProposeSource proposes a Source mapping from the database's catalog, for
// a host to review and paste (print it with Source.GoString). It reads the
// tables and views of schema (or, when schema is "", of the search_path,
// earlier schemas first) and matches their names in normalized form
// (lower case, without underscores, one trailing "s" ignored):
// teams/Team, whatsapp_accounts/WhatsappAccount, created_at/createdAt,
// sender_type/senderType, account_id/whatsappAccountId and a few more
// synonyms.
//
// For a status or sender-type column it assigns the values to the value
// lists by their normalized names: an enum's labels, else, for a text or
// varchar column, the most common values in the planner's statistics
// (pg_stats) once its table is analyzed (a sample, noted: check them
// with Store.CheckSource). It uses these fixed lists, each list's own
// name first; a value taken by another synonym (EXPIRED as failed,
// CONTACT as inbound) is noted, and so is a value in none of them (it is
// in no list):
//
//   - Messages: sent, accepted to SentStatuses; delivered to
//     DeliveredStatuses; read, seen, played to ReadStatuses; failed,
//     error, errored, undelivered, rejected, expired to FailedStatuses;
//     pending, queued, received, scheduled, sending, draft, deleted to
//     IgnoredStatuses (counted in totals only; each such label is noted);
//     inbound, contact, customer, user, incoming, client to
//     InboundSenderTypes; outbound, agent, bot, system, outgoing,
//     campaign, api, business, automation, operator, admin, broadcast,
//     template to OutboundSenderTypes.
//   - Conversations: open, active, ongoing, inprogress to OpenStatuses;
//     closed, resolved, archived, done, ended to ClosedStatuses.
//   - Campaigns: running, active, sending, inprogress to RunningStatuses;
//     completed, done, finished, sent to CompletedStatuses; failed, error,
//     errored to FailedStatuses.
//   - Contacts: blocked, banned to BlockedValues (see below).
//
// It proposes the shapes of Source where the catalog calls for them, and
// notes each: a messages, conversations, contacts or campaigns table with
// no team column but an account column gets TeamVia TeamViaAccount (and
// messages with a conversation column but no account column
// TeamViaConversation); teams with no zone column get TimeZone "-" (every
// team in DefaultTimeZone, UTC unless set); contacts with no boolean
// blocked column but a status enum with a blocked label (or a status text
// column with a blocked value among the most common values of its
// statistics, pg_stats, once analyzed) get Blocked and BlockedValues.
//
// The notes also say what it could not decide: a table or column with no
// match (the field is left empty, so it takes its default), a label or
// value it assigned to no list (messages with it will count as unmapped),
// and text status columns without statistics, whose values it leaves at
// their defaults (check them with Store.CheckSource). It reads only the
// catalog and the planner's statistics (one statement), never the
// tables' rows.
func ProposeSource(ctx context.Context, db *bun.DB, schema string) (Source, []string, error) {
	if err := checkCtx(ctx); err != nil {
		return Source{}, nil, err
	}
	cat, err := readCatalog(ctx, db, schema)
	if err != nil {
		return Source{}, nil, err
	}
	p := proposer{cat: cat}
	src := Source{Schema: schema}
	p.proposeTeams(&src)
	p.proposeAccounts(&src)
	p.proposeMessages(&src)
	p.proposeConversations(&src)
	p.proposeContacts(&src)
	p.proposeCampaigns(&src)
	return src, p.notes, nil
}

// proposeTeams proposes Source.Teams: its table, ID column and zone column,
// or noColumn for a table with no zone column.
func (p *proposer) proposeTeams(src *Source) {
	t := p.table("Teams", "team")
	if t == nil {
		return
	}
	src.Teams.Table = t.name
	src.Teams.ID = p.col(t, "Teams.ID", "id")
	if src.Teams.TimeZone = p.find(t, zoneNames...); src.Teams.TimeZone == "" {
		src.Teams.TimeZone = noColumn
		p.note("Teams.TimeZone: table %s has no zone column; %q puts every team in Teams.DefaultTimeZone (UTC unless you set it)",
			quoteIdent(t.name), noColumn)
	}
}

// proposeAccounts proposes Source.Accounts: its table, ID column and team
// column.
func (p *proposer) proposeAccounts(src *Source) {
	t := p.table("Accounts", "whatsappaccount", "whatsappbusinessaccount", "waaccount", "account")
	if t == nil {
		return
	}
	src.Accounts.Table = t.name
	src.Accounts.ID = p.col(t, "Accounts.ID", "id")
	src.Accounts.TeamID = p.col(t, "Accounts.TeamID", teamIDNames...)
}

// proposeMessages proposes Source.Messages: its table, its columns, how it
// reaches its team, and its status and sender-type labels.
func (p *proposer) proposeMessages(src *Source) {
	t := p.table("Messages", "message", "whatsappmessage")
	if t == nil {
		return
	}
	m := &src.Messages
	m.Table = t.name
	m.ID = p.col(t, "Messages.ID", "id")
	m.AccountID = p.col(t, "Messages.AccountID", accountIDNames...)
	m.ConversationID = p.col(t, "Messages.ConversationID", "conversationid", "threadid")
	m.TeamID, m.TeamVia = p.team(t, "Messages", m.AccountID, m.ConversationID)
	m.Status = p.col(t, "Messages.Status", "status", "state", "deliverystatus")
	m.SenderType = p.col(t, "Messages.SenderType", "sendertype", "sender", "direction", "from", "senderrole")
	m.CreatedAt = p.col(t, "Messages.CreatedAt", createdNames...)
	m.CampaignID = p.find(t, "campaignid", "broadcastid")
	if labels, what := p.values(t, m.Status, "Messages.Status"); labels != nil {
		p.assign("Messages", "Messages.Status", what, labels, []labelList{
			{&m.SentStatuses, "SentStatuses", []string{"sent", "accepted"}, false},
			{&m.DeliveredStatuses, "DeliveredStatuses", []string{"delivered"}, false},
			{&m.ReadStatuses, "ReadStatuses", []string{"read", "seen", "played"}, false},
			{&m.FailedStatuses, "FailedStatuses", []string{"failed", "error", "errored", "undelivered", "rejected", "expired"}, false},
			{&m.IgnoredStatuses, "IgnoredStatuses", []string{"pending", "queued", "received", "scheduled", "sending", "draft", "deleted"}, true},
		})
		for _, l := range m.IgnoredStatuses {
			p.note("Messages.IgnoredStatuses: %s %s counts in totals only (neither sent, delivered, read, failed nor unmapped)", what, quoteLiteral(l))
		}
	}
	if labels, what := p.values(t, m.SenderType, "Messages.SenderType"); labels != nil {
		p.assign("Messages", "Messages.SenderType", what, labels, []labelList{
			{&m.InboundSenderTypes, "InboundSenderTypes", []string{"inbound", "contact", "customer", "user", "incoming", "client"}, false},
			{&m.OutboundSenderTypes, "OutboundSenderTypes", []string{"outbound", "agent", "bot", "system", "outgoing", "campaign", "api",
				"business", "automation", "operator", "admin", "broadcast", "template"}, true},
		})
	}
}

// proposeConversations proposes Source.Conversations: its table, its
// columns, how it reaches its team, and its status labels.
func (p *proposer) proposeConversations(src *Source) {
	t := p.table("Conversations", "conversation", "chat", "thread")
	if t == nil {
		return
	}
	c := &src.Conversations
	c.Table = t.name
	c.ID = p.col(t, "Conversations.ID", "id")
	c.AccountID = p.col(t, "Conversations.AccountID", accountIDNames...)
	c.TeamID, c.TeamVia = p.team(t, "Conversations", c.AccountID, "")
	c.ContactID = p.col(t, "Conversations.ContactID", "contactid", "customerid")
	c.Status = p.col(t, "Conversations.Status", "status", "state")
	c.CreatedAt = p.col(t, "Conversations.CreatedAt", createdNames...)
	if labels, what := p.values(t, c.Status, "Conversations.Status"); labels != nil {
		p.assign("Conversations", "Conversations.Status", what, labels, []labelList{
			{&c.OpenStatuses, "OpenStatuses", []string{"open", "active", "ongoing", "inprogress"}, false},
			{&c.ClosedStatuses, "ClosedStatuses", []string{"closed", "resolved", "archived", "done", "ended"}, false},
		})
	}
}

// proposeContacts proposes Source.Contacts: its table, its columns, how it
// reaches its team, and how a blocked contact is marked.
func (p *proposer) proposeContacts(src *Source) {
	t := p.table("Contacts", "contact", "customer")
	if t == nil {
		return
	}
	c := &src.Contacts
	c.Table = t.name
	c.ID = p.col(t, "Contacts.ID", "id")
	if c.TeamID = p.find(t, teamIDNames...); c.TeamID == "" {
		c.AccountID = p.find(t, accountIDNames...)
		if c.TeamID, c.TeamVia = p.team(t, "Contacts", c.AccountID, ""); c.TeamVia == TeamViaColumn {
			c.AccountID = ""
		}
	}
	c.CreatedAt = p.col(t, "Contacts.CreatedAt", createdNames...)
	c.Blocked, c.BlockedValues = p.blocked(t)
	c.EngagementScore = p.col(t, "Contacts.EngagementScore", "engagementscore", "score")
}

// proposeCampaigns proposes Source.Campaigns: its table, its columns, how it
// reaches its team, and its status labels.
func (p *proposer) proposeCampaigns(src *Source) {
	t := p.table("Campaigns", "campaign", "broadcast")
	if t == nil {
		return
	}
	c := &src.Campaigns
	c.Table = t.name
	c.AccountID = p.col(t, "Campaigns.AccountID", accountIDNames...)
	c.TeamID, c.TeamVia = p.team(t, "Campaigns", c.AccountID, "")
	c.Status = p.col(t, "Campaigns.Status", "status", "state")
	c.TotalRecipients = p.col(t, "Campaigns.TotalRecipients", "totalrecipients", "recipients", "recipientcount", "recipientscount")
	c.MessagesSent = p.col(t, "Campaigns.MessagesSent", "messagessent", "sentcount", "sent")
	c.MessagesDelivered = p.col(t, "Campaigns.MessagesDelivered", "messagesdelivered", "deliveredcount", "delivered")
	c.MessagesRead = p.col(t, "Campaigns.MessagesRead", "messagesread", "readcount", "read")
	c.CreatedAt = p.col(t, "Campaigns.CreatedAt", createdNames...)
	if labels, what := p.values(t, c.Status, "Campaigns.Status"); labels != nil {
		p.assign("Campaigns", "Campaigns.Status", what, labels, []labelList{
			{&c.RunningStatuses, "RunningStatuses", []string{"running", "active", "sending", "inprogress"}, false},
			{&c.CompletedStatuses, "CompletedStatuses", []string{"completed", "done", "finished", "sent"}, false},
			{&c.FailedStatuses, "FailedStatuses", []string{"failed", "error", "errored"}, false},
		})
	}
}

// Normalized synonyms of columns that several tables share.
var (
	teamIDNames    = []string{"teamid", "organizationid", "orgid", "workspaceid", "tenantid"}
	accountIDNames = []string{"accountid", "whatsappaccountid", "waaccountid", "whatsappbusinessaccountid", "wabaid"}
	createdNames   = []string{"createdat", "created", "createdon", "timestamp"}
	zoneNames      = []string{"timezone", "tz", "zone", "ianatimezone"}
	blockedLabels  = []string{"blocked", "banned"}
)

// catTable is a table or view of the catalog.
type catTable struct {
	name string
	cols []catColumn
}

// catColumn is a column of a catTable; labels are an enum's, else nil.
// sampled are the most common values of a text or varchar column in the
// planner's statistics (pg_stats), nil when it has none.
type catColumn struct {
	name    string
	labels  []string
	sampled []string
}

// readCatalog reads the tables and views of schema (or of the search
// path, each name from the first schema that has it) with their columns
// and the labels of their enum columns.
func readCatalog(ctx context.Context, db *bun.DB, schema string) ([]*catTable, error) {
	rows, err := db.QueryContext(ctx, `
SELECT c.relname::text, a.attname::text,
	(SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.atttypid)::text,
	CASE WHEN a.atttypid IN ('text'::regtype, 'varchar'::regtype) THEN
		(SELECT to_json(s.most_common_vals::text::text[])::text FROM pg_catalog.pg_stats s
		WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
		ORDER BY s.inherited DESC LIMIT 1) END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
	AND (CASE WHEN ?0 = '' THEN n.nspname = ANY(current_schemas(false)) ELSE n.nspname = ?0 END)
ORDER BY CASE WHEN ?0 = '' THEN array_position(current_schemas(false), n.nspname::text) END, c.relname, a.attnum`, schema)
	if err != nil {
		return nil, fmt.Errorf("pgstore: reading the catalog: %w", err)
	}
	defer rows.Close()
	var out []*catTable
	byName := map[string]*catTable{}
	skip := map[string]bool{} // names already taken from an earlier schema
	last := ""
	for rows.Next() {
		var rel, col string
		var labels, sampled *string
		if err := rows.Scan(&rel, &col, &labels, &sampled); err != nil {
			return nil, fmt.Errorf("pgstore: reading the catalog: %w", err)
		}
		if rel != last && byName[rel] != nil {
			skip[rel] = true // the same name in a later schema of the path
		}
		last = rel
		if skip[rel] {
			continue
		}
		t := byName[rel]
		if t == nil {
			t = &catTable{name: rel}
			byName[rel] = t
			out = append(out, t)
		}
		c := catColumn{name: col}
		if labels != nil {
			if err := json.Unmarshal([]byte(*labels), &c.labels); err != nil {
				return nil, fmt.Errorf("pgstore: reading the catalog: labels of %s.%s: %w", rel, col, err)
			}
		}
		if sampled != nil {
			if err := json.Unmarshal([]byte(*sampled), &c.sampled); err != nil {
				return nil, fmt.Errorf("pgstore: reading the catalog: statistics of %s.%s: %w", rel, col, err)
			}
		}
		t.cols = append(t.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: reading the catalog: %w", err)
	}
	return out, nil
}

// proposer matches the catalog against the Source's fields.
type proposer struct {
	cat   []*catTable
	notes []string
}

func (p *proposer) note(format string, args ...any) {
	p.notes = append(p.notes, fmt.Sprintf(format, args...))
}

// table returns the table whose normalized singular name is the first of
// names that one has, or nil.
func (p *proposer) table(field string, names ...string) *catTable {
	for _, n := range names {
		for _, t := range p.cat {
			if singular(normalize(t.name)) == n {
				return t
			}
		}
	}
	p.note("%s: no table matches; the default applies", field)
	return nil
}

// col returns the column of t whose normalized name is the first of names
// that one has, or "" (the default).
func (p *proposer) col(t *catTable, field string, names ...string) string {
	for _, n := range names {
		for _, c := range t.cols {
			if normalize(c.name) == n {
				return c.name
			}
		}
	}
	p.note("%s: table %s has no matching column; the default applies", field, quoteIdent(t.name))
	return ""
}

// find returns the column of t whose normalized name is the first of
// names that one has, or "", without a note.
func (p *proposer) find(t *catTable, names ...string) string {
	for _, n := range names {
		for _, c := range t.cols {
			if normalize(c.name) == n {
				return c.name
			}
		}
	}
	return ""
}

// team returns the TeamID and TeamVia of table t (the Source field
// name): its team column, else TeamViaAccount through account (its
// account column, when found), else, for messages, TeamViaConversation
// through conv; each choice of a TeamVia is noted.
func (p *proposer) team(t *catTable, name, account, conv string) (string, TeamVia) {
	if c := p.find(t, teamIDNames...); c != "" {
		return c, TeamViaColumn
	}
	switch {
	case account != "":
		p.note("%s.TeamVia: table %s has no team column; its rows reach their team through their account (%s), as pgstore.TeamViaAccount",
			name, quoteIdent(t.name), quoteIdent(account))
		return "", TeamViaAccount
	case name == "Messages" && conv != "":
		p.note("%s.TeamVia: table %s has no team column; its rows reach their team through their conversation (%s), as pgstore.TeamViaConversation",
			name, quoteIdent(t.name), quoteIdent(conv))
		return "", TeamViaConversation
	}
	p.note("%s.TeamID: table %s has no matching column, nor an account column to reach the team through; the default applies", name, quoteIdent(t.name))
	return "", TeamViaColumn
}

// blocked returns the Blocked column and BlockedValues of the contacts
// table t: its boolean-named blocked column, else a status enum column
// with blocked labels, else a status text column whose sampled values
// (pg_stats) include blocked ones (either noted).
func (p *proposer) blocked(t *catTable) (string, []string) {
	if c := p.find(t, "isblocked", "blocked"); c != "" {
		return c, nil
	}
	for _, name := range []string{"status", "state"} {
		for _, c := range t.cols {
			if normalize(c.name) != name {
				continue
			}
			values, from := c.labels, "enum labels"
			if values == nil {
				values, from = c.sampled, "values in the planner's statistics (check them with Store.CheckSource)"
			}
			var vals []string
			for _, l := range values {
				if slices.Contains(blockedLabels, normalize(l)) {
					vals = append(vals, l)
				}
			}
			if vals != nil {
				p.note("Contacts.Blocked: table %s has no blocked column; a contact is blocked when its %s is %s (Contacts.BlockedValues, from its %s)",
					quoteIdent(t.name), quoteIdent(c.name), quoteLiterals(vals), from)
				return c.name, vals
			}
		}
	}
	p.note("Contacts.Blocked: table %s has no matching column, nor a status enum with a blocked label; the default applies", quoteIdent(t.name))
	return "", nil
}

// quoteLiterals lists vs as SQL literals, comma-separated.
func quoteLiterals(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quoteLiteral(v)
	}
	return strings.Join(q, ", ")
}

// values returns the values of t's column name (the Source field
// field) and what they are: its enum labels ("label"), else the most
// common values of its statistics when it is a text column of an analyzed
// table ("value", noted as a sample), else nil with a note.
func (p *proposer) values(t *catTable, name, field string) ([]string, string) {
	if name == "" {
		return nil, ""
	}
	for _, c := range t.cols {
		if c.name != name {
			continue
		}
		switch {
		case c.labels != nil:
			return c.labels, "label"
		case c.sampled != nil:
			p.note("%s: column %s.%s is not an enum; its value lists come from the most common values in the planner's statistics (%s), a sample: check them with Store.CheckSource",
				field, quoteIdent(t.name), quoteIdent(name), quoteLiterals(c.sampled))
			return c.sampled, "value"
		}
		p.note("%s: column %s.%s is not an enum, and the planner's statistics have no most common values for it (ANALYZE its table for a proposal); its values keep their defaults (see Store.CheckSource)",
			field, quoteIdent(t.name), quoteIdent(name))
		return nil, ""
	}
	return nil, ""
}

// labelList is a value list of the Source (name is its field name) and
// the normalized labels it takes, its own name first; an optional list
// may stay empty.
type labelList struct {
	list     *[]string
	name     string
	names    []string
	optional bool
}

// assign puts each label (what: "label" or "value") of the column of
// field into the first list that takes its normalized form, and notes the
// labels taken by a synonym rather than the list's own name (but for
// IgnoredStatuses, noted by the caller), the labels no list takes and the
// lists left empty; table prefixes the lists' names in the notes.
func (p *proposer) assign(table, field, what string, labels []string, lists []labelList) {
	for _, l := range labels {
		n := normalize(l)
		taken := false
		for _, ll := range lists {
			if slices.Contains(ll.names, n) {
				*ll.list = append(*ll.list, l)
				taken = true
				if n != ll.names[0] && ll.name != "IgnoredStatuses" {
					p.note("%s.%s: %s %s is taken as %s, a synonym (check that it means that)", table, ll.name, what, quoteLiteral(l), ll.names[0])
				}
				break
			}
		}
		if !taken {
			rows := "rows with it count in totals only"
			if table == "Messages" {
				rows = "messages with it count as unmapped"
			}
			p.note("%s: %s %s is in no list; %s", field, what, quoteLiteral(l), rows)
		}
	}
	for _, ll := range lists {
		if len(*ll.list) == 0 && !ll.optional {
			p.note("%s: no %s for the list of %q values; New will reject the default unless you set one", field, what, ll.names[0])
		}
	}
}

// GoString formats s as a gofmt-formatted Go composite literal,
// pgstore.Source{…}, with every non-empty field (a TeamVia as its
// constant, such as pgstore.TeamViaAccount), for a host to paste into
// its code (fmt's %#v uses it).
func (s Source) GoString() string {
	var b strings.Builder
	const head = "package p\n\nvar _ = "
	b.WriteString(head)
	goLiteral(&b, reflect.ValueOf(s), 0)
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return b.String()[len(head):] // not reached: the literal is valid Go
	}
	return strings.TrimSpace(string(out[len(head):]))
}

// teamViaNames are the names GoString prints for the TeamVia constants.
var teamViaNames = map[TeamVia]string{
	TeamViaColumn:       "pgstore.TeamViaColumn",
	TeamViaAccount:      "pgstore.TeamViaAccount",
	TeamViaConversation: "pgstore.TeamViaConversation",
}

// goLiteral writes v (a struct of strings, string slices and such
// structs) as a Go literal, indented by depth tabs.
func goLiteral(b *strings.Builder, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		if name, ok := teamViaNames[TeamVia(v.String())]; ok && v.Type() == reflect.TypeFor[TeamVia]() {
			b.WriteString(name)
			return
		}
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			fmt.Fprintf(b, "%#v", v.Interface())
			return
		}
		b.WriteString("[]string{")
		for i := range v.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(v.Index(i).String()))
		}
		b.WriteString("}")
	case reflect.Struct:
		b.WriteString("pgstore." + v.Type().Name() + "{\n")
		for i := range v.NumField() {
			f := v.Field(i)
			if !v.Type().Field(i).IsExported() || f.IsZero() {
				continue
			}
			b.WriteString(strings.Repeat("\t", depth+1) + v.Type().Field(i).Name + ": ")
			goLiteral(b, f, depth+1)
			b.WriteString(",\n")
		}
		b.WriteString(strings.Repeat("\t", depth) + "}")
	default:
		fmt.Fprintf(b, "%#v", v.Interface())
	}
}
