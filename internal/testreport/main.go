// Command testreport reads `go test -json` on standard input and prints what
// a person needs: the output of every failed test and of every package that
// failed to build or run, one line per package, the skipped tests, and a
// closing line "N passed, N failed, N skipped". It exits 1 if anything
// failed, or if anything was skipped and -fail-on-skip is set, so that CI
// cannot pass with its integration tests quietly skipped.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Output     string
}

func main() {
	failOnSkip := flag.Bool("fail-on-skip", false, "exit 1 if any test was skipped")
	flag.Parse()

	r := report{outputs: map[string]*strings.Builder{}}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // not JSON: a build error printed by go itself
			continue
		}
		r.add(e)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(1)
	}
	r.summary()
	switch {
	case r.failed > 0 || r.badPackages > 0:
		os.Exit(1)
	case *failOnSkip && r.skipped > 0:
		fmt.Println("testreport: tests were skipped; every test must run here (see the list above)")
		os.Exit(1)
	case r.passed == 0:
		fmt.Println("testreport: no test ran")
		os.Exit(1)
	}
}

// report is what testreport has read so far.
type report struct {
	outputs                 map[string]*strings.Builder // package + "\x00" + test -> output
	passed, failed, skipped int                         // tests
	skips, fails            []string
	badPackages             int // that failed to build or run
}

// add takes in one event, printing what a person needs of it at once:
// build output, the lines that end a package, and the output of a failed
// test or package. It keeps a test's output until the test ends.
func (r *report) add(e event) {
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "build-output":
		fmt.Print(e.Output)
	case "build-fail":
		r.badPackages++
	case "output":
		b := r.outputs[key]
		if b == nil {
			b = &strings.Builder{}
			r.outputs[key] = b
		}
		b.WriteString(e.Output)
		if e.Test == "" && (strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "?") ||
			strings.HasPrefix(e.Output, "FAIL") || strings.HasPrefix(e.Output, "panic:")) {
			fmt.Print(e.Output)
		}
	case "pass":
		if e.Test != "" {
			r.passed++
		}
		delete(r.outputs, key)
	case "skip":
		if e.Test != "" {
			r.skipped++
			msg := ""
			if b := r.outputs[key]; b != nil {
				msg = lastLine(b.String())
			}
			r.skips = append(r.skips, fmt.Sprintf("%s %s: %s", e.Package, e.Test, msg))
		}
		delete(r.outputs, key)
	case "fail":
		if e.Test != "" {
			r.failed++
			r.fails = append(r.fails, e.Package+" "+e.Test)
			if b := r.outputs[key]; b != nil {
				fmt.Printf("--- output of failed %s %s\n%s", e.Package, e.Test, b.String())
			}
		} else {
			r.badPackages++
			if b := r.outputs[key]; b != nil {
				fmt.Printf("--- output of failed package %s\n%s", e.Package, b.String())
			}
		}
		delete(r.outputs, key)
	}
}

// summary prints the skipped tests (sorted), the failed ones, and the
// closing line of counts.
func (r *report) summary() {
	sort.Strings(r.skips)
	if len(r.skips) > 0 {
		fmt.Println("skipped:")
		for _, s := range r.skips {
			fmt.Println("  " + s)
		}
	}
	if len(r.fails) > 0 {
		fmt.Println("failed:")
		for _, f := range r.fails {
			fmt.Println("  " + f)
		}
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
