// Package examples_test checks that every example under this directory
// stands alone: it imports none of the module's internal packages, so it
// builds when copied out of the module, and its README says how to run it.
package examples_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// internalPrefix is the import path prefix of the module's internal
// packages, which no code outside the module can import.
const internalPrefix = "github.com/msgstats/analytics/internal"

// TestExamplesImportNoInternalPackage parses every Go file under examples/
// (tests included) and fails on any import of internalPrefix.
func TestExamplesImportNoInternalPackage(t *testing.T) {
	files := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if p == internalPrefix || strings.HasPrefix(p, internalPrefix+"/") {
				t.Errorf("%s imports %s: an example must use only the module's public packages", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("found %d Go files under examples/; the walk is not looking where the examples are", files)
	}
}

// runHere matches a command line that runs the example from its own
// directory.
var runHere = regexp.MustCompile(`(?m)^go run \.(\s|$)`)

// TestExamplesHaveReadme checks that every example directory has a
// README.md that runs it with `go run .`.
func TestExamplesHaveReadme(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	examples := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		examples++
		b, err := os.ReadFile(filepath.Join(e.Name(), "README.md"))
		if err != nil {
			t.Errorf("example %s: %v", e.Name(), err)
			continue
		}
		if !runHere.Match(b) {
			t.Errorf("example %s: README.md does not say `go run .`", e.Name())
		}
	}
	if examples == 0 {
		t.Fatal("no example directories found")
	}
}
