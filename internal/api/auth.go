package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
)

// Principal is who is calling the API.
type Principal struct {
	Actor string // as recorded in events and audit entries, e.g. "office:7"
	Role  string // e.g. RoleOffice
	// Scopes the token grants, e.g. "registrations:read"; nil grants every
	// scope (the static tokens file).
	Scopes []string
	// Person is the user a personal token acts for, in the token's role
	// (account.Service.AuthenticateAPIToken); zero for the static tokens
	// file, which names software, not people. Operations on a person's own
	// records, such as a doctor's certificates, need it.
	Person identity.Actor
}

// identity is the principal as the authorisation policy sees it: the
// user of a personal token, or else an actor whose role decides what a
// caller of the API may do with registrations (the policy is the one place
// of that decision, as for the web pages).
func (p Principal) identity() identity.Actor {
	if p.hasPerson() {
		a := p.Person
		if a.Channel == "" {
			a.Channel = history.ChannelAPI
		}
		return a
	}
	return identity.Actor{UserID: -1, FiscalCode: p.Actor, Role: identity.Role(p.Role), Channel: history.ChannelAPI}
}

// hasPerson reports whether the principal is a user (a personal token).
func (p Principal) hasPerson() bool { return !p.Person.IsAnonymous() }

// AuthFunc adapts a function to Authenticator.
type AuthFunc func(ctx context.Context, bearerToken string) (Principal, error)

// Authenticate calls f.
func (f AuthFunc) Authenticate(ctx context.Context, token string) (Principal, error) {
	return f(ctx, token)
}

// scopeOf is the scope an operation needs: its first tag, and "read" for
// GET or "write" for anything else ("registrations:write").
func scopeOf(op *huma.Operation) string {
	if len(op.Tags) == 0 {
		return ""
	}
	if op.Method == http.MethodGet {
		return op.Tags[0] + ":read"
	}
	return op.Tags[0] + ":write"
}

// Roles known to the API today.
const (
	RoleOffice = "office" // an agency office's software
	RoleAdmin  = "admin"
	RoleDoctor = "doctor" // a certifying doctor's practice-management software
	// RoleIntermediary is a patronato's or intermediary's software, with an
	// operator's personal token.
	RoleIntermediary = "intermediary"
)

// Authenticator turns a bearer token into a principal. It returns an error
// wrapping ErrInvalidToken for a token it does not know (the client gets a
// 401); any other error is the authenticator's own failure (a 500, or a 503
// for apperr.Unavailable).
type Authenticator interface {
	Authenticate(ctx context.Context, bearerToken string) (Principal, error)
}

// ErrInvalidToken is returned by an Authenticator for an unknown, expired or
// revoked token.
var ErrInvalidToken = errors.New("api: invalid token")

// denyAll is the authenticator of an API configured without one: every
// protected operation answers 401.
type denyAll struct{}

func (denyAll) Authenticate(context.Context, string) (Principal, error) {
	return Principal{}, ErrInvalidToken
}

type principalKey struct{}

// PrincipalFrom returns the authenticated caller of a protected operation.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// metaRoles is the key, in huma.Operation.Metadata, of the roles allowed to
// call an operation; an operation without it is public.
const metaRoles = "sportello.roles"

// allow marks op as protected: the caller needs a bearer token and one of
// roles. It also documents the requirement, and the scope a personal token
// needs.
func allow(op huma.Operation, roles ...string) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metaRoles] = roles
	op.Security = []map[string][]string{{securityScheme: {}}}
	op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
	op.Description = strings.TrimSpace(op.Description + "\n\nRoles: " + strings.Join(roles, ", ") + ".")
	if scope := scopeOf(&op); scope != "" {
		op.Description += " Token scope: " + scope + "."
	}
	return op
}

const securityScheme = "bearer"

// authenticate is the huma middleware that checks the bearer token and the
// role of protected operations before their input is even read, so an
// anonymous client learns nothing from validation errors.
func (a *API) authenticate(hctx huma.Context, next func(huma.Context)) {
	roles, protected := hctx.Operation().Metadata[metaRoles].([]string)
	if !protected {
		next(hctx)
		return
	}
	r, w := humago.Unwrap(hctx)
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		a.writeProblem(w, r, &problem{status: http.StatusUnauthorized, detail: msgNoToken,
			header: http.Header{"Www-Authenticate": {`Bearer realm="sportello"`}}})
		return
	}
	p, err := a.auth.Authenticate(r.Context(), token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		a.writeProblem(w, r, &problem{status: http.StatusUnauthorized, detail: msgBadToken,
			header: http.Header{"Www-Authenticate": {`Bearer realm="sportello", error="invalid_token"`}}})
		return
	case err != nil:
		a.writeProblem(w, r, a.fail(r.Context(), err))
		return
	case p.Actor == "" || p.Role == "":
		a.writeProblem(w, r, a.fail(r.Context(), errors.New("api: authenticator returned a principal without actor or role")))
		return
	}
	if !slices.Contains(roles, p.Role) {
		a.writeProblem(w, r, &problem{status: http.StatusForbidden, detail: msgRole.format(p.Role)})
		return
	}
	if need := scopeOf(hctx.Operation()); p.Scopes != nil && !slices.Contains(p.Scopes, need) {
		a.writeProblem(w, r, &problem{status: http.StatusForbidden, detail: msgScope.format(need)})
		return
	}
	next(huma.WithValue(hctx, principalKey{}, p))
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1; the scheme is case-insensitive).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
