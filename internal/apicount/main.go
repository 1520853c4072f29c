// Command apicount prints, for each package directory under a root, the
// number of exported top-level names and of exported methods of exported
// types in its non-test files, then every non-test function longer than
// -over lines (default 80), longest first:
//
//	go run ./internal/apicount [-v] [-over N] [DIR]
//
// -v also lists the exported names. Directories named testdata or starting
// with a dot are skipped; package main declares no exported names.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type fn struct {
	name  string
	lines int
}

func main() {
	verbose := flag.Bool("v", false, "list the exported names")
	over := flag.Int("over", 80, "list functions longer than this many lines")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	fset := token.NewFileSet()
	var fns []fn
	dirs := map[string][2]int{}
	names := map[string][]string{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && (strings.HasPrefix(info.Name(), ".") || info.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		d, _ := filepath.Rel(root, filepath.Dir(p))
		c := dirs[d]
		for _, decl := range f.Decls {
			switch x := decl.(type) {
			case *ast.FuncDecl:
				n := fset.Position(x.End()).Line - fset.Position(x.Pos()).Line + 1
				nm := x.Name.Name
				if x.Recv != nil {
					t := x.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if ix, ok := t.(*ast.IndexExpr); ok {
						t = ix.X
					}
					if id, ok := t.(*ast.Ident); ok {
						nm = id.Name + "." + nm
						if x.Name.IsExported() && id.IsExported() {
							c[1]++
						}
					}
				} else if x.Name.IsExported() && f.Name.Name != "main" {
					c[0]++
					names[d] = append(names[d], x.Name.Name)
				}
				fns = append(fns, fn{d + "/" + filepath.Base(p) + ":" + nm, n})
			case *ast.GenDecl:
				for _, s := range x.Specs {
					switch sp := s.(type) {
					case *ast.TypeSpec:
						if sp.Name.IsExported() {
							c[0]++
							names[d] = append(names[d], sp.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							if n.IsExported() {
								c[0]++
								names[d] = append(names[d], n.Name)
							}
						}
					}
				}
			}
		}
		dirs[d] = c
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
	var ds []string
	for d := range dirs {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	fmt.Println("package\ttop-level\tmethods")
	for _, d := range ds {
		if dirs[d][0]+dirs[d][1] == 0 {
			continue
		}
		fmt.Printf("%s\t%d\t%d\n", d, dirs[d][0], dirs[d][1])
		if *verbose {
			fmt.Println("   ", strings.Join(names[d], " "))
		}
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].lines > fns[j].lines })
	fmt.Printf("functions over %d lines:\n", *over)
	for _, f := range fns {
		if f.lines <= *over {
			break
		}
		fmt.Printf("  %d\t%s\n", f.lines, f.name)
	}
}
