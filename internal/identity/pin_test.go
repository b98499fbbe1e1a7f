package identity_test

import (
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/identity"
)

// REQ ID-1 ID-4: PINs are 16 unambiguous characters; only slow salted
// hashes are kept; the complete PIN is needed; typing is forgiving.
func TestPIN(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := identity.NewPIN()
		if !identity.ValidPINShape(p) || strings.ContainsAny(p, "0O1I") || seen[p] {
			t.Fatalf("bad or repeated PIN %q", p)
		}
		seen[p] = true
	}
	h := identity.Hasher{Pepper: []byte("pepper-pepper-pepper"), MemoryKiB: 1024, Time: 1} // cheap for tests
	pin := identity.NewPIN()
	enc := h.Hash(pin)
	if strings.Contains(enc, pin) || !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", enc)
	}
	if h.Hash(pin) == enc {
		t.Fatal("two hashes of one PIN are equal: no salt")
	}
	typed := strings.ToLower(pin[:4] + " " + pin[4:8] + "-" + pin[8:])
	for _, tc := range []struct {
		pin  string
		want bool
	}{
		{pin, true},
		{typed, true},
		{pin[:8], false}, // the first half alone does not work
		{pin[:15] + "A", pin[15] == 'A'},
		{"", false},
	} {
		ok, err := h.Verify(tc.pin, enc)
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.pin, ok, err, tc.want)
		}
	}
	if ok, _ := (identity.Hasher{Pepper: []byte("other"), MemoryKiB: 1024, Time: 1}).Verify(pin, enc); ok {
		t.Error("a hash verifies without the pepper")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA"} {
		if _, err := h.Verify(pin, bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	if identity.ValidPINShape(pin[:8]) || identity.ValidPINShape(pin+"A") || identity.ValidPINShape("0000000000000000") {
		t.Error("ValidPINShape accepts a wrong shape")
	}
}
