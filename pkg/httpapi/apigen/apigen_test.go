package apigen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
