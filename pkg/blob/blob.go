// Package blob keeps files by their content: a file is stored under the
// hex-encoded SHA-256 of its bytes, in any bucket that gocloud.dev/blob can
// open (a local folder, S3 or an S3-compatible store, Google Cloud Storage,
// Azure Blob Storage).
//
// An upload is streamed to a temporary object while it is hashed, then moved
// to its content key; a second upload of the same bytes finds the key taken
// and only drops its temporary object. Callers write the blob before the
// database row that refers to it, so a crash leaves at most an object that
// nothing refers to; Sweep deletes those once they are old enough.
package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	gblob "gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	// The drivers register their URL schemes with gocloud.dev/blob.
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
)

// tempPrefix is where uploads are written before they are moved to their
// content key. Keys under it are never returned to callers.
const tempPrefix = "tmp/"

// partSize is the part size of multipart uploads to object stores, and so
// the memory one upload holds in its write buffer (5 MiB is the smallest
// part S3 accepts). Uploads send one part at a time.
const partSize = 5 << 20

// refreshAfter is how old an existing blob must be for a duplicate upload to
// rewrite it, which renews its modification time. Without the rewrite a
// blob that has been unreferenced for a day and is reused by a new upload
// could be swept between the upload and the commit of the row that refers
// to it.
const refreshAfter = time.Hour

var (
	// ErrNotFound is returned for a key that holds no blob.
	ErrNotFound = errors.New("blob not found")
	// ErrInvalidKey is returned for a key that is not a lower-case hex
	// SHA-256; such a key can never name a blob of this store.
	ErrInvalidKey = errors.New("invalid blob key")
)

// TooLargeError is returned by Put when the content is longer than the
// limit. Put stops reading as soon as the limit is passed and stores nothing.
type TooLargeError struct {
	Limit int64 // the limit in bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("blob larger than %d bytes", e.Limit)
}

// Object describes a stored blob.
type Object struct {
	Key  string // hex-encoded SHA-256 of the content
	Size int64  // in bytes
}

// Info describes an object found in the bucket.
type Info struct {
	// Key is the content key, or for a temporary object its name in the
	// bucket (beginning with "tmp/").
	Key       string
	Size      int64
	ModTime   time.Time
	Temporary bool // left by an upload that did not finish
}

// Store is a content-addressed store of blobs. It is safe for concurrent use.
type Store struct {
	bucket *gblob.Bucket
}

// Open opens the store named by rawURL:
//
//   - a plain path ("./data/blobs") or "file:///abs/path": a folder, created
//     if missing;
//   - "s3://bucket?region=…": AWS S3 or, with "&endpoint=https://…" and
//     "&use_path_style=true", any S3-compatible store (MinIO, Ceph, R2);
//     credentials come from the environment as for the AWS SDK v2;
//   - "gs://bucket" and "azblob://container", with credentials from the
//     environment as their SDKs read them.
//
// Every store accepts "prefix=some/folder/" to keep the blobs under a prefix
// of a shared bucket.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := bucketURL(rawURL)
	if err != nil {
		return nil, err
	}
	b, err := gblob.OpenBucket(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	return &Store{bucket: b}, nil
}

// bucketURL turns the configured location into a gocloud.dev URL. Folders
// are opened with create_dir, so a fresh installation needs no set-up, with
// temporary files beside the blobs, so moving them into place is a rename
// on the same file system, and without the sidecar attribute files, which
// the store does not need.
func bucketURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("open blob store: empty URL")
	}
	if !strings.Contains(raw, "://") {
		abs, err := filepath.Abs(raw)
		if err != nil {
			return "", fmt.Errorf("open blob store: %w", err)
		}
		raw = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("open blob store: %w", err)
	}
	if u.Scheme == "file" {
		q := u.Query()
		for k, v := range map[string]string{"create_dir": "true", "no_tmp_dir": "true", "metadata": "skip"} {
			if q.Get(k) == "" {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Put stores the content of r and returns its key and size. It streams: the
// content is hashed while it is written to a temporary object and is never
// held whole in memory (object stores buffer one 5 MiB part). If r yields
// more than maxBytes bytes, Put stops reading at byte maxBytes+1, discards
// the temporary object and returns a *TooLargeError. An error from r is
// returned as it is, after the temporary object is discarded.
func (s *Store) Put(ctx context.Context, r io.Reader, maxBytes int64) (Object, error) {
	tmp, err := tempKey()
	if err != nil {
		return Object{}, err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, tmp, &gblob.WriterOptions{
		// A content type given up front stops the writer sniffing the start.
		ContentType:    "application/octet-stream",
		BufferSize:     partSize,
		MaxConcurrency: 1,
	})
	if err != nil {
		return Object{}, fmt.Errorf("put blob: %w", err)
	}
	h := sha256.New()
	lr := &limitReader{r: r, left: maxBytes}
	n, copyErr := io.Copy(io.MultiWriter(w, h), lr)
	if copyErr != nil {
		// Cancelling the writer's context before Close aborts the write, so
		// no partial object is left behind.
		cancel()
		_ = w.Close()
		s.deleteQuietly(ctx, tmp)
		if lr.over {
			return Object{}, &TooLargeError{Limit: maxBytes}
		}
		return Object{}, copyErr
	}
	if err := w.Close(); err != nil {
		s.deleteQuietly(ctx, tmp)
		return Object{}, fmt.Errorf("put blob: %w", err)
	}
	obj := Object{Key: hex.EncodeToString(h.Sum(nil)), Size: n}
	if err := s.settle(ctx, tmp, obj.Key); err != nil {
		s.deleteQuietly(ctx, tmp)
		return Object{}, err
	}
	return obj, nil
}

// settle moves the temporary object to its content key, or drops it when
// the key already holds the same bytes.
func (s *Store) settle(ctx context.Context, tmp, key string) error {
	attrs, err := s.bucket.Attributes(ctx, key)
	switch {
	case err == nil && time.Since(attrs.ModTime) < refreshAfter:
		return s.bucket.Delete(ctx, tmp)
	case err != nil && gcerrors.Code(err) != gcerrors.NotFound:
		return fmt.Errorf("put blob: %w", err)
	}
	// The key is free, or taken by an older copy whose modification time
	// the copy renews. Copying over a key replaces it whole, so a
	// concurrent upload of the same content sees one complete blob or the
	// other.
	if err := s.bucket.Copy(ctx, key, tmp, nil); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	return s.bucket.Delete(ctx, tmp)
}

func (s *Store) deleteQuietly(ctx context.Context, key string) {
	// The upload already failed; a temporary object that cannot be deleted
	// now is deleted by Sweep later.
	_ = s.bucket.Delete(context.WithoutCancel(ctx), key)
}

// Open returns a reader of the whole blob.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.OpenRange(ctx, key, 0, -1)
}

// OpenRange returns a reader of length bytes from offset, for HTTP range
// requests; a negative length reads to the end.
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	r, err := s.bucket.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		return nil, mapErr(err)
	}
	return r, nil
}

// Stat describes the blob stored under key.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, err
	}
	a, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return Info{}, mapErr(err)
	}
	return Info{Key: key, Size: a.Size, ModTime: a.ModTime}, nil
}

// Delete removes the blob stored under key. Deleting a missing blob returns
// ErrNotFound.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return mapErr(s.bucket.Delete(ctx, key))
}

// Walk calls fn for every blob and every temporary object in the store, in
// key order. Objects in the bucket that this store did not write are
// skipped. An error from fn stops the walk and is returned.
func (s *Store) Walk(ctx context.Context, fn func(Info) error) error {
	it := s.bucket.List(nil)
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list blobs: %w", err)
		}
		if o.IsDir {
			continue
		}
		info := Info{Key: o.Key, Size: o.Size, ModTime: o.ModTime}
		switch {
		case strings.HasPrefix(o.Key, tempPrefix):
			info.Temporary = true
		case len(o.Key) > sha256.Size*2 && checkKey(o.Key[:sha256.Size*2]) == nil && strings.HasSuffix(o.Key, ".tmp"):
			// A folder store writes beside the final name first; a crash
			// in between leaves this file.
			info.Temporary = true
		case checkKey(o.Key) != nil:
			continue
		}
		if err := fn(info); err != nil {
			return err
		}
	}
}

// SweepResult counts what Sweep deleted.
type SweepResult struct {
	Blobs     int   // unreferenced blobs
	Temporary int   // temporary objects of uploads that did not finish
	Bytes     int64 // their total size
}

// Sweep deletes the blobs last written before olderThan for which
// isReferenced answers false, and the temporary objects written before
// olderThan. A cut-off of a day ago leaves every upload in progress alone.
// Each blob is looked at again just before it is deleted, so one that an
// upload has just rewritten is kept.
func (s *Store) Sweep(ctx context.Context, olderThan time.Time, isReferenced func(ctx context.Context, key string) (bool, error)) (SweepResult, error) {
	var res SweepResult
	err := s.Walk(ctx, func(o Info) error {
		if !o.ModTime.Before(olderThan) {
			return nil
		}
		if o.Temporary {
			if err := s.bucket.Delete(ctx, o.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return fmt.Errorf("sweep %s: %w", o.Key, err)
			}
			res.Temporary++
			res.Bytes += o.Size
			return nil
		}
		used, err := isReferenced(ctx, o.Key)
		if err != nil {
			return fmt.Errorf("sweep %s: %w", o.Key, err)
		}
		if used {
			return nil
		}
		now, err := s.Stat(ctx, o.Key)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sweep %s: %w", o.Key, err)
		}
		if !now.ModTime.Before(olderThan) {
			return nil
		}
		if err := s.Delete(ctx, o.Key); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("sweep %s: %w", o.Key, err)
		}
		res.Blobs++
		res.Bytes += o.Size
		return nil
	})
	return res, err
}

// checkKey accepts only what Put returns: 64 lower-case hex digits. It keeps
// callers from reaching temporary objects or, on a folder, other paths.
func checkKey(key string) error {
	if len(key) != sha256.Size*2 {
		return ErrInvalidKey
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ErrInvalidKey
		}
	}
	return nil
}

func tempKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("put blob: %w", err)
	}
	return tempPrefix + hex.EncodeToString(b[:]), nil
}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// limitReader reads from r until left bytes have been read, then reads one
// byte more to learn whether r goes on; if it does, the read fails. It reads
// no further than that byte.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

var errOverLimit = errors.New("over the size limit")

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errOverLimit
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.over = true
		return int(l.left), errOverLimit
	}
	l.left -= int64(n)
	return n, err
}
