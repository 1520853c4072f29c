package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

const q = `WITH act AS (
	SELECT a.team, a.conv, row_number() OVER () AS k FROM (
	SELECT m.team_id::text AS team, m.conversation_id::text AS conv FROM messages m
	WHERE m.team_id = ANY(ARRAY(SELECT id FROM teams)) AND m.created_at >= '2026-03-05' AND m.created_at < '2026-03-06' AND m.conversation_id <> ''
	UNION
	SELECT c.team_id::text, c.id::text FROM conversations c
	WHERE c.team_id = ANY(ARRAY(SELECT id FROM teams)) AND c.created_at >= '2026-03-05' AND c.created_at < '2026-03-06') a
)
	SELECT act.k, m.created_at, m.id, m.sender_type = 'contact', m.account_id, m.status
	FROM messages m JOIN act ON act.team = m.team_id::text AND act.conv = m.conversation_id::text
	WHERE m.team_id = ANY(ARRAY(SELECT id FROM teams)) AND m.created_at >= '2026-03-04' AND m.created_at < '2026-03-08'`

func main() {
	ctx := context.Background()
	cfg, _ := pgx.ParseConfig(os.Getenv("TEST_DATABASE_URL"))
	cfg.RuntimeParams["search_path"] = "bench_daily_1000"
	cfg.RuntimeParams["work_mem"] = "128MB"
	cfg.RuntimeParams["jit"] = "off"
	cfg.RuntimeParams["enable_indexscan"] = "off"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		panic(err)
	}
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		var n int
		if _, err := conn.Exec(ctx, "SELECT count(*) FROM ("+q+") x"); err != nil {
			panic(err)
		}
		t1 := time.Since(t0)
		t0 = time.Now()
		rows, err := conn.Query(ctx, q)
		if err != nil {
			panic(err)
		}
		var k int64
		var at time.Time
		var id, status string
		var acct *string
		var in bool
		for rows.Next() {
			if err := rows.Scan(&k, &at, &id, &in, &acct, &status); err != nil {
				panic(err)
			}
			n++
		}
		if rows.Err() != nil {
			panic(rows.Err())
		}
		t2 := time.Since(t0)
		// database/sql path
		db := sql.OpenDB(stdlib.GetConnector(*cfg))
		t0 = time.Now()
		r2, err := db.QueryContext(ctx, q)
		if err != nil {
			panic(err)
		}
		m := 0
		var accN sql.NullString
		for r2.Next() {
			if err := r2.Scan(&k, &at, &id, &in, &accN, &status); err != nil {
				panic(err)
			}
			m++
		}
		t3 := time.Since(t0)
		db.Close()
		fmt.Println("count only", t1, "pgx rows", n, t2, "database/sql", m, t3)
	}
}
