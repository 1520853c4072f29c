package pgstore

import (
	"fmt"
	"strconv"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// idType is the type family of a mapped ID column. The root API's IDs are
// strings: an ID of a uuid or integer column is the column's text form
// (col::text), which the statements compare with the column as its own
// type, so that indexes on it serve them.
type idType int

const (
	idText     idType = iota // text, varchar, char: compared as text
	idUUID                   // uuid
	idBigint                 // bigint
	idInteger                // integer
	idSmallint               // smallint
)

// idTypeOf returns the idType of an information_schema data_type, and
// whether such a column can hold IDs.
func idTypeOf(dataType string) (idType, bool) {
	switch dataType {
	case "text", "character varying", "character":
		return idText, true
	case "uuid":
		return idUUID, true
	case "bigint":
		return idBigint, true
	case "integer":
		return idInteger, true
	case "smallint":
		return idSmallint, true
	}
	return 0, false
}

// sqlName is the type's name in casts.
func (t idType) sqlName() string {
	return [...]string{"text", "uuid", "bigint", "integer", "smallint"}[t]
}

// describe says what an ID of the type must look like, for errors.
func (t idType) describe() string {
	return [...]string{
		"text",
		"a uuid in canonical form (32 lower-case hex digits as 8-4-4-4-12)",
		"a bigint in canonical form (decimal, no sign but '-', no leading zeros)",
		"an integer in canonical form (decimal, no sign but '-', no leading zeros)",
		"a smallint in canonical form (decimal, no sign but '-', no leading zeros)",
	}[t]
}

// valid reports whether id is the text form Postgres gives a value of the
// type (col::text): any string for text, lower-case 8-4-4-4-12 for uuid,
// a decimal in range with no '+' and no leading zeros for integers. Only
// such IDs round-trip: Postgres would accept "A0EE…" or "007" but answer
// "a0ee…" or "7", which the caller could not match with its request.
func (t idType) valid(id string) bool {
	switch t {
	case idText:
		return true
	case idUUID:
		if len(id) != 36 {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch i {
			case 8, 13, 18, 23:
				if c != '-' {
					return false
				}
			default:
				if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
					return false
				}
			}
		}
		return true
	}
	bits := map[idType]int{idBigint: 64, idInteger: 32, idSmallint: 16}[t]
	n, err := strconv.ParseInt(id, 10, bits)
	return err == nil && strconv.FormatInt(n, 10) == id
}

// colTypes records, per mapped column ("table.column"), its idType.
// Columns that are not ID columns are absent (and read as idText).
type colTypes map[string]idType

func (ct colTypes) of(table, column string) idType { return ct[table+"."+column] }

// The aggregation arguments holding the group's team IDs for columns that
// are not text: each holds only the IDs valid for its type (an ID that is
// not cannot match a row), so that casting the array never fails. They
// follow the arguments listed in queries.go.
const (
	argTeamsUUID     = numAggArgs + iota // uuid[]-castable text[]
	argTeamsBigint                       // bigint[]-castable text[]
	argTeamsInteger                      // integer[]-castable text[]
	argTeamsSmallint                     // smallint[]-castable text[]
	argBlocked                           // text[]: Source.Contacts.BlockedValues
	numShapeAggArgs
)

// teamsParam is the SQL of the group's team IDs as an array of t, for
// `col = ANY(…)` with col of type t.
func teamsParam(t idType) string {
	i := [...]int{argTeams, argTeamsUUID, argTeamsBigint, argTeamsInteger, argTeamsSmallint}[t]
	return ph(i) + "::" + t.sqlName() + "[]"
}

// teamIn is the SQL of `expr = ANY(the group's teams)` for a team column
// expression of type t: compared as its own type, so that an index on the
// column serves it.
func teamIn(expr string, t idType) string { return expr + " = ANY(" + teamsParam(t) + ")" }

// eqCols is the SQL comparing two ID column expressions: as they are when
// both have the same type (or both are text), else as text.
func eqCols(a string, at idType, b string, bt idType) string {
	if at == bt {
		return a + " = " + b
	}
	return a + "::text = " + b + "::text"
}

// eqText is the SQL comparing the ID column expression col, of type ct,
// with textExpr, the text form of a value of type from: the text is cast to
// the column's type when it came from a column of that type (so the
// column's index serves it, and the cast cannot fail), else the column is
// compared as text.
func eqText(col string, ct idType, textExpr string, from idType) string {
	switch {
	case ct == idText:
		return col + " = " + textExpr
	case ct == from:
		return col + " = " + textExpr + "::" + ct.sqlName()
	}
	return col + "::text = " + textExpr
}

// setTeamArgs fills the typed team arguments from the group's teams.
func setTeamArgs(args []any, teams []string) {
	for t, i := range map[idType]int{idUUID: argTeamsUUID, idBigint: argTeamsBigint, idInteger: argTeamsInteger, idSmallint: argTeamsSmallint} {
		args[i] = pgdialect.Array(validIDs(t, teams))
	}
}

// validIDs returns the IDs of ids valid for t.
func validIDs(t idType, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if t.valid(id) {
			out = append(out, id)
		}
	}
	return out
}

// checkID returns an error wrapping analytics.ErrInvalidArgument, naming
// field, when id cannot be a value of the column table.column: for a uuid
// or integer column, when it is not the column's canonical text form.
func (s *Store) checkID(field, table, column, id string) error {
	t := s.types.of(table, column)
	if t.valid(id) {
		return nil
	}
	return store.InvalidArgument(field, "%q is not %s, the type of column %s of %s", id, t.describe(), quoteIdent(column), quoteIdent(table))
}

// checkRequestIDs checks the team and account IDs of the items of an
// aggregation request against the types of Source.Teams.ID and
// Source.Accounts.ID (see checkID).
func (s *Store) checkRequestIDs(req analytics.AggregateRequest) error {
	t, a := s.cfg.Source.Teams, s.cfg.Source.Accounts
	for i, it := range req.Items {
		if err := s.checkID(fmt.Sprintf("Items[%d].Scope.TeamID", i), t.Table, t.ID, it.Scope.TeamID); err != nil {
			return err
		}
		if !it.Scope.TeamWide() {
			if err := s.checkID(fmt.Sprintf("Items[%d].Scope.AccountID", i), a.Table, a.ID, it.Scope.AccountID); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkScopeIDs checks the team and account IDs of scope against the types
// of Source.Teams.ID and Source.Accounts.ID (see checkID), naming the
// fields "Scope.TeamID" and "Scope.AccountID".
func (s *Store) checkScopeIDs(scope analytics.Scope) error {
	t, a := s.cfg.Source.Teams, s.cfg.Source.Accounts
	if err := s.checkID("Scope.TeamID", t.Table, t.ID, scope.TeamID); err != nil {
		return err
	}
	if !scope.TeamWide() {
		return s.checkID("Scope.AccountID", a.Table, a.ID, scope.AccountID)
	}
	return nil
}

// lookupable reports whether a conversation, by team and ID as the scan
// read them, can be a row of the conversations table: whether both are
// valid for the types of its TeamID and ID columns (lookupSQL casts them).
func (s *Store) lookupable(team, conv string) bool {
	cv := s.cfg.Source.Conversations
	teamCol := cv.TeamID
	if cv.TeamVia != TeamViaColumn {
		teamCol = viaTeamColumn
	}
	return s.types.of(cv.Table, teamCol).valid(team) && s.types.of(cv.Table, cv.ID).valid(conv)
}
