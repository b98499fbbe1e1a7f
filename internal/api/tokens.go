package api

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// StaticTokens is an Authenticator over a fixed list of bearer tokens read
// from a file. It is a STOPGAP until identity (operators, roles, sessions,
// revocation) is built: tokens never expire, are revoked only by editing the
// file and restarting, and are kept in memory. Use long random tokens and a
// file readable only by the service.
//
// The file has one token per line, "token role actor", separated by spaces
// or tabs; blank lines and lines starting with '#' are ignored:
//
//	# token                                      role    actor
//	3f9c0e1d7a5b4c2e8f6a9d0b1c3e5f7a9b2d4c6e8f0a  office  office:7
type StaticTokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	hash      [sha256.Size]byte
	principal Principal
}

// MinTokenLength is the shortest token StaticTokens accepts.
const MinTokenLength = 32

var (
	tokenRE = regexp.MustCompile(`^[A-Za-z0-9._~+/-]+=*$`) // RFC 6750 b64token
	roleRE  = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)
	actorRE = regexp.MustCompile(`^[a-z][a-z_]*:[^\s]{1,100}$`)
)

// LoadStaticTokens reads a token file (see StaticTokens).
func LoadStaticTokens(path string) (*StaticTokens, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api tokens: %w", err)
	}
	defer f.Close()
	st, err := ParseStaticTokens(f)
	if err != nil {
		return nil, fmt.Errorf("api tokens %s: %w", path, err)
	}
	return st, nil
}

// ParseStaticTokens reads tokens in the format of a token file. Errors name
// the line but never show the token.
func ParseStaticTokens(r io.Reader) (*StaticTokens, error) {
	st := &StaticTokens{}
	seen := map[[sha256.Size]byte]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want \"token role actor\", got %d fields", n, len(f))
		}
		token, role, actor := f[0], f[1], f[2]
		switch {
		case len(token) < MinTokenLength || !tokenRE.MatchString(token):
			return nil, fmt.Errorf("line %d: the token must be at least %d characters of [A-Za-z0-9._~+/-]", n, MinTokenLength)
		case !roleRE.MatchString(role):
			return nil, fmt.Errorf("line %d: bad role %q", n, role)
		case !actorRE.MatchString(actor):
			return nil, fmt.Errorf("line %d: bad actor %q (want kind:id, e.g. office:7)", n, actor)
		}
		h := sha256.Sum256([]byte(token))
		if prev, ok := seen[h]; ok {
			return nil, fmt.Errorf("line %d: same token as line %d", n, prev)
		}
		seen[h] = n
		st.entries = append(st.entries, tokenEntry{hash: h, principal: Principal{Actor: actor, Role: role}})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return st, nil
}

// Len returns the number of tokens.
func (st *StaticTokens) Len() int {
	if st == nil {
		return 0
	}
	return len(st.entries)
}

// Authenticate returns the principal of token, or ErrInvalidToken. It
// compares SHA-256 digests in constant time against every entry, so neither
// the position of a match nor a common prefix shows in the timing.
func (st *StaticTokens) Authenticate(_ context.Context, token string) (Principal, error) {
	if st == nil {
		return Principal{}, ErrInvalidToken
	}
	h := sha256.Sum256([]byte(token))
	found := -1
	for i := range st.entries {
		eq := subtle.ConstantTimeCompare(h[:], st.entries[i].hash[:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 {
		return Principal{}, ErrInvalidToken
	}
	return st.entries[found].principal, nil
}
