package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// StatementTimes is a bun.QueryHook that, while recording, adds up the
// time of the statements a *bun.DB runs by kind: the statement's first
// statementKindLen characters, whitespace collapsed. A statement's time
// runs from the call to its return; for one that returns rows, that is
// until its first row arrives, not until its last is read.
type StatementTimes struct {
	mu        sync.Mutex
	recording bool
	times     map[string]*kindTime
}

type kindTime struct {
	total time.Duration
	n     int
}

// statementKindLen is enough to tell the store's statements apart.
const statementKindLen = 40

// BeforeQuery implements bun.QueryHook.
func (h *StatementTimes) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (h *StatementTimes) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	d := time.Since(e.StartTime)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.recording {
		return
	}
	q := strings.Join(strings.Fields(e.Query), " ")
	if len(q) > statementKindLen {
		q = q[:statementKindLen]
	}
	t := h.times[q]
	if t == nil {
		t = &kindTime{}
		h.times[q] = t
	}
	t.total += d
	t.n++
}

// start clears the times and starts recording.
func (h *StatementTimes) start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recording, h.times = true, map[string]*kindTime{}
}

// stop stops recording and writes the times, per run of runs, longest
// first.
func (h *StatementTimes) stop(path string, runs int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recording = false
	kinds := make([]string, 0, len(h.times))
	for k := range h.times {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int { return cmp.Compare(h.times[b].total, h.times[a].total) })
	var b strings.Builder
	fmt.Fprintf(&b, "# per run, over %d runs: connection time (until the first row for statements returning rows), statements, kind\n", runs)
	for _, k := range kinds {
		t := h.times[k]
		fmt.Fprintf(&b, "%12s %6d  %s\n", (t.total / time.Duration(runs)).Round(time.Microsecond), t.n/runs, k)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// profile runs f runs times with, when o.ProfileDir is set, a CPU profile
// written to ProfileDir/name.pprof and the statements' times of db to
// ProfileDir/name.statements.txt.
func profile(o *Options, db *DB, name string, runs int, f func() error) error {
	if o.ProfileDir == "" {
		return f()
	}
	if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
		return fmt.Errorf("bench: profile directory: %w", err)
	}
	out, err := os.Create(filepath.Join(o.ProfileDir, name+".pprof"))
	if err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return fmt.Errorf("bench: profile: %w", err)
	}
	db.times.start()
	err = f()
	pprof.StopCPUProfile()
	if werr := db.times.stop(filepath.Join(o.ProfileDir, name+".statements.txt"), runs); err == nil {
		err = werr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// stopKind stops recording and returns the total time of the statements
// whose kind starts with any of prefixes (collapsed as the kinds are).
func (h *StatementTimes) stopKind(prefixes ...string) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recording = false
	var d time.Duration
	for k, t := range h.times {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				d += t.total
				break
			}
		}
	}
	return d
}
