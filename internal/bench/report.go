package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Line is one row of the results table.
type Line struct {
	Suite  string // e.g. "daily, 1000 teams"
	What   string // what was measured
	Value  string // time and counts
	Ratio  string // the ratio this line is judged by, if any
	Target string // the target of that ratio, if any
	Met    string // "yes", "no" or ""
}

// Report is the results of one run.
type Report struct {
	Lines []Line
	Notes []string
}

// Add appends a line.
func (r *Report) Add(l Line) { r.Lines = append(r.Lines, l) }

// Note appends a note printed under the table.
func (r *Report) Note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// Write prints the report as one Markdown table, then its notes.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintln(w, "| suite | measurement | value | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, l := range r.Lines {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", l.Suite, l.What, l.Value, l.Ratio, l.Target, l.Met)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w)
		fmt.Fprintln(w, n)
	}
}

// Secs formats d as seconds, or milliseconds below a second.
func Secs(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f µs", float64(d)/float64(time.Microsecond))
	}
}

// MB formats bytes as MiB.
func MB(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// Ratio formats a/b with one decimal and "×".
func Ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// X formats a ratio.
func X(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

// YesNo returns "yes" or "no".
func YesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// join joins the non-empty parts with " · ".
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}
