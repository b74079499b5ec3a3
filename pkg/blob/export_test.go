package blob

import "context"

// WriteTemporary leaves a temporary object as an upload interrupted by a
// crash would.
func (s *Store) WriteTemporary(ctx context.Context, name string, data []byte) error {
	return s.bucket.WriteAll(ctx, tempPrefix+name, data, nil)
}

// RefreshAfter is how old a blob must be for a duplicate upload to rewrite it.
const RefreshAfter = refreshAfter
