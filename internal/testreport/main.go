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

	outputs := map[string]*strings.Builder{} // package + "\x00" + test -> output
	var passed, failed, skipped int
	var skips, fails []string
	badPackages := 0

	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			fmt.Println(string(line)) // not JSON: a build error printed by go itself
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Print(e.Output)
		case "build-fail":
			badPackages++
		case "output":
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
			if e.Test == "" && (strings.HasPrefix(e.Output, "ok ") || strings.HasPrefix(e.Output, "?") ||
				strings.HasPrefix(e.Output, "FAIL") || strings.HasPrefix(e.Output, "panic:")) {
				fmt.Print(e.Output)
			}
		case "pass":
			if e.Test != "" {
				passed++
			}
			delete(outputs, key)
		case "skip":
			if e.Test != "" {
				skipped++
				msg := ""
				if b := outputs[key]; b != nil {
					msg = lastLine(b.String())
				}
				skips = append(skips, fmt.Sprintf("%s %s: %s", e.Package, e.Test, msg))
			}
			delete(outputs, key)
		case "fail":
			if e.Test != "" {
				failed++
				fails = append(fails, e.Package+" "+e.Test)
				if b := outputs[key]; b != nil {
					fmt.Printf("--- output of failed %s %s\n%s", e.Package, e.Test, b.String())
				}
			} else {
				badPackages++
				if b := outputs[key]; b != nil {
					fmt.Printf("--- output of failed package %s\n%s", e.Package, b.String())
				}
			}
			delete(outputs, key)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(1)
	}
	sort.Strings(skips)
	if len(skips) > 0 {
		fmt.Println("skipped:")
		for _, s := range skips {
			fmt.Println("  " + s)
		}
	}
	if len(fails) > 0 {
		fmt.Println("failed:")
		for _, f := range fails {
			fmt.Println("  " + f)
		}
	}
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	switch {
	case failed > 0 || badPackages > 0:
		os.Exit(1)
	case *failOnSkip && skipped > 0:
		fmt.Println("testreport: tests were skipped; every test must run here (see the list above)")
		os.Exit(1)
	case passed == 0:
		fmt.Println("testreport: no test ran")
		os.Exit(1)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
