package identity_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/identity"
)

const (
	me    = "RSSMRA56L12H501D"
	other = "VRDGNN60B45F205Y"
)

// relation is how a resource relates to the actor in the matrix.
type relation string

const (
	own      relation = "own"      // the actor's own (subject or author)
	others   relation = "other"    // another person's, outside the actor's territory
	inScope  relation = "in-scope" // another person's, in the actor's office/region/ASL
	mandated relation = "mandated" // another person's, whose mandate the intermediary holds
)

func actorFor(role identity.Role) identity.Actor {
	a := identity.Actor{UserID: 1, FiscalCode: me, Role: role}
	if role.ScopeKind() != "" {
		a.Scope = "S1"
	}
	return a
}

func resourceFor(k identity.Kind, rel relation) identity.Resource {
	r := identity.Resource{Kind: k, Subject: other, Author: other, Office: "S2", Region: "S2", ASL: "S2", Org: "S2"}
	switch rel {
	case own:
		r.Subject, r.Author = me, me
	case inScope:
		r.Office, r.Region, r.ASL, r.Org = "S1", "S1", "S1", "S1"
	case mandated:
		r.Mandated = true
	}
	return r
}

// spec is the policy written as a table, independently of the code: every
// (role, kind, action, relation) allowed; everything else must be refused.
var spec = map[identity.Role][]string{
	identity.RoleCitizen: {
		"person:read:own", "person:update:own", "audit_trail:read:own",
		"application:read:own", "application:list:own", "application:create:own", "application:update:own",
		"certificate:read:own", "certificate:list:own",
		"mandate:read:own", "mandate:list:own", "mandate:update:own",
	},
	identity.RoleDoctor: {
		"certificate:create:*", "certificate:read:own", "certificate:update:own", "certificate:list:own",
		"person:read:own", "person:update:own",
	},
	identity.RoleIntermediary:  {"person:act_for:mandated", "person:read:own", "mandate:create:in-scope", "mandate:update:in-scope"},
	identity.RoleContactCentre: {"person:act_for:*", "person:read:own"},
	identity.RoleOffice: {
		"registration:read:*", "registration:list:*", "registration:create:*",
		"application:read:in-scope", "application:list:in-scope", "application:update:in-scope",
		"application:create:in-scope", // a paper application received by the office (CH-2)
		"certificate:read:in-scope", "certificate:list:in-scope", "certificate:update:in-scope",
		"person:read:*", "person:issue_pin:other", "person:issue_pin:in-scope", "person:issue_pin:mandated",
		"person:enable_doc:other", "person:enable_doc:in-scope", "person:enable_doc:mandated",
		"letter:read:*", "letter:list:*", "letter:update:*",
	},
	identity.RoleMedicalCentre: {
		"person:read:own",
		"application:read:in-scope", "application:list:in-scope", "application:update:in-scope",
		"certificate:read:in-scope", "certificate:list:in-scope", "certificate:update:in-scope",
	},
	identity.RoleChiefBoard: {
		"person:read:own",
		"application:read:*", "application:list:*", "application:update:*",
		"certificate:read:*", "certificate:list:*", "certificate:update:*",
	},
	identity.RoleRegional: {"person:read:own", "application:read:in-scope", "application:list:in-scope", "application:update:in-scope"},
	identity.RoleASL: {"person:read:own", "application:read:in-scope", "application:list:in-scope", "application:update:in-scope",
		"agenda:read:in-scope", "agenda:list:in-scope", "agenda:create:in-scope", "agenda:update:in-scope"},
	identity.RoleAdmin: {
		"user:read:*", "user:list:*", "user:create:*", "user:update:*", "user:act_for:*", "user:issue_pin:*", "user:enable_doc:*",
		"registration:read:*", "registration:list:*", "registration:create:*",
		"person:issue_pin:other", "person:issue_pin:in-scope", "person:issue_pin:mandated",
		"person:enable_doc:other", "person:enable_doc:in-scope", "person:enable_doc:mandated", "person:read:own",
		"letter:read:*", "letter:list:*", "letter:update:*",
	},
}

func specAllows(role identity.Role, k identity.Kind, act identity.Action, rel relation) bool {
	for _, s := range spec[role] {
		parts := strings.Split(s, ":")
		if parts[0] == string(k) && parts[1] == string(act) && (parts[2] == "*" || parts[2] == string(rel)) {
			return true
		}
	}
	return false
}

var (
	kinds = []identity.Kind{identity.KindPerson, identity.KindAuditTrail, identity.KindRegistration,
		identity.KindCertificate, identity.KindApplication, identity.KindUser, identity.KindMandate, identity.KindLetter, identity.KindAgenda}
	actions = []identity.Action{identity.Read, identity.List, identity.Create, identity.Update,
		identity.ActFor, identity.IssuePIN, identity.EnableDoc}
	relations = []relation{own, others, inScope, mandated}
)

// REQ AUD-2 CH-3: every role × every action × own and other people's
// resources, against the table above.
func TestCan_Matrix(t *testing.T) {
	checked := 0
	for _, role := range identity.Roles {
		for _, k := range kinds {
			for _, act := range actions {
				for _, rel := range relations {
					err := identity.Can(actorFor(role), act, resourceFor(k, rel))
					want := specAllows(role, k, act, rel)
					if (err == nil) != want {
						t.Errorf("%s %s %s (%s): allowed=%v, want %v", role, act, k, rel, err == nil, want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d combinations checked", checked)
}

// REQ AUD-2 ID-5: a session acting for a citizen works on that citizen's
// records only, with a citizen's rights, and never sees their access log.
func TestCan_ActingFor(t *testing.T) {
	for _, role := range []identity.Role{identity.RoleIntermediary, identity.RoleContactCentre} {
		a := actorFor(role)
		a.ActingFor = other
		for _, k := range kinds {
			for _, act := range actions {
				if act == identity.ActFor {
					continue
				}
				forThem := identity.Resource{Kind: k, Subject: other}
				want := specAllows(identity.RoleCitizen, k, act, own) && k != identity.KindAuditTrail && k != identity.KindMandate
				if err := identity.Can(a, act, forThem); (err == nil) != want {
					t.Errorf("%s acting for %s: %s %s allowed=%v, want %v", role, other, act, k, err == nil, want)
				}
				third := identity.Resource{Kind: k, Subject: "BNCLGU48D10L219Y", Office: "S1"}
				if err := identity.Can(a, act, third); err == nil {
					t.Errorf("%s acting for %s may %s %s of a third person", role, other, act, k)
				}
			}
		}
	}
}

// Refusals of reads look like "not found", so guessed identifiers reveal
// nothing; refusals of other actions say "not allowed"; nobody anonymous
// may do anything.
func TestCan_Errors(t *testing.T) {
	citizen := actorFor(identity.RoleCitizen)
	err := identity.Can(citizen, identity.Read, resourceFor(identity.KindApplication, others))
	if !apperr.Is(err, apperr.NotFound) || strings.Contains(err.(*apperr.Error).Message, other) {
		t.Errorf("read refusal = %v; want NotFound without the other person's code", err)
	}
	if err := identity.Can(citizen, identity.IssuePIN, resourceFor(identity.KindPerson, own)); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("action refusal = %v; want Forbidden", err)
	}
	for _, k := range kinds {
		for _, act := range actions {
			if identity.Can(identity.Anonymous, act, resourceFor(k, own)) == nil {
				t.Errorf("anonymous may %s %s", act, k)
			}
		}
	}
}

func ExampleActor_ID() {
	a := identity.Actor{UserID: 3, FiscalCode: "BNCLRA70E52H501P", Role: identity.RoleOffice, Scope: "RM01"}
	fmt.Println(a.ID())
	// Output: office:RM01:BNCLRA70E52H501P
}

// REQ AUD-2 ID-2: an office cannot issue a PIN to a member of staff (only
// an administrator can), and nobody issues a PIN to, or enables, themselves.
func TestCan_NoSelfServiceNoStaffTakeover(t *testing.T) {
	office, admin := actorFor(identity.RoleOffice), actorFor(identity.RoleAdmin)
	staffPerson := identity.Resource{Kind: identity.KindPerson, Subject: other, Staff: true}
	if identity.Can(office, identity.IssuePIN, staffPerson) == nil {
		t.Error("an office issued a PIN to a member of staff")
	}
	if identity.Can(admin, identity.IssuePIN, staffPerson) != nil {
		t.Error("an administrator cannot issue a PIN to a member of staff")
	}
	self := identity.Resource{Kind: identity.KindPerson, Subject: me}
	for _, a := range []identity.Actor{office, admin} {
		for _, act := range []identity.Action{identity.IssuePIN, identity.EnableDoc} {
			if identity.Can(a, act, self) == nil {
				t.Errorf("%s may %s themselves", a.Role, act)
			}
		}
	}
}
