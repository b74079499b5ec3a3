package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The strike settings are read from the environment, and bad values are
// refused at start, naming the setting.
func TestStrikeSettings(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db"), "DISPUTES_JWT_SECRET": testSecret}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return env(m)
	}
	cfg, err := loadServeConfig(nil, with(), io.Discard, false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Strikes.TTL != 180*24*time.Hour || cfg.Strikes.RepeatOffender != 3 {
		t.Errorf("defaults: %+v, want 180 days and 3", cfg.Strikes)
	}
	cfg, err = loadServeConfig(nil, with("DISPUTES_STRIKE_TTL", "720h", "DISPUTES_REPEAT_OFFENDER_STRIKES", "5"), io.Discard, false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Strikes.TTL != 720*time.Hour || cfg.Strikes.RepeatOffender != 5 {
		t.Errorf("configured: %+v, want 720h and 5", cfg.Strikes)
	}
	for _, bad := range [][]string{{"DISPUTES_STRIKE_TTL", "soon"}, {"DISPUTES_STRIKE_TTL", "-1h"}, {"DISPUTES_REPEAT_OFFENDER_STRIKES", "0"}} {
		_, err := loadServeConfig(nil, with(bad...), io.Discard, false)
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s=%s: %v, want an error naming the setting", bad[0], bad[1], err)
		}
	}
}
