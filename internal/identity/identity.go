// Package identity holds who acts in Sportello (CH-3): people and their
// roles, credentials (PINs, ID-1…ID-4), the acting actor carried in the
// request context, and acting on someone's behalf (ID-5).
package identity

import (
	"context"
	"fmt"
	"strings"
)

// Role is what a user does in the system. One person may hold several
// roles (a doctor is also a citizen); a session acts in one of them.
type Role string

// The roles of CH-3.
const (
	RoleCitizen       Role = "citizen"
	RoleDoctor        Role = "doctor"         // certifying doctor
	RoleIntermediary  Role = "intermediary"   // operator of a patronato or disability association
	RoleContactCentre Role = "contact_centre" // contact-centre operator
	RoleOffice        Role = "office"         // office staff (istruttoria), one office
	RoleMedicalCentre Role = "medical_centre" // medical-centre doctor, one office
	RoleChiefBoard    Role = "chief_board"    // chief medical board (CGML), national
	RoleRegional      Role = "regional"       // regional office staff, one region
	RoleASL           Role = "asl"            // health-authority staff, one ASL
	RoleAdmin         Role = "admin"
)

// Roles lists every role, in the order profiles are offered.
var Roles = []Role{RoleCitizen, RoleDoctor, RoleIntermediary, RoleContactCentre, RoleOffice,
	RoleMedicalCentre, RoleChiefBoard, RoleRegional, RoleASL, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// ScopeKind tells what a role's scope names: the office, region, health
// authority or organisation the user works for. Citizens, doctors,
// contact-centre operators, the chief medical board and administrators
// have national or personal scope (none).
func (r Role) ScopeKind() string {
	switch r {
	case RoleOffice, RoleMedicalCentre:
		return "office"
	case RoleRegional:
		return "region"
	case RoleASL:
		return "asl"
	case RoleIntermediary:
		return "organisation"
	}
	return ""
}

// Staff reports whether r is a role of the agency's own staff.
func (r Role) Staff() bool {
	switch r {
	case RoleContactCentre, RoleOffice, RoleMedicalCentre, RoleChiefBoard, RoleRegional, RoleASL, RoleAdmin:
		return true
	}
	return false
}

// Actor is who performs a request: a user in one role, with its scope,
// possibly acting for a citizen.
type Actor struct {
	UserID     int64
	FiscalCode string // the user's codice fiscale
	Name       string // given and family name, for pages
	Role       Role
	Scope      string // office, region, ASL or organisation code; "" when national
	ActingFor  string // codice fiscale of the citizen acted for, or ""
	Channel    string // history.Channel* of the session
	SessionID  string // opaque, for audit correlation (never the token)
	// MustChangePIN: the PIN was issued at the counter and must be changed
	// before anything else.
	MustChangePIN bool
}

// Anonymous is the actor of a request without a session.
var Anonymous = Actor{}

// IsAnonymous reports whether no one is logged in.
func (a Actor) IsAnonymous() bool { return a.UserID == 0 }

// ID is the actor as written in events and audit entries, e.g.
// "office:RM01:BNCLRA70E52H501P" or "citizen:RSSMRA56L12H501D".
func (a Actor) ID() string {
	if a.IsAnonymous() {
		return "anonymous"
	}
	if a.Scope != "" {
		return fmt.Sprintf("%s:%s:%s", a.Role, a.Scope, a.FiscalCode)
	}
	return fmt.Sprintf("%s:%s", a.Role, a.FiscalCode)
}

// ActingForID is the person acted for as written in events and audit
// entries ("citizen:<cf>"), or "".
func (a Actor) ActingForID() string {
	if a.ActingFor == "" {
		return ""
	}
	return "citizen:" + a.ActingFor
}

// Subject is the codice fiscale whose data the actor works on by default:
// the person acted for, else a citizen's own.
func (a Actor) Subject() string {
	if a.ActingFor != "" {
		return a.ActingFor
	}
	if a.Role == RoleCitizen {
		return a.FiscalCode
	}
	return ""
}

type ctxKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the context's actor, Anonymous if none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(ctxKey{}).(Actor)
	return a
}

// NormalizeFiscalCode upper-cases and trims a codice fiscale typed by a
// person. Validation of its structure belongs to the reference-data issue;
// here it only has to be a plausible key.
func NormalizeFiscalCode(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
