package analytics_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/msgstats/analytics"
)

func TestValidateID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		ok   bool
	}{
		{"plain", "acme", true},
		{"quotes and SQL", `it's "x"; DROP TABLE t;--`, true},
		{"wildcards and backslash", `50%_off\`, true},
		{"whitespace", " a\tb\n", true},
		{"unicode", "équipe-東京-🚀", true},
		{"1024 bytes", strings.Repeat("é", 512), true},
		{"empty", "", false},
		{"1025 bytes", strings.Repeat("é", 512) + "x", false},
		{"invalid UTF-8", "a\xffb", false},
		{"NUL", "a\x00b", false},
	}
	for _, tt := range tests {
		err := analytics.ValidateID("Thing.ID", tt.id)
		if tt.ok {
			if err != nil {
				t.Errorf("ValidateID(%s): %v, want nil", tt.name, err)
			}
			continue
		}
		var fe *analytics.FieldError
		if !errors.Is(err, analytics.ErrInvalidArgument) || !errors.As(err, &fe) || fe.Field != "Thing.ID" {
			t.Errorf("ValidateID(%s): %v, want an ErrInvalidArgument FieldError naming Thing.ID", tt.name, err)
		}
	}
}

func TestScopeValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope analytics.Scope
		field string // "" for valid
	}{
		{analytics.TeamScope("t"), ""},
		{analytics.AccountScope("t", "a"), ""},
		{analytics.Scope{}, "Scope.TeamID"},
		{analytics.AccountScope("", "a"), "Scope.TeamID"},
		{analytics.AccountScope("t", strings.Repeat("a", maxIDLength+1)), "Scope.AccountID"},
		{analytics.AccountScope("t", "\x00"), "Scope.AccountID"},
	}
	for _, tt := range tests {
		err := tt.scope.Validate()
		var fe *analytics.FieldError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%#v.Validate() = %v, want nil", tt.scope, err)
		case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, analytics.ErrInvalidArgument)):
			t.Errorf("%#v.Validate() = %v, want a FieldError naming %s", tt.scope, err, tt.field)
		}
	}
}

func TestScopeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope analytics.Scope
		want  string
	}{
		{analytics.TeamScope("acme"), "acme"},
		{analytics.AccountScope("acme", "wa_1-B"), "acme/wa_1-B"},
		{analytics.TeamScope("my team"), `"my team"`},
		{analytics.AccountScope("a/b", `x"y`), `"a/b"/"x\"y"`},
		{analytics.TeamScope("é"), `"é"`},
		{analytics.Scope{}, `""`},
	}
	for _, tt := range tests {
		if got := tt.scope.String(); got != tt.want {
			t.Errorf("%#v.String() = %s, want %s", tt.scope, got, tt.want)
		}
		if got, want := tt.scope.TeamWide(), tt.scope.AccountID == ""; got != want {
			t.Errorf("%#v.TeamWide() = %v", tt.scope, got)
		}
	}
}

func TestTeam(t *testing.T) {
	t.Parallel()
	team := analytics.Team{ID: "t", TimeZone: "Asia/Kolkata", AccountIDs: []string{"a", "c"}}
	want := []analytics.Scope{analytics.TeamScope("t"), analytics.AccountScope("t", "a"), analytics.AccountScope("t", "c")}
	if d := cmp.Diff(want, team.Scopes()); d != "" {
		t.Errorf("Scopes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]analytics.Scope{analytics.TeamScope("u")}, analytics.Team{ID: "u"}.Scopes()); d != "" {
		t.Errorf("Scopes of a team without accounts (-want +got):\n%s", d)
	}
	for acc, want := range map[string]bool{"a": true, "c": true, "b": false, "": false, "A": false} {
		if got := team.HasAccount(acc); got != want {
			t.Errorf("HasAccount(%q) = %v, want %v", acc, got, want)
		}
	}
	loc, err := team.Location()
	if err != nil || loc.String() != "Asia/Kolkata" {
		t.Errorf("Location() = %v, %v", loc, err)
	}
}

// TestTeamLocation: an empty zone and "UTC" give time.UTC, a zone loads
// once per process, and a name that is not a zone is ErrCorrupt alone.
func TestTeamLocation(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "UTC"} {
		if loc, err := (analytics.Team{TimeZone: name}).Location(); err != nil || loc != time.UTC {
			t.Errorf("Location of %q = %v, %v; want UTC", name, loc, err)
		}
	}
	a, err := analytics.Team{TimeZone: "America/New_York"}.Location()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := (analytics.Team{TimeZone: "America/New_York"}).Location(); a != b {
		t.Error("Location does not reuse the loaded zone")
	}
	for _, name := range []string{"Mars/Olympus_Mons", "utc ", "../etc/passwd"} {
		_, err := analytics.Team{ID: "t", TimeZone: name}.Location()
		if !errors.Is(err, analytics.ErrCorrupt) || errors.Is(err, analytics.ErrInvalidArgument) {
			t.Errorf("Location of %q = %v, want ErrCorrupt alone", name, err)
		}
	}
}
