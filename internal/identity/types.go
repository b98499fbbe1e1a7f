package identity

import (
	"time"
)

// Person is a record of the person registry (ARCA): personal data and
// residence as the agency holds them (CBT-2 shows them read-only).
type Person struct {
	FiscalCode   string
	GivenName    string
	FamilyName   string
	BirthDate    string // YYYY-MM-DD
	BirthPlace   string
	Sex          string // M or F
	Address      string
	Postcode     string
	Municipality string
	Province     string
}

// FullName is "given family".
func (p Person) FullName() string { return p.GivenName + " " + p.FamilyName }

// Grant is a role held by a user, with its scope.
type Grant struct {
	Role      Role
	Scope     string
	GrantedAt time.Time
	GrantedBy string
}

// User is a person's account: the PIN and the roles.
type User struct {
	ID            int64
	FiscalCode    string
	PINHash       string // "" until a PIN is issued
	PendingPIN    string // hash of a PIN requested online, not used yet
	PendingPINAt  time.Time
	PINIssuedAt   time.Time
	PINChannel    string // "online" (ID-1) or "counter" (ID-2)
	MustChangePIN bool
	FailedLogins  int
	LockedUntil   time.Time
	Roles         []Grant // live grants only
}

// HasRole returns the user's grant of role, if any.
func (u User) HasRole(role Role) (Grant, bool) {
	for _, g := range u.Roles {
		if g.Role == role {
			return g, true
		}
	}
	return Grant{}, false
}

// Session is a login: the active role, and whom the user acts for.
type Session struct {
	TokenHash  string
	UserID     int64
	Role       Role
	Scope      string
	ActingFor  string
	Channel    string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// Mandate is a citizen's mandate to an intermediary's organisation (ID-5).
type Mandate struct {
	ID        int64
	Citizen   string // codice fiscale
	Org       string // organisation code
	Scope     string // "all", or a service
	StartDate string // YYYY-MM-DD
	EndDate   string // YYYY-MM-DD
	Document  string // reference of the signed mandate
	CreatedAt time.Time
	CreatedBy string
	RevokedAt time.Time
}

// LiveOn reports whether the mandate is in force on day (YYYY-MM-DD).
func (m Mandate) LiveOn(day string) bool {
	return m.RevokedAt.IsZero() && m.StartDate <= day && day <= m.EndDate
}

// APIToken is a bearer token of a user's software, bound to one role.
type APIToken struct {
	ID        int64
	UserID    int64
	Role      Role
	Scope     string
	Name      string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
	LastUsed  time.Time
}
