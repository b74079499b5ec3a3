package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/opendispute/disputes/pkg/auth"
	"github.com/opendispute/disputes/pkg/store"
)

// devSecretFile is the development JWT secret, kept beside the embedded
// database so that `disputes serve` and `disputes token` agree on it and
// tokens outlive a restart. It is used only when no secret and no JWKS URL
// is configured and the database is the embedded default.
var devSecretFile = filepath.Join(filepath.Dir(store.DefaultSQLitePath), "dev-jwt-secret")

// usesDevSecret reports whether a command run with this environment and
// database URL signs and verifies tokens with the development secret.
func usesDevSecret(getenv func(string) string, databaseURL string) bool {
	return getenv("DISPUTES_JWT_SECRET") == "" && getenv("DISPUTES_JWKS_URL") == "" && databaseURL == ""
}

// devSecret returns the development secret, creating the file (mode 0600,
// and its folder) the first time. created says whether this call made it;
// warning is set when the file can be read by others.
func devSecret(path string) (secret []byte, created bool, warning string, err error) {
	secret, err = readDevSecret(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, false, "", fmt.Errorf("create the development secret: %w", err)
		}
		created, err = createDevSecret(path)
		if err != nil {
			return nil, false, "", fmt.Errorf("create the development secret %s: %w", path, err)
		}
		secret, err = readDevSecret(path)
	}
	if err != nil {
		return nil, false, "", err
	}
	if st, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		warning = fmt.Sprintf("%s can be read by other users (mode %04o); chmod 600 it", path, st.Mode().Perm())
	}
	return secret, created, warning, nil
}

func readDevSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	secret := []byte(strings.TrimSpace(string(b)))
	if len(secret) < auth.MinSecretLen {
		return nil, fmt.Errorf("the development secret %s holds fewer than %d bytes; delete it to have a new one made", path, auth.MinSecretLen)
	}
	return secret, nil
}

// createDevSecret writes a new secret to a temporary file and links it into
// place, so a process starting at the same moment reads either no file or a
// whole one; the first to link wins and the others use its secret.
func createDevSecret(path string) (bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dev-jwt-secret-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file with mode 0600.
	if _, err := tmp.Write(append(randomSecret(), '\n')); err != nil {
		_ = tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
