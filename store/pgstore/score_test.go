package pgstore_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/msgstats/analytics/internal/testenv"
	"github.com/msgstats/analytics/store"
	"github.com/msgstats/analytics/store/pgstore"
)

// TestScoreCentiSQL checks the contacts statement's rounding of engagement
// scores against store.ScoreCenti, score by score: ties at every
// hundredth and thousandth (where the 15-digit reading decides), their
// float8 neighbours, random values and the clamped edges.
func TestScoreCentiSQL(t *testing.T) {
	db := testenv.DB(t)
	var scores []float64
	for i := range 10001 { // x.yz
		scores = append(scores, float64(i)/100)
	}
	for i := range 100000 { // x.yz5 and near ties
		s := (float64(i) + 0.5) / 1000
		scores = append(scores, s, math.Nextafter(s, 0), math.Nextafter(s, 200))
	}
	for k := range 10000 { // ties of the product: (k + 0.5) / 100
		s := (float64(k) + 0.5) / 100
		scores = append(scores, s, math.Nextafter(s, 0), math.Nextafter(s, 200))
	}
	r := rand.New(rand.NewPCG(7, 11))
	for range 100000 {
		scores = append(scores, r.Float64()*110-5)
	}
	scores = append(scores, -5, 0, math.SmallestNonzeroFloat64, 0.004999999999999999,
		99.99499999999999, 99.995, 100, math.Nextafter(100, 0), 150,
		math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64)

	rows, err := db.QueryContext(context.Background(),
		`SELECT `+pgstore.ScoreCentiSQL("s")+` FROM unnest(?::float8[]) WITH ORDINALITY AS u(s, i) ORDER BY i`,
		pgdialect.Array(scores))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i, bad := 0, 0
	for ; rows.Next(); i++ {
		var got int64
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := store.ScoreCenti(scores[i]); got != want && bad < 10 {
			bad++
			t.Errorf("score %v (%b): Postgres %d, ScoreCenti %d", scores[i], math.Float64bits(scores[i]), got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(scores) {
		t.Fatalf("%d rows for %d scores", i, len(scores))
	}
}
