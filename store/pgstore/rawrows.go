package pgstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// aggTx is a transaction of inTx: its statements run through Bun (IDB,
// the transaction or a replicaTx), and conn is the connection it runs on,
// whose driver connection queryRaw reads rows from.
type aggTx struct {
	bun.IDB
	conn *sql.Conn
}

// pgxConn is what the driver connection of pgx's stdlib (*stdlib.Conn)
// offers: the pgx connection beneath it.
type pgxConn interface{ Conn() *pgx.Conn }

// errNotPgx reports a driver connection that is not pgx's.
var errNotPgx = errors.New("pgstore: the driver connection is not pgx's")

// queryRaw runs one statement of an inTx transaction and calls row with
// each result row's values, one []byte per column, nil for NULL, valid
// only during the call: in binary format when binaryRows(tx) (text
// columns are their bytes either way), else in text format.
//
// When the driver is pgx's stdlib (binaryRows), it declares the statement
// as cursor name through Bun, so that the host's query hooks see the
// statement (a hook's time is then its planning only), and fetches the
// rows on the pgx connection beneath, in one FETCH ALL whose rows it reads
// as they arrive: no value is converted or allocated on the way. The
// cursor ends with the transaction; name must be unique within it.
// Otherwise (Bun's pgdriver, or tx not from inTx) it runs the statement
// through Bun and scans every column into sql.RawBytes.
func (s *Store) queryRaw(ctx context.Context, tx txQuerier, what, name, query string, args []any, row func(vals [][]byte) error) error {
	if !binaryRows(tx) {
		return s.queryScanned(ctx, tx, what, query, args, row)
	}
	t := tx.(aggTx)
	what = s.on(tx, what)
	if _, err := t.ExecContext(ctx, "DECLARE "+name+" NO SCROLL CURSOR FOR "+query, args...); err != nil {
		return s.wrap(ctx, what, err)
	}
	err := t.conn.Raw(func(dc any) error {
		rr := dc.(pgxConn).Conn().PgConn().ExecParams(ctx, "FETCH ALL FROM "+name, nil, nil, nil, []int16{1})
		var err error
		for err == nil && rr.NextRow() {
			err = row(rr.Values())
		}
		if _, cerr := rr.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return s.wrap(ctx, what, err)
	}
	return nil
}

// binaryRows reports whether queryRaw reads tx's rows in binary format:
// tx is from inTx and its connection's driver is pgx's stdlib.
func binaryRows(tx txQuerier) bool {
	t, ok := tx.(aggTx)
	if !ok {
		return false
	}
	err := t.conn.Raw(func(dc any) error {
		if _, ok := dc.(pgxConn); !ok {
			return errNotPgx
		}
		return nil
	})
	return err == nil
}

// queryScanned is queryRaw through database/sql: every column scanned
// into sql.RawBytes, which holds the text of strings and the decimal text
// of integers.
func (s *Store) queryScanned(ctx context.Context, tx txQuerier, what, query string, args []any, row func(vals [][]byte) error) error {
	var vals []sql.RawBytes
	var dest []any
	var out [][]byte
	return s.query(ctx, tx, what, query, args, func(rows *sql.Rows) error {
		if dest == nil {
			cols, err := rows.Columns()
			if err != nil {
				return err
			}
			vals, dest, out = make([]sql.RawBytes, len(cols)), make([]any, len(cols)), make([][]byte, len(cols))
			for i := range vals {
				dest[i] = &vals[i]
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range vals {
			out[i] = v
		}
		return row(out)
	})
}

// parseInt reads the decimal text of a Postgres integer.
func parseInt(b []byte) (int64, error) {
	neg := len(b) > 0 && b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, fmt.Errorf("pgstore: %q is not an integer of at most 18 digits", b)
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("pgstore: %q is not an integer", b)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}
