package synth

import (
	"slices"

	"github.com/msgstats/analytics"
	"github.com/msgstats/analytics/store"
)

// MemSink is what LoadMemstore needs of an in-memory store; store/memstore's
// Store has these two methods.
type MemSink interface {
	// AddTeams adds teams (with their accounts).
	AddTeams(teams ...analytics.Team) error
	// Add adds raw activity.
	Add(a store.Activity) error
}

// LoadMemstore generates the dataset cfg describes into s: every team
// through one AddTeams call, then the activity through one Add call per
// batch of one kind of record. The slices passed are s's to keep. Loading
// the same cfg into Postgres with LoadPostgres gives the same records. An
// invalid cfg gives an error wrapping analytics.ErrInvalidArgument before s
// is called.
func LoadMemstore(cfg Config, s MemSink) error {
	teams, err := Teams(cfg)
	if err != nil {
		return err
	}
	if err := s.AddTeams(teams...); err != nil {
		return err
	}
	return Generate(cfg, memSink{s})
}

// memSink adapts a MemSink to Sink, copying each batch.
type memSink struct{ s MemSink }

func (m memSink) Teams([]analytics.Team) error { return nil } // added before

func (m memSink) Contacts(x []store.Contact) error {
	return m.s.Add(store.Activity{Contacts: slices.Clone(x)})
}

func (m memSink) Conversations(x []store.Conversation) error {
	return m.s.Add(store.Activity{Conversations: slices.Clone(x)})
}

func (m memSink) Messages(x []store.Message) error {
	return m.s.Add(store.Activity{Messages: slices.Clone(x)})
}

func (m memSink) Campaigns(x []store.Campaign) error {
	return m.s.Add(store.Activity{Campaigns: slices.Clone(x)})
}
