package synth

import (
	"testing"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

type countSink struct{ n [5]int }

func (c *countSink) Teams(x []analytics.Team) error             { c.n[0] += len(x); return nil }
func (c *countSink) Contacts(x []store.Contact) error           { c.n[1] += len(x); return nil }
func (c *countSink) Conversations(x []store.Conversation) error { c.n[2] += len(x); return nil }
func (c *countSink) Messages(x []store.Message) error           { c.n[3] += len(x); return nil }
func (c *countSink) Campaigns(x []store.Campaign) error         { c.n[4] += len(x); return nil }

// BenchmarkGenerate measures generation alone: one op is one million
// messages (100 teams, 10 days).
func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s countSink
		if err := Generate(Config{Teams: 100, Days: 10, MessagesPerDay: 100_000}, &s); err != nil {
			b.Fatal(err)
		}
	}
}
