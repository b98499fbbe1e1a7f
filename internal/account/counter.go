package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// Identity documents an office accepts for a PIN (ID-2); for a minor the
// codice fiscale or the health card is enough.
var (
	AdultDocuments = []string{"carta_identita", "passaporto", "patente"}
	MinorDocuments = []string{"tessera_sanitaria", "codice_fiscale"}
)

// CounterPIN is what office staff record when they issue a PIN at the
// counter (ID-2).
type CounterPIN struct {
	FiscalCode string
	// NewPerson carries the personal data checked at the counter when the
	// registry does not know the person; nil otherwise.
	NewPerson *identity.Person
	Minor     bool
	DocType   string
	DocNumber string
	DocIssuer string
	DocExpiry string // dd/mm/yyyy
}

// cfProblem returns what is wrong with a codice fiscale, "" if nothing.
func cfProblem(code string) string {
	if err := codicefiscale.Validate(code); err != nil {
		if e, ok := err.(*apperr.Error); ok {
			return e.Fields["codice_fiscale"]
		}
		return err.Error()
	}
	return ""
}

// validate checks the request field by field.
func (c *CounterPIN) validate(now time.Time) map[string]string {
	f := map[string]string{}
	c.FiscalCode = identity.NormalizeFiscalCode(c.FiscalCode)
	if msg := cfProblem(c.FiscalCode); msg != "" {
		f["cf"] = msg
	}
	docs := AdultDocuments
	if c.Minor {
		docs = append(append([]string{}, MinorDocuments...), AdultDocuments...)
	}
	ok := false
	for _, d := range docs {
		ok = ok || c.DocType == d
	}
	if !ok {
		f["documento"] = "Indicare il documento controllato."
	}
	needsDetails := !(c.Minor && (c.DocType == "tessera_sanitaria" || c.DocType == "codice_fiscale"))
	if needsDetails {
		if strings.TrimSpace(c.DocNumber) == "" {
			f["numero"] = "Indicare il numero del documento."
		}
		if strings.TrimSpace(c.DocIssuer) == "" {
			f["rilasciato"] = "Indicare chi ha rilasciato il documento."
		}
		d, err := time.ParseInLocation("02/01/2006", strings.TrimSpace(c.DocExpiry), clock.Rome)
		switch {
		case err != nil:
			f["scadenza"] = "Indicare la scadenza nel formato giorno/mese/anno, per esempio 31/12/2030."
		case d.Before(now.In(clock.Rome).Truncate(24 * time.Hour)):
			f["scadenza"] = "Il documento è scaduto: non può essere accettato."
		}
	}
	if p := c.NewPerson; p != nil {
		for field, v := range map[string]string{"nome": p.GivenName, "cognome": p.FamilyName, "nascita": p.BirthDate,
			"luogo": p.BirthPlace, "indirizzo": p.Address, "cap": p.Postcode, "comune": p.Municipality, "provincia": p.Province} {
			if strings.TrimSpace(v) == "" {
				f[field] = "Campo obbligatorio per chi non è presente in anagrafe."
			}
		}
		if p.Sex != "M" && p.Sex != "F" {
			f["sesso"] = "Indicare il sesso come sul codice fiscale."
		}
		if _, err := time.Parse("2006-01-02", p.BirthDate); p.BirthDate != "" && err != nil {
			f["nascita"] = "Data di nascita non valida."
		}
	}
	return f
}

// IssuePINAtCounter issues a whole PIN to a person whose identity the
// office checked, and returns it to be printed once; it is stored only as
// a hash. The person must change it at the first login: the sheet passed
// through staff hands. A PIN issued before stops working, and so do the
// person's sessions.
func (s *Service) IssuePINAtCounter(ctx context.Context, a identity.Actor, req CounterPIN) (string, identity.Person, error) {
	target, err := s.personResource(ctx, req.FiscalCode)
	if err != nil {
		return "", identity.Person{}, err
	}
	if err := identity.Can(a, identity.IssuePIN, target); err != nil {
		return "", identity.Person{}, err
	}
	fields := req.validate(s.clock.Now())
	person, err := s.db.FindPerson(ctx, req.FiscalCode)
	switch {
	case apperr.Is(err, apperr.NotFound) && req.NewPerson == nil && len(fields) == 0:
		return "", identity.Person{}, &apperr.Error{Code: apperr.NotFound, Message: "La persona non è presente in anagrafe: inserire i dati anagrafici controllati sul documento.",
			Fields: map[string]string{"cf": "Codice fiscale non presente in anagrafe."}}
	case apperr.Is(err, apperr.NotFound) && req.NewPerson != nil:
		person = *req.NewPerson
		person.FiscalCode = req.FiscalCode
	case err != nil && !apperr.Is(err, apperr.NotFound):
		return "", identity.Person{}, err
	}
	if len(fields) > 0 {
		return "", identity.Person{}, &apperr.Error{Code: apperr.Invalid, Message: "Il PIN non è stato rilasciato.", Fields: fields}
	}
	pin := identity.NewPIN()
	hash := s.opt.Hasher.Hash(pin)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if req.NewPerson != nil {
			if err := tx.UpsertPerson(ctx, person); err != nil {
				return err
			}
		}
		uid, err := tx.EnsureUser(ctx, person.FiscalCode)
		if err != nil {
			return err
		}
		if err := tx.SetPIN(ctx, uid, hash, "counter", true); err != nil {
			return err
		}
		if err := tx.ResetLoginAttempts(ctx, person.FiscalCode); err != nil { // the counter also unlocks
			return err
		}
		if _, err := tx.GrantRole(ctx, uid, identity.RoleCitizen, "", a.ID()); err != nil {
			return err
		}
		if _, err := tx.RevokeSessions(ctx, uid); err != nil {
			return err
		}
		if err := tx.RevokeAPITokens(ctx, uid); err != nil {
			return err
		}
		if err := tx.RecordPINIssuance(ctx, store.PINIssuance{UserID: uid, IssuedBy: a.ID(), Channel: "counter", DocType: req.DocType,
			DocNumber: strings.TrimSpace(req.DocNumber), DocIssuer: strings.TrimSpace(req.DocIssuer), DocExpiry: strings.TrimSpace(req.DocExpiry), Minor: req.Minor}); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelOffice, Action: "pin.issue", Subject: "person:" + person.FiscalCode,
			Detail: fmt.Sprintf(`{"document":%q,"minor":%t}`, req.DocType, req.Minor)})
	})
	if err != nil {
		return "", identity.Person{}, err
	}
	return pin, person, nil
}

// RevokePIN stops a person's PIN and ends their sessions, e.g. when it was
// lost or stolen.
func (s *Service) RevokePIN(ctx context.Context, a identity.Actor, fiscalCode string) error {
	cf := identity.NormalizeFiscalCode(fiscalCode)
	target, err := s.personResource(ctx, cf)
	if err != nil {
		return err
	}
	if err := identity.Can(a, identity.IssuePIN, target); err != nil {
		return err
	}
	u, err := s.db.FindUserByFiscalCode(ctx, cf)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPIN(ctx, u.ID, "", "revoked", false); err != nil {
			return err
		}
		if _, err := tx.RevokeSessions(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.RevokeAPITokens(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.RecordPINIssuance(ctx, store.PINIssuance{UserID: u.ID, IssuedBy: a.ID(), Channel: "revoked"}); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelOffice, Action: "pin.revoke", Subject: "person:" + cf})
	})
}

// DoctorRequest is the signed request a doctor hands in at the office
// (ID-3).
type DoctorRequest struct {
	FiscalCode  string
	RequestDate string // dd/mm/yyyy
	RequestRef  string
	Employment  string // ssn_employee or affiliated (CERT-1 asks it again at first access)
}

// EnableDoctor enables a certifying doctor. Enabling a doctor already
// enabled changes nothing and returns false.
func (s *Service) EnableDoctor(ctx context.Context, a identity.Actor, req DoctorRequest) (bool, error) {
	cf := identity.NormalizeFiscalCode(req.FiscalCode)
	if err := identity.Can(a, identity.EnableDoc, identity.Resource{Kind: identity.KindPerson, Subject: cf}); err != nil {
		return false, err
	}
	f := map[string]string{}
	if msg := cfProblem(cf); msg != "" {
		f["cf"] = msg
	}
	d, err := time.ParseInLocation("02/01/2006", strings.TrimSpace(req.RequestDate), clock.Rome)
	if err != nil {
		f["data"] = "Indicare la data della richiesta nel formato giorno/mese/anno."
	} else if d.After(s.clock.Now()) {
		f["data"] = "La data della richiesta non può essere futura."
	}
	if strings.TrimSpace(req.RequestRef) == "" {
		f["riferimento"] = "Indicare il numero di protocollo della richiesta."
	}
	if req.Employment != "ssn_employee" && req.Employment != "affiliated" {
		f["rapporto"] = "Indicare se il medico è dipendente o convenzionato con il Servizio sanitario nazionale."
	}
	if len(f) > 0 {
		return false, &apperr.Error{Code: apperr.Invalid, Message: "Il medico non è stato abilitato.", Fields: f}
	}
	if _, err := s.db.FindPerson(ctx, cf); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return false, &apperr.Error{Code: apperr.NotFound, Message: "Il medico non è presente in anagrafe: rilasciare prima il PIN allo sportello con i dati anagrafici.",
				Fields: map[string]string{"cf": "Codice fiscale non presente in anagrafe."}}
		}
		return false, err
	}
	var changed bool
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		uid, err := tx.EnsureUser(ctx, cf)
		if err != nil {
			return err
		}
		if changed, err = tx.GrantRole(ctx, uid, identity.RoleDoctor, "", a.ID()); err != nil || !changed {
			return err
		}
		if err := tx.RecordDoctorEnabling(ctx, store.DoctorEnabling{UserID: uid, RequestDate: strings.TrimSpace(req.RequestDate),
			RequestRef: strings.TrimSpace(req.RequestRef), Employment: req.Employment, EnabledBy: a.ID()}); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelOffice, Action: "doctor.enable", Subject: "person:" + cf,
			Detail: fmt.Sprintf(`{"request":%q}`, strings.TrimSpace(req.RequestRef))})
	})
	return changed, err
}

// personResource describes a person for the policy: whether they hold a
// staff role.
func (s *Service) personResource(ctx context.Context, fiscalCode string) (identity.Resource, error) {
	cf := identity.NormalizeFiscalCode(fiscalCode)
	r := identity.Resource{Kind: identity.KindPerson, Subject: cf}
	u, err := s.db.FindUserByFiscalCode(ctx, cf)
	if apperr.Is(err, apperr.NotFound) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	for _, g := range u.Roles {
		r.Staff = r.Staff || g.Role.Staff()
	}
	return r, nil
}
