package bench

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseLatencyList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LatencyList // nil: an error
	}{
		{"0,250us", LatencyList{0, 250 * time.Microsecond}},
		{"0, 0.25ms", LatencyList{0, 250 * time.Microsecond}},
		{"250µs,0", LatencyList{250 * time.Microsecond, 0}},
		{"1ms", LatencyList{time.Millisecond}},
		{"0", LatencyList{0}},
		{"", nil},
		{"0,", nil},
		{"250", nil}, // no unit
		{"-1ms", nil},
		{"0,0s", nil}, // twice
		{"fast", nil},
	} {
		got, err := ParseLatencyList(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("ParseLatencyList(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("ParseLatencyList(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestLatencyFlag checks the flag as the command declares it: its default
// is printed in a form it reads back, and -latency replaces the default.
func TestLatencyFlag(t *testing.T) {
	l := LatencyList{0, 250 * time.Microsecond}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&l, "latency", "")
	if got := fs.Lookup("latency").DefValue; got != "0s,250µs" {
		t.Errorf("default printed as %q, want 0s,250µs", got)
	}
	again, err := ParseLatencyList(fs.Lookup("latency").DefValue)
	if err != nil || !cmp.Equal(again, l) {
		t.Errorf("the printed default reads back as %v, %v", again, err)
	}
	if err := fs.Parse([]string{"-latency", "1ms,0"}); err != nil {
		t.Fatal(err)
	}
	if want := (LatencyList{time.Millisecond, 0}); !cmp.Equal(l, want) {
		t.Errorf("after -latency 1ms,0: %v, want %v", l, want)
	}
	if err := fs.Parse([]string{"-latency", "-5ms"}); err == nil {
		t.Error("-latency -5ms was accepted")
	}
}

func TestProxiedURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "postgres://postgres@127.0.0.1:40001/test?sslmode=disable"},
		{"postgresql://u:p%40ss@db.example:6543/app?sslmode=require&application_name=x", "postgresql://u:p%40ss@127.0.0.1:40001/app?sslmode=require&application_name=x"},
		{"postgres://u@/app?host=db.example&port=5433&sslmode=disable", "postgres://u@127.0.0.1:40001/app?sslmode=disable"},
		{"postgres://localhost/test", "postgres://127.0.0.1:40001/test"},
		{"postgres://a:5432,b:5432/test", ""},
		{"host=localhost dbname=test", ""},
		{"mysql://localhost/test", ""},
	} {
		got, err := proxiedURL(tc.in, "127.0.0.1:40001")
		if tc.want == "" {
			if err == nil {
				t.Errorf("proxiedURL(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("proxiedURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestLatencyName(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "direct",
		250 * time.Microsecond:  "0.25 ms each way",
		time.Millisecond:        "1 ms each way",
		1500 * time.Microsecond: "1.5 ms each way",
	} {
		if got := latencyName(d); got != want {
			t.Errorf("latencyName(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestDailyLatency runs the daily suite directly and at 2 ms each way: the
// table gets the four rows of each, and at 2 ms every statement of the
// original pattern, which runs them one after the other, pays at least
// the 4 ms round trip.
func TestDailyLatency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := options(t, 3)
	o.Latency = LatencyList{0, 2 * time.Millisecond}
	var rep Report
	if err := Daily(ctx, o, &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range rep.Lines {
		got = append(got, l.Suite+" | "+l.What[:3])
	}
	want := []string{
		"daily, 3 teams, direct | (n)", "daily, 3 teams, direct | (a)", "daily, 3 teams, direct | (b)", "daily, 3 teams, direct | (c)",
		"daily, 3 teams, 2 ms each way | (n)", "daily, 3 teams, 2 ms each way | (a)", "daily, 3 teams, 2 ms each way | (b)", "daily, 3 teams, 2 ms each way | (c)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "latencyproxy") {
		t.Errorf("notes %q, want one on the latency", rep.Notes)
	}

	o.defaults()
	ds, err := Load(ctx, o.DatabaseURL, o.SchemaPrefix+"daily_3", dailyConfig(o.Teams, o.MessagesPerTeamDay), true, o.Log)
	if err != nil {
		t.Fatal(err)
	}
	r, err := dailyAtLatency(ctx, &o, ds, "daily_3", 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.RTT[0] < 4*time.Millisecond {
		t.Errorf("fastest SELECT 1 at 2 ms each way: %s, want at least 4 ms", r.RTT[0])
	}
	if min := time.Duration(r.OrigStatements) * 4 * time.Millisecond; r.Orig < min || r.OrigScopes != 12 {
		t.Errorf("original pattern at 2 ms each way: %s for %d statements over %d scopes, want at least %s over 12", r.Orig, r.OrigStatements, r.OrigScopes, min)
	}
	if r.Proxy.Chunks < 2*r.OrigStatements {
		t.Errorf("the proxy forwarded %d chunks, want at least 2 per statement of the original pattern (%d)", r.Proxy.Chunks, r.OrigStatements)
	}
}
