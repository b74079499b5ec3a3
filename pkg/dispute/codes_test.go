package dispute_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opendispute/disputes/pkg/dispute"
)

// TestEveryCodeIsListed: each Code constant is either in CodeList (what the
// API answers, and api/openapi.yaml's ProblemCode enum) or among the codes
// that never reach a client, and no code is listed twice.
func TestEveryCodeIsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(dispute.CodeList, dispute.CodesNotAnswered)
	if len(slices.Compact(slices.Sorted(slices.Values(all)))) != len(all) {
		t.Errorf("a code is listed twice: %v", all)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Code") {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		n++
		v, _ := strconv.Unquote(lit.Value)
		if !slices.Contains(all, v) {
			t.Errorf("%s (%q) is in neither CodeList nor CodesNotAnswered", vs.Names[0].Name, v)
		}
		return true
	})
	if n != len(all) {
		t.Errorf("%d Code constants, %d listed codes", n, len(all))
	}
}

// codeLiteral finds a code written as a string where an error is made: the
// reason of Invalid, Errorf and Error literals, and the code of the API's own
// refusals. Codes are constants of this package.
var codeLiteral = regexp.MustCompile(`(Invalid\(|Errorf\((dispute\.)?E[A-Z]+, |Reason: +|\bcode: +|\breason: +)"[a-z_]+"`)

func TestNoCodeIsALiteral(t *testing.T) {
	files, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeLiteral.FindAll(src, -1) {
			t.Errorf("%s: %s: use a Code constant of pkg/dispute", name, m)
		}
	}
}
