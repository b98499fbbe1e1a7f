package config_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/config"
)

func TestParse_Defaults(t *testing.T) {
	noenv := func(string) string { return "" }
	for _, tc := range []struct {
		args                []string
		env                 map[string]string
		wantDemo, wantMigr  bool
		wantCmd, wantDB     string
		wantAddr, wantLevel string
	}{
		{nil, nil, true, true, "serve", "sportello.db", "127.0.0.1:8080", "INFO"},
		{[]string{"--db", "other.db"}, nil, false, true, "serve", "other.db", "127.0.0.1:8080", "INFO"},
		{[]string{"--db", "postgres://h/db", "migrate"}, nil, false, false, "migrate", "postgres://h/db", "127.0.0.1:8080", "INFO"},
		{[]string{"--demo", "--migrate", "serve"}, map[string]string{"SPORTELLO_DB": "postgres://h/db"}, true, true, "serve", "postgres://h/db", "127.0.0.1:8080", "INFO"},
		{[]string{"audit", "verify", "--log-level", "debug"}, map[string]string{"SPORTELLO_ADDR": ":9"}, true, true, "audit verify", "sportello.db", ":9", "DEBUG"},
		{[]string{"--demo=false"}, map[string]string{"SPORTELLO_DEMO": "true"}, false, true, "serve", "sportello.db", "127.0.0.1:8080", "INFO"},
	} {
		getenv := noenv
		if tc.env != nil {
			getenv = func(k string) string { return tc.env[k] }
		}
		c, cmd, err := config.Parse(tc.args, getenv, io.Discard)
		if err != nil {
			t.Errorf("Parse(%v): %v", tc.args, err)
			continue
		}
		if c.Demo != tc.wantDemo || c.Migrate != tc.wantMigr || strings.Join(cmd, " ") != tc.wantCmd ||
			c.DB != tc.wantDB || c.Addr != tc.wantAddr || c.LogLevel.String() != tc.wantLevel {
			t.Errorf("Parse(%v, %v) = %+v %v; want demo %v migrate %v cmd %q db %q addr %q level %s",
				tc.args, tc.env, c, cmd, tc.wantDemo, tc.wantMigr, tc.wantCmd, tc.wantDB, tc.wantAddr, tc.wantLevel)
		}
	}
}

// REQ ID-4: the lock after repeated failures is configurable.
func TestParse_LoginLock(t *testing.T) {
	noenv := func(string) string { return "" }
	c, _, err := config.Parse([]string{"--login-failures", "3", "--login-lock", "1h"}, noenv, io.Discard)
	if err != nil || c.LoginFailures != 3 || c.LoginLock.String() != "1h0m0s" {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	for _, bad := range [][]string{{"--login-failures", "0"}, {"--login-failures", "x"}, {"--login-lock", "10s"}, {"--login-per-address", "0"}} {
		if _, _, err := config.Parse(bad, noenv, io.Discard); err == nil {
			t.Errorf("Parse(%v) accepted", bad)
		}
	}
}

// REQ CBT-14: a pretended date, for trying the application window, is
// accepted on demo installations only.
func TestParse_FakeToday(t *testing.T) {
	noenv := func(string) string { return "" }
	c, _, err := config.Parse(nil, func(k string) string {
		return map[string]string{"SPORTELLO_FAKE_TODAY": "2026-03-15"}[k]
	}, io.Discard)
	if err != nil || c.FakeToday.Format("2006-01-02") != "2026-03-15" {
		t.Fatalf("Parse = %v, %v", c.FakeToday, err)
	}
	for _, bad := range [][]string{{"--fake-today", "15/03/2026"}, {"--db", "other.db", "--fake-today", "2026-03-15"}} {
		if _, _, err := config.Parse(bad, noenv, io.Discard); err == nil {
			t.Errorf("Parse(%v) accepted", bad)
		}
	}
}

// REQ CH-2: the end of the paper applications' transition period is
// configuration; a malformed date stops the program.
func TestParse_PaperUntil(t *testing.T) {
	c, _, err := config.Parse([]string{"--paper-until", "2027-03-31"}, func(string) string { return "" }, io.Discard)
	if err != nil || c.PaperUntil.Format("2006-01-02") != "2027-03-31" {
		t.Fatalf("Parse = %v, %v", c.PaperUntil, err)
	}
	c, _, err = config.Parse(nil, func(k string) string { return map[string]string{"SPORTELLO_PAPER_UNTIL": "2027-01-15"}[k] }, io.Discard)
	if err != nil || c.PaperUntil.Format("2006-01-02") != "2027-01-15" {
		t.Fatalf("Parse from the environment = %v, %v", c.PaperUntil, err)
	}
	if c, _, err := config.Parse(nil, func(string) string { return "" }, io.Discard); err != nil || !c.PaperUntil.IsZero() {
		t.Fatalf("default = %v, %v; want none", c.PaperUntil, err)
	}
	if _, _, err := config.Parse([]string{"--paper-until", "31/03/2027"}, func(string) string { return "" }, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--paper-until") {
		t.Fatalf("a malformed date: %v", err)
	}
}

// REQ AG-2 AG-1: the agenda's limits are configuration, with the
// defaults the documentation gives; out-of-range values stop the program.
func TestParse_VisitLimits(t *testing.T) {
	noenv := func(string) string { return "" }
	c, _, err := config.Parse(nil, noenv, io.Discard)
	if err != nil || c.VisitNotice != 10 || c.VisitFastTrack != 15 || c.VisitChangeUntil != 2 || c.VisitChangeWithin != 60 {
		t.Fatalf("defaults = %d %d %d %d, %v", c.VisitNotice, c.VisitFastTrack, c.VisitChangeUntil, c.VisitChangeWithin, err)
	}
	c, _, err = config.Parse([]string{"--visit-change-until-days", "5"}, func(k string) string {
		return map[string]string{"SPORTELLO_VISIT_CHANGE_WITHIN_DAYS": "30"}[k]
	}, io.Discard)
	if err != nil || c.VisitChangeUntil != 5 || c.VisitChangeWithin != 30 {
		t.Fatalf("set = %d %d, %v", c.VisitChangeUntil, c.VisitChangeWithin, err)
	}
	for _, bad := range [][]string{{"--visit-notice-days", "0"}, {"--visit-fast-track-days", "x"}, {"--visit-change-within-days", "400"}} {
		if _, _, err := config.Parse(bad, noenv, io.Discard); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("Parse(%v) = %v", bad, err)
		}
	}
}

func TestParse_AuditKeyFile(t *testing.T) {
	dir := t.TempDir()
	good, short := filepath.Join(dir, "good"), filepath.Join(dir, "short")
	os.WriteFile(good, []byte("0123456789abcdef0123\n"), 0o600)
	os.WriteFile(short, []byte("abc"), 0o600)
	c, _, err := config.Parse([]string{"--audit-key-file", good}, func(string) string { return "" }, io.Discard)
	if err != nil || string(c.AuditKey) != "0123456789abcdef0123" {
		t.Fatalf("key = %q, %v", c.AuditKey, err)
	}
	for _, f := range []string{short, filepath.Join(dir, "missing")} {
		if _, _, err := config.Parse([]string{"--audit-key-file", f}, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("--audit-key-file %s accepted", f)
		}
	}
}

func TestConfig_Logger(t *testing.T) {
	var b strings.Builder
	c := config.Config{LogFormat: "json", LogLevel: slog.LevelWarn}
	log := c.Logger(&b)
	log.Info("hidden")
	log.Warn("shown")
	if strings.Contains(b.String(), "hidden") || !strings.Contains(b.String(), `"msg":"shown"`) {
		t.Fatalf("log output %q", b.String())
	}
}
