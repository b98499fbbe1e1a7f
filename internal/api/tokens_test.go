package api_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/api"
)

func TestParseStaticTokens(t *testing.T) {
	const tok = "abcdefghijklmnopqrstuvwxyz0123456789"
	for _, tc := range []struct {
		name, file string
		wantLen    int
		wantErr    string
	}{
		{"OK", "# comment\n\n" + tok + " office office:7\n  " + tok + "X\tadmin\tadmin:1  \n", 2, ""},
		{"Empty", "# nobody yet\n", 0, ""},
		{"ErrFields", tok + " office\n", 0, "line 1: want"},
		{"ErrShort", "short office office:7\n", 0, "at least 32"},
		{"ErrCharset", strings.Repeat("é", 20) + " office office:7\n", 0, "at least 32"},
		{"ErrRole", tok + " Office! office:7\n", 0, "bad role"},
		{"ErrActor", tok + " office seven\n", 0, "bad actor"},
		{"ErrDuplicate", tok + " office office:7\n#\n" + tok + " admin admin:1\n", 0, "line 3: same token as line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := api.ParseStaticTokens(strings.NewReader(tc.file))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), tok) {
					t.Errorf("the error shows the token: %v", err)
				}
				return
			}
			if err != nil || st.Len() != tc.wantLen {
				t.Fatalf("got %v tokens, %v; want %d", st, err, tc.wantLen)
			}
		})
	}
}

func TestStaticTokens_Authenticate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(path, []byte(tokensFile), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := api.LoadStaticTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		token string
		want  api.Principal
	}{
		{tokenOffice, api.Principal{Actor: "office:7", Role: "office"}},
		{tokenAdmin, api.Principal{Actor: "admin:1", Role: "admin"}},
		{tokenDoctor, api.Principal{Actor: "doctor:42", Role: "doctor"}},
	} {
		if p, err := st.Authenticate(ctx, tc.token); err != nil || p.Actor != tc.want.Actor || p.Role != tc.want.Role || p.Scopes != nil {
			t.Errorf("Authenticate(%s) = %+v, %v; want %+v", tc.token[:6], p, err, tc.want)
		}
	}
	for _, bad := range []string{"", tokenOffice[:len(tokenOffice)-1], tokenOffice + "x", strings.ToUpper(tokenOffice)} {
		if _, err := st.Authenticate(ctx, bad); !errors.Is(err, api.ErrInvalidToken) {
			t.Errorf("Authenticate(%q): %v, want ErrInvalidToken", bad, err)
		}
	}
	if _, err := api.LoadStaticTokens(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file loads")
	}
}
