package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"time"
)

// Form tokens defend every form against cross-site request forgery and
// double submission (PROT-3).
//
// A browser gets a random binding cookie on its first visit. Each rendered
// form carries a token: a random nonce, an expiry and an HMAC over them,
// the form's name and the binding cookie. A POST is accepted only with a
// valid, unexpired token bound to the same browser; the nonce then serves
// as the idempotency key of the create, so submitting the same form twice
// creates one record. (net/http.CrossOriginProtection, in front of every
// unsafe request, is the first line of defence; the token is the second,
// and the only one for browsers that send neither Origin nor Sec-Fetch-Site.)

const (
	bindingCookie = "sportello_b"
	tokenField    = "_token"
)

var (
	errTokenMissing = errors.New("form token missing or malformed")
	errTokenExpired = errors.New("form token expired")
	errTokenForged  = errors.New("form token not valid for this browser and form")
)

type formTokens struct {
	secret []byte
	ttl    time.Duration
	secure bool // cookies only over HTTPS
}

// binding returns the browser's binding value, setting the cookie if the
// browser has none yet.
func (f *formTokens) binding(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(bindingCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: bindingCookie, Value: v, Path: "/", HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteLaxMode})
	r.AddCookie(&http.Cookie{Name: bindingCookie, Value: v}) // later reads in this request see it
	return v
}

// browserActor names an anonymous browser for idempotency keys and drafts
// until people log in (issue 4): a hash of its binding, never the binding.
func browserActor(binding string) string {
	sum := sha256.Sum256([]byte("actor:" + binding))
	return "browser:" + hex.EncodeToString(sum[:8])
}

func (f *formTokens) mac(form, binding string, nonce []byte, exp int64) []byte {
	m := hmac.New(sha256.New, f.secret)
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], uint64(exp))
	m.Write([]byte("form-v1\x00" + form + "\x00" + binding + "\x00"))
	m.Write(e[:])
	m.Write(nonce)
	return m.Sum(nil)
}

// issue returns a new token for form and when it expires.
func (f *formTokens) issue(form, binding string, now time.Time) (string, time.Time) {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	exp := now.Add(f.ttl).Truncate(time.Second)
	buf := make([]byte, 0, 8+16+32)
	buf = binary.BigEndian.AppendUint64(buf, uint64(exp.Unix()))
	buf = append(buf, nonce...)
	buf = append(buf, f.mac(form, binding, nonce, exp.Unix())...)
	return base64.RawURLEncoding.EncodeToString(buf), exp
}

// check verifies a token and returns its nonce (hex) for idempotency; an
// expired but authentic token still gives its nonce, so that what the
// page posts can be kept once.
func (f *formTokens) check(token, form, binding string, now time.Time) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 8+16+32 {
		return "", errTokenMissing
	}
	exp := int64(binary.BigEndian.Uint64(raw[:8]))
	nonce := raw[8:24]
	if !hmac.Equal(raw[24:], f.mac(form, binding, nonce, exp)) {
		return "", errTokenForged
	}
	if now.Unix() > exp {
		return hex.EncodeToString(nonce), errTokenExpired
	}
	return hex.EncodeToString(nonce), nil
}
