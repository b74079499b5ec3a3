package dispute

import "context"

type principalKey struct{}

// WithPrincipal returns a context carrying the id of the user a request
// acts for: the authenticated caller of an API request or console page.
// A store with read replicas uses it to send a user's reads after the
// user's own writes where those writes already are.
func WithPrincipal(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, principalKey{}, userID)
}

// Principal returns the id of the user ctx acts for, or "" (the service's
// own background work, tools).
func Principal(ctx context.Context) string {
	id, _ := ctx.Value(principalKey{}).(string)
	return id
}
