package apigen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates the API types from the document
// into a temporary file and fails when apigen.gen.go differs: the document
// changed and `make generate` was not run, or the generated file was edited.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "apigen.gen.go")
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", "api/oapi-codegen.yaml", "-o", out, "api/openapi.yaml")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("apigen.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("pkg/httpapi/apigen/apigen.gen.go is stale: run make generate")
	}
}

// TestOnlyTheAPIUsesTheAPITypes: the stored rows, the audit payloads and
// hashes, and the feed and webhook payloads are built by packages that do
// not see the generated API types, so renaming a field of the API (in
// api/openapi.yaml) cannot change any of them; their golden tests pin their
// bytes (pkg/store/testdata, pkg/dispute/testdata, pkg/webhook).
func TestOnlyTheAPIUsesTheAPITypes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const apiTypes = "github.com/opendispute/disputes/pkg/httpapi/apigen"
	for _, pkg := range []string{"dispute", "audit", "store", "webhook", "history", "seed"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/opendispute/disputes/pkg/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == apiTypes || dep == "github.com/opendispute/disputes/pkg/httpapi" {
				t.Errorf("pkg/%s depends on %s", pkg, dep)
			}
		}
	}
}
