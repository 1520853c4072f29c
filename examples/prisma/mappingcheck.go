package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/uptrace/bun"

	"github.com/msgstats/analytics/store/pgstore"
)

// propose prints the mapping pgstore.ProposeSource proposes for the tables
// of schema, as a pgstore.Source literal to review and paste, followed by
// its notes as Go comments, so that the whole output pastes as Go.
func propose(ctx context.Context, out io.Writer, db *bun.DB, schema string) error {
	src, notes, err := pgstore.ProposeSource(ctx, db, schema)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "// pgstore.ProposeSource(ctx, db, %q) for the tables of\n// %s.\n", schema, initMigration)
	fmt.Fprintf(out, "%#v\n", src)
	if len(notes) == 0 {
		fmt.Fprintf(out, "\n// No notes.\n")
		return nil
	}
	fmt.Fprintf(out, "\n// Notes (%d):\n", len(notes))
	for _, n := range notes {
		fmt.Fprintf(out, "//   - %s\n", n)
	}
	return nil
}

// checkLine summarizes Store.CheckSource's findings on one line: the
// columns whose values and lists agree, then, per other column, the values
// in the data that no list covers (with their rows) and the listed values
// no row has.
func checkLine(checks []pgstore.ColumnCheck) string {
	var ok, bad []string
	for _, c := range checks {
		name := c.Table + "." + c.Column
		if c.OK() {
			ok = append(ok, name)
			continue
		}
		var parts []string
		if len(c.Uncovered) > 0 {
			vs := make([]string, len(c.Uncovered))
			for i, v := range c.Uncovered {
				if v.Null {
					vs[i] = fmt.Sprintf("NULL (%d rows)", v.Rows)
				} else {
					vs[i] = fmt.Sprintf("'%s' (%d rows)", v.Value, v.Rows)
				}
			}
			more := ""
			if c.More {
				more = " and more"
			}
			parts = append(parts, fmt.Sprintf("has %s%s in no list", strings.Join(vs, ", "), more))
		}
		if len(c.Unused) > 0 {
			parts = append(parts, fmt.Sprintf("lists '%s', which no row has", strings.Join(c.Unused, "', '")))
		}
		bad = append(bad, name+" "+strings.Join(parts, " and "))
	}
	var line []string
	if len(ok) > 0 {
		line = append(line, strings.Join(ok, ", ")+" match the data")
	}
	return strings.Join(append(line, bad...), "; ")
}
