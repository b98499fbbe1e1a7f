// Package doctoken signs and checks the verification tokens printed, as a
// QR code, on the documents the service issues (certificates, sending
// attestations, receipts: CERT-5, DOC-1). Anyone can check a token at the
// public page /verifica without logging in.
//
// A token proves that the agency issued a document of a kind with a
// number on a date; whether the document is still valid (not annulled) is
// read from the database when the token is checked, never from the token.
// Tokens are signed with Ed25519. Each key has an ID derived from its public
// key, carried in the token, so keys can be rotated: the verifier keeps the
// old public keys for documents already printed.
package doctoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Claims are what a token states.
type Claims struct {
	Kind   string    // document kind, e.g. "certificato_cbt"
	Number string    // document number, e.g. "20260000042"
	Issued time.Time // when the document was issued (second precision)
	KeyID  string    // the signing key (set by Verify)
}

// ErrInvalid is returned for any token that is malformed, altered, or
// signed by a key the verifier does not know. The reason is not told apart:
// a forger learns nothing.
var ErrInvalid = errors.New("doctoken: invalid token")

const version = "1"

// maxLen bounds a token: a QR code of a few hundred characters stays
// readable on paper.
const maxLen = 512

// Strict: a token has one spelling, so no altered string verifies.
var enc = base64.RawURLEncoding.Strict()

// KeyID returns the ID of a public key: 8 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:4])
}

// Signer signs tokens with one private key.
type Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewSigner returns a signer for key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, id: KeyID(key.Public().(ed25519.PublicKey))}
}

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns the token of c. Kind and number may hold letters, digits,
// '-' and '_' only.
func (s *Signer) Sign(c Claims) (string, error) {
	if !safe(c.Kind) || !safe(c.Number) {
		return "", fmt.Errorf("doctoken: kind %q or number %q has characters a token cannot carry", c.Kind, c.Number)
	}
	payload := strings.Join([]string{version, s.id, c.Kind, c.Number, strconv.FormatInt(c.Issued.Unix(), 10)}, ".")
	sig := ed25519.Sign(s.key, []byte(payload))
	return enc.EncodeToString([]byte(payload)) + "~" + enc.EncodeToString(sig), nil
}

func safe(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Verifier checks tokens against the public keys it knows.
type Verifier struct {
	keys map[string]ed25519.PublicKey
}

// NewVerifier returns a verifier that accepts tokens signed by any of keys
// (the current one and those retired).
func NewVerifier(keys ...ed25519.PublicKey) *Verifier {
	v := &Verifier{keys: map[string]ed25519.PublicKey{}}
	for _, k := range keys {
		v.keys[KeyID(k)] = k
	}
	return v
}

// Verify returns the claims of a genuine token, ErrInvalid otherwise.
func (v *Verifier) Verify(token string) (Claims, error) {
	token = strings.TrimSpace(token)
	if len(token) > maxLen {
		return Claims{}, ErrInvalid
	}
	p64, s64, ok := strings.Cut(token, "~")
	if !ok {
		return Claims{}, ErrInvalid
	}
	payload, err1 := enc.DecodeString(p64)
	sig, err2 := enc.DecodeString(s64)
	if err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize {
		return Claims{}, ErrInvalid
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != 5 || parts[0] != version {
		return Claims{}, ErrInvalid
	}
	key, ok := v.keys[parts[1]]
	if !ok || !ed25519.Verify(key, payload, sig) {
		return Claims{}, ErrInvalid
	}
	unix, err := strconv.ParseInt(parts[4], 10, 64)
	if err != nil || !safe(parts[2]) || !safe(parts[3]) {
		return Claims{}, ErrInvalid
	}
	return Claims{Kind: parts[2], Number: parts[3], Issued: time.Unix(unix, 0).UTC(), KeyID: parts[1]}, nil
}

// GenerateKey returns a new private key.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}

// EncodeKey returns key as PEM (PKCS #8, "PRIVATE KEY"), the format
// `openssl genpkey -algorithm ed25519` writes.
func EncodeKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// DecodeKey reads an Ed25519 private key from PEM (PKCS #8).
func DecodeKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("doctoken: no PEM \"PRIVATE KEY\" block (create one with `openssl genpkey -algorithm ed25519`)")
	}
	return parseKey(block)
}

// DecodeKeys reads one or more Ed25519 private keys from PEM: the first
// signs new documents; the others, retired keys, still verify the
// documents they signed (key rotation). Anything but "PRIVATE KEY"
// blocks and blank space is refused.
func DecodeKeys(data []byte) ([]ed25519.PrivateKey, error) {
	var keys []ed25519.PrivateKey
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if len(strings.TrimSpace(string(rest))) > 0 {
				return nil, errors.New("doctoken: text outside the PEM blocks")
			}
			break
		}
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("doctoken: a PEM %q block; want \"PRIVATE KEY\"", block.Type)
		}
		k, err := parseKey(block)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("doctoken: no PEM \"PRIVATE KEY\" block (create one with `openssl genpkey -algorithm ed25519`)")
	}
	return keys, nil
}

func parseKey(block *pem.Block) (ed25519.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("doctoken: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("doctoken: the key is %T, not Ed25519", k)
	}
	return priv, nil
}
