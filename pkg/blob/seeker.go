package blob

import (
	"context"
	"errors"
	"io"
)

// ReadSeeker returns a reader of the blob under key, of the given size,
// that seeks without reading what it skips. Close it when done.
func (s *Store) ReadSeeker(ctx context.Context, key string, size int64) *Seeker {
	return &Seeker{ctx: ctx, store: s, key: key, size: size}
}

// Seeker reads a blob as an io.ReadSeeker, opening a range reader at the
// current offset on the first read after a seek, so http.ServeContent reads
// only the ranges it sends.
type Seeker struct {
	ctx   context.Context
	store *Store
	key   string
	size  int64
	off   int64
	r     io.ReadCloser
}

func (b *Seeker) Read(p []byte) (int, error) {
	if b.off >= b.size {
		return 0, io.EOF
	}
	if b.r == nil {
		r, err := b.store.OpenRange(b.ctx, b.key, b.off, -1)
		if err != nil {
			return 0, err
		}
		b.r = r
	}
	n, err := b.r.Read(p)
	b.off += int64(n)
	return n, err
}

func (b *Seeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += b.off
	case io.SeekEnd:
		offset += b.size
	default:
		return 0, errors.New("blob seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("blob seek: negative position")
	}
	if offset != b.off {
		b.Close()
		b.off = offset
	}
	return b.off, nil
}

// Close closes the range reader that is open, if any.
func (b *Seeker) Close() error {
	if b.r == nil {
		return nil
	}
	err := b.r.Close()
	b.r = nil
	return err
}
