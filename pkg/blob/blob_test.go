package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/opendispute/disputes/pkg/blob"
)

// The same contract runs on every back-end the tests can start here.

func TestFileStore(t *testing.T) {
	testStore(t, func(t *testing.T) *blob.Store {
		return openStore(t, "file://"+filepath.ToSlash(filepath.Join(t.TempDir(), "blobs")))
	})
}

func TestS3Store(t *testing.T) {
	// The real s3blob client, AWS SDK v2 and all, talks to an S3-protocol
	// server in this process. Credentials come from the environment, as
	// they would in production.
	t.Setenv("AWS_ACCESS_KEY_ID", "test-access-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	testStore(t, func(t *testing.T) *blob.Store {
		backend := s3mem.New()
		if err := backend.CreateBucket("evidence"); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(gofakes3.New(backend).Server())
		t.Cleanup(srv.Close)
		return openStore(t, "s3://evidence?region=us-east-1&use_path_style=true&endpoint="+url.QueryEscape(srv.URL))
	})
}

func TestOpenPlainPathCreatesTheFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	s := openStore(t, filepath.Join("data", "blobs"))
	obj, err := s.Put(t.Context(), strings.NewReader("evidence"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("data", "blobs", obj.Key)); err != nil {
		t.Fatalf("blob not in the folder: %v", err)
	}
	entries, err := os.ReadDir(filepath.Join("data", "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != obj.Key && e.Name() != "tmp" {
			t.Errorf("unexpected file %q beside the blob", e.Name())
		}
	}
}

func TestOpenRefusesUnknownScheme(t *testing.T) {
	if _, err := blob.Open(t.Context(), "ftp://example/x"); err == nil {
		t.Fatal("opened an ftp URL")
	}
}

func openStore(t *testing.T, u string) *blob.Store {
	t.Helper()
	s, err := blob.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func keyOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func walk(t *testing.T, s *blob.Store) (blobs, temps []blob.Info) {
	t.Helper()
	err := s.Walk(t.Context(), func(o blob.Info) error {
		if o.Temporary {
			temps = append(temps, o)
		} else {
			blobs = append(blobs, o)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return blobs, temps
}

// readAll reads what an Open or OpenRange call returned:
// readAll(t)(s.Open(ctx, key)).
func readAll(t *testing.T) func(io.ReadCloser, error) []byte {
	return func(r io.ReadCloser, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// endless yields bytes for ever and counts how many were read.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read += int64(len(p))
	return len(p), nil
}

type failing struct {
	r   io.Reader
	err error
}

func (f *failing) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func testStore(t *testing.T, open func(t *testing.T) *blob.Store) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		data := content(300_000)
		obj, err := s.Put(ctx, bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if obj.Key != keyOf(data) || obj.Size != int64(len(data)) {
			t.Fatalf("got %+v, want key %s size %d", obj, keyOf(data), len(data))
		}
		got := readAll(t)(s.Open(ctx, obj.Key))
		if !bytes.Equal(got, data) {
			t.Fatal("read back different bytes")
		}
		info, err := s.Stat(ctx, obj.Key)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != obj.Size || info.ModTime.IsZero() {
			t.Fatalf("stat %+v", info)
		}
		blobs, temps := walk(t, s)
		if len(blobs) != 1 || len(temps) != 0 {
			t.Fatalf("walk found %d blobs and %d temporary objects", len(blobs), len(temps))
		}
	})

	t.Run("EmptyContent", func(t *testing.T) {
		s := open(t)
		obj, err := s.Put(ctx, strings.NewReader(""), 10)
		if err != nil {
			t.Fatal(err)
		}
		if obj.Size != 0 || obj.Key != keyOf(nil) {
			t.Fatalf("got %+v", obj)
		}
	})

	t.Run("Dedup", func(t *testing.T) {
		s := open(t)
		data := []byte("the vase arrived cracked")
		a, err := s.Put(ctx, bytes.NewReader(data), 1000)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Put(ctx, bytes.NewReader(data), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Fatalf("same content, different objects: %+v %+v", a, b)
		}
		blobs, temps := walk(t, s)
		if len(blobs) != 1 || len(temps) != 0 {
			t.Fatalf("walk found %d blobs and %d temporary objects", len(blobs), len(temps))
		}
	})

	t.Run("SizeLimitAtTheLimit", func(t *testing.T) {
		s := open(t)
		data := content(4096)
		if _, err := s.Put(ctx, bytes.NewReader(data), 4096); err != nil {
			t.Fatalf("content of exactly the limit refused: %v", err)
		}
	})

	t.Run("SizeLimitCutsOffEarly", func(t *testing.T) {
		s := open(t)
		const limit = 1 << 20
		src := &endless{}
		_, err := s.Put(ctx, src, limit)
		var tooLarge *blob.TooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Limit != limit {
			t.Fatalf("got %v, want a TooLargeError", err)
		}
		// io.Copy reads in 32 KiB buffers; the reader must not have been
		// drained much past the limit.
		if src.read > limit+64<<10 {
			t.Fatalf("read %d bytes for a limit of %d", src.read, limit)
		}
		blobs, temps := walk(t, s)
		if len(blobs) != 0 || len(temps) != 0 {
			t.Fatalf("left %d blobs and %d temporary objects", len(blobs), len(temps))
		}
	})

	t.Run("ReaderError", func(t *testing.T) {
		s := open(t)
		boom := errors.New("connection reset")
		_, err := s.Put(ctx, &failing{r: bytes.NewReader(content(100_000)), err: boom}, 1<<20)
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want the reader's error", err)
		}
		blobs, temps := walk(t, s)
		if len(blobs) != 0 || len(temps) != 0 {
			t.Fatalf("left %d blobs and %d temporary objects", len(blobs), len(temps))
		}
	})

	t.Run("RangeReads", func(t *testing.T) {
		s := open(t)
		data := content(10_000)
		obj, err := s.Put(ctx, bytes.NewReader(data), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name           string
			offset, length int64
			want           []byte
		}{
			{"Start", 0, 100, data[:100]},
			{"Middle", 4000, 1000, data[4000:5000]},
			{"ToTheEnd", 9000, -1, data[9000:]},
			{"PastTheEnd", 9990, 100, data[9990:]},
			{"LastByte", 9999, 1, data[9999:]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := readAll(t)(s.OpenRange(ctx, obj.Key, tc.offset, tc.length))
				if !bytes.Equal(got, tc.want) {
					t.Fatalf("got %d bytes, want %d", len(got), len(tc.want))
				}
			})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		obj, err := s.Put(ctx, strings.NewReader("to be deleted"), 100)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, obj.Key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("open after delete: %v", err)
		}
		if _, err := s.Stat(ctx, obj.Key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("stat after delete: %v", err)
		}
		if err := s.Delete(ctx, obj.Key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		s := open(t)
		for _, key := range []string{"", "../../etc/passwd", "tmp/0123", strings.Repeat("A", 64), strings.Repeat("a", 63)} {
			if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("open %q: %v", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("delete %q: %v", key, err)
			}
		}
	})

	t.Run("Sweep", func(t *testing.T) {
		s := open(t)
		kept, err := s.Put(ctx, strings.NewReader("referenced"), 100)
		if err != nil {
			t.Fatal(err)
		}
		orphan, err := s.Put(ctx, strings.NewReader("orphan"), 100)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteTemporary(ctx, "interrupted", []byte("half an upload")); err != nil {
			t.Fatal(err)
		}
		blobs, temps := walk(t, s)
		if len(blobs) != 2 || len(temps) != 1 {
			t.Fatalf("walk found %d blobs and %d temporary objects", len(blobs), len(temps))
		}
		referenced := func(_ context.Context, key string) (bool, error) { return key == kept.Key, nil }

		// Everything is younger than a day: nothing goes.
		res, err := s.Sweep(ctx, time.Now().Add(-24*time.Hour), referenced)
		if err != nil {
			t.Fatal(err)
		}
		if res != (blob.SweepResult{}) {
			t.Fatalf("swept young objects: %+v", res)
		}

		// A cut-off in the future makes every object old enough.
		res, err = s.Sweep(ctx, time.Now().Add(time.Hour), referenced)
		if err != nil {
			t.Fatal(err)
		}
		if res.Blobs != 1 || res.Temporary != 1 || res.Bytes != orphan.Size+int64(len("half an upload")) {
			t.Fatalf("swept %+v", res)
		}
		if _, err := s.Stat(ctx, orphan.Key); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("orphan still there: %v", err)
		}
		if _, err := s.Stat(ctx, kept.Key); err != nil {
			t.Fatalf("referenced blob gone: %v", err)
		}
		blobs, temps = walk(t, s)
		if len(blobs) != 1 || len(temps) != 0 {
			t.Fatalf("after the sweep: %d blobs and %d temporary objects", len(blobs), len(temps))
		}
	})

	t.Run("SweepStopsOnLookupError", func(t *testing.T) {
		s := open(t)
		if _, err := s.Put(ctx, strings.NewReader("x"), 100); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("database down")
		_, err := s.Sweep(ctx, time.Now().Add(time.Hour), func(context.Context, string) (bool, error) { return false, boom })
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if blobs, _ := walk(t, s); len(blobs) != 1 {
			t.Fatal("a blob was deleted although its use was unknown")
		}
	})

	t.Run("ConcurrentPutsOfTheSameContent", func(t *testing.T) {
		s := open(t)
		data := content(200_000)
		const n = 8
		var wg sync.WaitGroup
		objs := make([]blob.Object, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				objs[i], errs[i] = s.Put(ctx, bytes.NewReader(data), 1<<20)
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("put %d: %v", i, errs[i])
			}
			if objs[i].Key != keyOf(data) {
				t.Fatalf("put %d: key %s", i, objs[i].Key)
			}
		}
		blobs, temps := walk(t, s)
		if len(blobs) != 1 || len(temps) != 0 {
			t.Fatalf("walk found %d blobs and %d temporary objects", len(blobs), len(temps))
		}
		if got := readAll(t)(s.Open(ctx, keyOf(data))); !bytes.Equal(got, data) {
			t.Fatal("read back different bytes")
		}
	})
}

func TestDuplicateUploadRenewsAnOldBlob(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	data := []byte("photo of the parcel")
	obj, err := s.Put(t.Context(), bytes.NewReader(data), 100)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, obj.Key), old, old); err != nil {
		t.Fatal(err)
	}
	// A blob unreferenced for two days is about to be swept; an upload of
	// the same bytes must take it out of the sweeper's reach.
	if _, err := s.Put(t.Context(), bytes.NewReader(data), 100); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(t.Context(), obj.Key)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(info.ModTime) > blob.RefreshAfter {
		t.Fatalf("modification time not renewed: %v", info.ModTime)
	}
	res, err := s.Sweep(t.Context(), time.Now().Add(-24*time.Hour), func(context.Context, string) (bool, error) { return false, nil })
	if err != nil {
		t.Fatal(err)
	}
	if res.Blobs != 0 {
		t.Fatal("swept a blob an upload had just reused")
	}
}

func TestOpenWithPrefix(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, "file://"+filepath.ToSlash(dir)+"?prefix=evidence/")
	obj, err := s.Put(t.Context(), strings.NewReader("in a shared bucket"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "evidence", obj.Key)); err != nil {
		t.Fatalf("blob not under the prefix: %v", err)
	}
	if blobs, _ := walk(t, s); len(blobs) != 1 {
		t.Fatalf("walk found %d blobs", len(blobs))
	}
}
