package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// A PIN has 16 characters (ID-1): the first 8 are shown on screen, the
// second 8 travel by post. The alphabet leaves out characters people
// confuse (0/O, 1/I), so a PIN read from a letter is typed right; 32
// symbols × 16 positions give 80 bits, beyond any guessing.
const (
	PINLength = 16
	pinAlpha  = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // 32 symbols: no 0, O, 1, I
)

// NewPIN returns a random PIN.
func NewPIN() string {
	b := make([]byte, PINLength)
	out := make([]byte, PINLength)
	for i := 0; i < PINLength; {
		rand.Read(b[:1])
		// Rejection sampling keeps every symbol equally likely.
		if int(b[0]) >= 256-256%len(pinAlpha) {
			continue
		}
		out[i] = pinAlpha[int(b[0])%len(pinAlpha)]
		i++
	}
	return string(out)
}

// NormalizePIN upper-cases a typed PIN and drops spaces and dashes, so
// "abcd efgh-…" works as well as "ABCDEFGH…".
func NormalizePIN(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// ValidPINShape reports whether s (normalised) could be a PIN: 16
// characters of the alphabet. A PIN with only its first half does not
// work (ID-1).
func ValidPINShape(s string) bool {
	if len(s) != PINLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(pinAlpha, rune(s[i])) {
			return false
		}
	}
	return true
}

// Hasher turns PINs into slow salted hashes (ID-4): argon2id over an HMAC
// of the PIN keyed with a pepper kept outside the database, so a stolen
// table alone is useless.
type Hasher struct {
	Pepper []byte
	// Cost parameters; zero values take OWASP's minimum for argon2id
	// (19 MiB, 2 passes, 1 thread), about 25 ms on our machines.
	MemoryKiB uint32
	Time      uint32
}

func (h Hasher) params() (mem, t uint32) {
	mem, t = h.MemoryKiB, h.Time
	if mem == 0 {
		mem = 19 * 1024
	}
	if t == 0 {
		t = 2
	}
	return mem, t
}

func (h Hasher) peppered(pin string) []byte {
	m := hmac.New(sha256.New, h.Pepper)
	m.Write([]byte(NormalizePIN(pin)))
	return m.Sum(nil)
}

// Hash returns the PHC-style encoding of a new hash of pin.
func (h Hasher) Hash(pin string) string {
	mem, t := h.params()
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey(h.peppered(pin), salt, t, mem, 1, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=1$%s$%s", argon2.Version, mem, t, enc.EncodeToString(salt), enc.EncodeToString(key))
}

var errBadHash = errors.New("identity: malformed PIN hash")

// Verify reports whether pin matches encoded, in time independent of where
// they differ.
func (h Hasher) Verify(pin, encoded string) (bool, error) {
	var version int
	var mem, t uint32
	var p uint8
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || p == 0 {
		return false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey(h.peppered(pin), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
