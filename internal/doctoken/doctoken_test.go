package doctoken_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/doctoken"
)

func newSigner(t testing.TB) *doctoken.Signer {
	t.Helper()
	k, err := doctoken.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return doctoken.NewSigner(k)
}

// REQ DOC-1 CERT-5: a document's token states its kind, number and date and
// verifies with the agency's public key; any altered character, another
// key, or garbage is refused with one error.
func TestSignVerify(t *testing.T) {
	s := newSigner(t)
	issued := time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)
	tok, err := s.Sign(doctoken.Claims{Kind: "certificato_cbt", Number: "20260000042", Issued: issued})
	if err != nil {
		t.Fatal(err)
	}
	v := doctoken.NewVerifier(s.Public())
	c, err := v.Verify(tok)
	if err != nil || c.Kind != "certificato_cbt" || c.Number != "20260000042" || !c.Issued.Equal(issued) || c.KeyID != doctoken.KeyID(s.Public()) {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	if len(tok) > 200 {
		t.Errorf("token of %d characters: too long for a small QR code", len(tok))
	}
	for i := range tok {
		b := []byte(tok)
		b[i] ^= 0x01
		if _, err := v.Verify(string(b)); err == nil {
			t.Fatalf("a token altered at byte %d verified", i)
		}
	}
	if _, err := doctoken.NewVerifier(newSigner(t).Public()).Verify(tok); !errors.Is(err, doctoken.ErrInvalid) {
		t.Errorf("another key: %v", err)
	}
	for _, bad := range []string{"", "~", "abc", strings.Repeat("a", 600), tok + "~x"} {
		if _, err := v.Verify(bad); !errors.Is(err, doctoken.ErrInvalid) {
			t.Errorf("Verify(%q) = %v", bad, err)
		}
	}
	if _, err := s.Sign(doctoken.Claims{Kind: "a.b", Number: "1"}); err == nil {
		t.Error("a kind with a separator was signed")
	}
}

// Keys rotate: documents signed with a retired key still verify while its
// public key is kept.
func TestRotation(t *testing.T) {
	old, cur := newSigner(t), newSigner(t)
	tok, _ := old.Sign(doctoken.Claims{Kind: "ricevuta", Number: "20250000001", Issued: time.Unix(1700000000, 0)})
	if _, err := doctoken.NewVerifier(cur.Public()).Verify(tok); err == nil {
		t.Fatal("an unknown key verified")
	}
	if c, err := doctoken.NewVerifier(cur.Public(), old.Public()).Verify(tok); err != nil || c.KeyID != doctoken.KeyID(old.Public()) {
		t.Fatalf("retired key: %+v, %v", c, err)
	}
}

// Keys are read from PEM, including one made by openssl as the operator
// documentation says.
func TestKeyPEM(t *testing.T) {
	k, _ := doctoken.GenerateKey()
	b, err := doctoken.EncodeKey(k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := doctoken.DecodeKey(b)
	if err != nil || !back.Equal(k) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := doctoken.DecodeKey([]byte("not a key")); err == nil {
		t.Error("garbage decoded as a key")
	}
	out, err := exec.Command("openssl", "genpkey", "-algorithm", "ed25519").Output()
	if err != nil {
		t.Logf("openssl not available: %v", err) // the Go round trip above still holds
		return
	}
	if _, err := doctoken.DecodeKey(out); err != nil {
		t.Errorf("openssl key: %v", err)
	}
}

// FuzzVerify: no input makes Verify panic or accept a forgery.
func FuzzVerify(f *testing.F) {
	k, _ := doctoken.GenerateKey()
	s := doctoken.NewSigner(k)
	tok, _ := s.Sign(doctoken.Claims{Kind: "k", Number: "1", Issued: time.Unix(0, 0)})
	f.Add(tok)
	f.Add("MS4xMjM0NTY3OC5rLjEuMA~")
	v := doctoken.NewVerifier(s.Public())
	f.Fuzz(func(t *testing.T, in string) {
		c, err := v.Verify(in)
		if err == nil && strings.TrimSpace(in) != tok {
			t.Fatalf("accepted %q as %+v", in, c)
		}
	})
}

// REQ DOC-1: a key file may hold the signing key followed by retired
// keys; anything else in it is refused.
func TestDecodeKeys(t *testing.T) {
	k1, _ := doctoken.GenerateKey()
	k2, _ := doctoken.GenerateKey()
	b1, _ := doctoken.EncodeKey(k1)
	b2, _ := doctoken.EncodeKey(k2)
	keys, err := doctoken.DecodeKeys(append(append([]byte{}, b1...), b2...))
	if err != nil || len(keys) != 2 || !keys[0].Equal(k1) || !keys[1].Equal(k2) {
		t.Fatalf("DecodeKeys = %d keys, %v", len(keys), err)
	}
	for name, bad := range map[string][]byte{
		"empty":        nil,
		"garbage":      []byte("not a key"),
		"trailing":     append(append([]byte{}, b1...), "junk"...),
		"other block":  []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
		"broken block": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if _, err := doctoken.DecodeKeys(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
