package identity

import (
	"fmt"

	"github.com/sportello/sportello/internal/apperr"
)

// The authorisation policy (AUD-2): one function answers "may this actor
// do this action on this resource?". Services call it before they read or
// change anything, so a handler that forgets a check cannot leak data; the
// test matrix tries every role against every action on its own and on
// other people's resources.

// Action is something an actor does to a resource.
type Action string

// The actions.
const (
	Read      Action = "read"
	List      Action = "list"
	Create    Action = "create"
	Update    Action = "update"
	ActFor    Action = "act_for"    // open an acting-for session for a citizen
	IssuePIN  Action = "issue_pin"  // issue, reissue or revoke a person's PIN at the counter
	EnableDoc Action = "enable_doc" // enable a certifying doctor
)

// Kind is a kind of resource.
type Kind string

// The kinds of resource.
const (
	KindPerson       Kind = "person"       // a person's registry data and profile
	KindAuditTrail   Kind = "audit_trail"  // who accessed a person's data
	KindRegistration Kind = "registration" // an entry of a register
	KindCertificate  Kind = "certificate"
	KindApplication  Kind = "application"
	KindUser         Kind = "user"    // accounts, roles, PIN letters
	KindMandate      Kind = "mandate" // a citizen's mandate to an intermediary (ID-5)
	KindLetter       Kind = "letter"  // the outbox of letters to print and post
	KindAgenda       Kind = "agenda"  // a health authority's visit slots (AG-1)
)

// Resource describes what is acted on, with the facts the policy needs.
type Resource struct {
	Kind    Kind
	Subject string // codice fiscale of the person it concerns
	Author  string // codice fiscale of the doctor who wrote it (certificates)
	Office  string // competent office (territory)
	Region  string
	ASL     string
	// Mandated: an intermediary's organisation holds a live mandate from
	// Subject (set by the service from the mandates table).
	Mandated bool
	// Org: the organisation a mandate is given to.
	Org string
	// Staff: the person holds a role of the agency's staff (their PIN is
	// issued only by an administrator).
	Staff bool
}

// Denied is the error for a refusal. It says "not found" to the caller for
// reads of records, so that guessing identifiers tells nothing about what
// exists (the caller cannot tell "not yours" from "not there").
func denied(a Actor, act Action, r Resource) error {
	if act == Read || act == Update {
		return &apperr.Error{Code: apperr.NotFound, Message: "Non trovato.",
			Err: fmt.Errorf("policy: %s may not %s %s of %s", a.ID(), act, r.Kind, r.Subject)}
	}
	return &apperr.Error{Code: apperr.Forbidden, Message: "Operazione non consentita per il vostro profilo.",
		Err: fmt.Errorf("policy: %s may not %s %s of %s", a.ID(), act, r.Kind, r.Subject)}
}

// Can returns nil if a may do act on r, and a NotFound (reads) or
// Forbidden error otherwise.
func Can(a Actor, act Action, r Resource) error {
	if a.IsAnonymous() {
		return &apperr.Error{Code: apperr.Forbidden, Message: "Accedere per continuare."}
	}
	if allowed(a, act, r) {
		return nil
	}
	return denied(a, act, r)
}

func allowed(a Actor, act Action, r Resource) bool {
	// Acting for a citizen: the session works on that citizen's records
	// only, with the citizen's rights (ID-5). Opening it is checked below.
	if a.ActingFor != "" && act != ActFor {
		if r.Subject != a.ActingFor || r.Kind == KindAuditTrail || r.Kind == KindMandate {
			return false // the access log and the mandates are for the citizen's own eyes
		}
		return citizenMay(act, r.Kind)
	}
	// Everyone may see their own registry data (the profile page).
	if r.Kind == KindPerson && act == Read && r.Subject == a.FiscalCode {
		return true
	}
	// Nobody issues a PIN to, or enables, themselves; only an administrator
	// issues a PIN to a member of staff (an office could otherwise take over
	// an administrator's account).
	if (act == IssuePIN || act == EnableDoc) && r.Kind == KindPerson {
		if r.Subject == a.FiscalCode || (act == IssuePIN && r.Staff && a.Role != RoleAdmin) {
			return false
		}
	}
	switch a.Role {
	case RoleCitizen:
		return r.Subject == a.FiscalCode && citizenMay(act, r.Kind)
	case RoleDoctor:
		switch r.Kind {
		case KindCertificate:
			return act == Create || ((act == Read || act == Update || act == List) && r.Author == a.FiscalCode)
		case KindPerson: // the doctor's own profile
			return (act == Read || act == Update) && r.Subject == a.FiscalCode
		}
	case RoleIntermediary:
		switch {
		case act == ActFor && r.Kind == KindPerson:
			return r.Mandated
		case r.Kind == KindPerson && r.Subject == a.FiscalCode:
			return act == Read
		case r.Kind == KindMandate:
			// Operators record the signed mandates their organisation
			// receives, and may revoke them; only for their organisation.
			return (act == Create || act == Update) && r.Org != "" && r.Org == a.Scope
		}
	case RoleContactCentre:
		// Operators open an acting-for session after identifying the
		// caller; they have no access of their own to anyone's records.
		return act == ActFor && r.Kind == KindPerson
	case RoleOffice:
		switch r.Kind {
		case KindRegistration:
			return act == Read || act == List || act == Create
		case KindApplication, KindCertificate:
			// Create: registering a paper application the office received
			// during the transition period (CH-2).
			return (act == Read || act == List || act == Update || (act == Create && r.Kind == KindApplication)) &&
				r.Office != "" && r.Office == a.Scope
		case KindPerson:
			return act == Read || act == IssuePIN || act == EnableDoc
		case KindLetter:
			return act == Read || act == List || act == Update
		}
	case RoleMedicalCentre:
		return (r.Kind == KindApplication || r.Kind == KindCertificate) && (act == Read || act == List || act == Update) &&
			r.Office != "" && r.Office == a.Scope
	case RoleChiefBoard:
		return (r.Kind == KindApplication || r.Kind == KindCertificate) && (act == Read || act == List || act == Update)
	case RoleRegional:
		return r.Kind == KindApplication && (act == Read || act == List || act == Update) && r.Region != "" && r.Region == a.Scope
	case RoleASL:
		// The ASL's staff keep their own agenda and record who came to
		// their visits (AG-1, AG-3).
		return (r.Kind == KindApplication && (act == Read || act == List || act == Update) ||
			r.Kind == KindAgenda && (act == Read || act == List || act == Create || act == Update)) && r.ASL != "" && r.ASL == a.Scope
	case RoleAdmin:
		// Administrators manage accounts and the register, not people's
		// health records.
		switch r.Kind {
		case KindUser:
			return true
		case KindRegistration:
			return act == Read || act == List || act == Create
		case KindPerson:
			return act == IssuePIN || act == EnableDoc
		case KindLetter:
			return act == Read || act == List || act == Update
		}
	}
	return false
}

// citizenMay lists what citizens may do with their own records (and what
// anyone acting for them may do).
func citizenMay(act Action, k Kind) bool {
	switch k {
	case KindPerson:
		return act == Read || act == Update
	case KindAuditTrail:
		return act == Read
	case KindApplication:
		return act == Read || act == List || act == Create || act == Update
	case KindCertificate:
		return act == Read || act == List // to link it to an application (CERT-9)
	case KindMandate:
		return act == Read || act == List || act == Update // see and revoke one's mandates
	}
	return false
}
