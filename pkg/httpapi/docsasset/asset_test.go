package docsasset_test

import (
	"bytes"
	"testing"

	"github.com/opendispute/disputes/pkg/httpapi/docsasset"
)

func TestRedocLoadsNothingFromTheCDN(t *testing.T) {
	if len(docsasset.Redoc) < 100_000 {
		t.Fatalf("the Redoc bundle is %d bytes: not the standalone bundle", len(docsasset.Redoc))
	}
	if bytes.Contains(docsasset.Redoc, []byte("cdn.redoc.ly")) {
		t.Error("the served bundle still names cdn.redoc.ly")
	}
}
