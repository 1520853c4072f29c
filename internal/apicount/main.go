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

// pkg is what apicount counts of one package directory.
type pkg struct {
	names   []string // exported top-level names
	methods int      // exported methods of exported types
}

// fn is one function or method and its length in lines.
type fn struct {
	name  string
	lines int
}

// tree is what apicount read under its root.
type tree struct {
	fset *token.FileSet
	pkgs map[string]*pkg
	fns  []fn
}

func main() {
	verbose := flag.Bool("v", false, "list the exported names")
	over := flag.Int("over", 80, "list functions longer than this many lines")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	t := &tree{fset: token.NewFileSet(), pkgs: map[string]*pkg{}}
	if err := filepath.Walk(root, t.visit(root)); err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
	var dirs []string
	for d := range t.pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	fmt.Println("package\ttop-level\tmethods")
	for _, d := range dirs {
		p := t.pkgs[d]
		if len(p.names)+p.methods == 0 {
			continue
		}
		fmt.Printf("%s\t%d\t%d\n", d, len(p.names), p.methods)
		if *verbose {
			fmt.Println("   ", strings.Join(p.names, " "))
		}
	}
	sort.Slice(t.fns, func(i, j int) bool { return t.fns[i].lines > t.fns[j].lines })
	fmt.Printf("functions over %d lines:\n", *over)
	for _, f := range t.fns {
		if f.lines <= *over {
			break
		}
		fmt.Printf("  %d\t%s\n", f.lines, f.name)
	}
}

// visit returns the filepath.WalkFunc that reads each non-test Go file
// under root.
func (t *tree) visit(root string) filepath.WalkFunc {
	return func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && p != root && (strings.HasPrefix(info.Name(), ".") || info.Name() == "testdata") {
			return filepath.SkipDir
		}
		if info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(t.fset, p, nil, 0)
		if err != nil {
			return err
		}
		d, _ := filepath.Rel(root, filepath.Dir(p))
		if t.pkgs[d] == nil {
			t.pkgs[d] = &pkg{}
		}
		t.file(t.pkgs[d], f, d+"/"+filepath.Base(p))
		return nil
	}
}

// file counts the declarations of f, a file of package p named name.
func (t *tree) file(p *pkg, f *ast.File, name string) {
	for _, decl := range f.Decls {
		switch x := decl.(type) {
		case *ast.FuncDecl:
			lines := t.fset.Position(x.End()).Line - t.fset.Position(x.Pos()).Line + 1
			recv := receiver(x)
			switch {
			case recv != nil && x.Name.IsExported() && recv.IsExported():
				p.methods++
			case recv == nil && x.Name.IsExported() && f.Name.Name != "main":
				p.names = append(p.names, x.Name.Name)
			}
			full := x.Name.Name
			if recv != nil {
				full = recv.Name + "." + full
			}
			t.fns = append(t.fns, fn{name + ":" + full, lines})
		case *ast.GenDecl:
			for _, s := range x.Specs {
				p.names = append(p.names, exported(s)...)
			}
		}
	}
}

// receiver returns the name of x's receiver type, or nil for a function.
func receiver(x *ast.FuncDecl) *ast.Ident {
	if x.Recv == nil {
		return nil
	}
	t := x.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	id, _ := t.(*ast.Ident)
	return id
}

// exported returns the exported names a type, const or var spec declares.
func exported(s ast.Spec) []string {
	var out []string
	switch sp := s.(type) {
	case *ast.TypeSpec:
		if sp.Name.IsExported() {
			out = append(out, sp.Name.Name)
		}
	case *ast.ValueSpec:
		for _, n := range sp.Names {
			if n.IsExported() {
				out = append(out, n.Name)
			}
		}
	}
	return out
}
