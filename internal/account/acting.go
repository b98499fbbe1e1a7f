package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/store"
)

// Acting on someone's behalf (ID-5, CH-1). An intermediary operator acts
// only for citizens holding a live mandate with the operator's
// organisation; a contact-centre operator acts for a caller after
// identifying them, and records how. While acting, the session works on
// that citizen's records only (identity.Can), every page shows it, and
// every event and audit entry names both the operator and the citizen.

// MandateScopes are the services a mandate can cover.
var MandateScopes = []string{"all", "cbt", "inv"}

// NewMandate is a signed mandate an intermediary records.
type NewMandate struct {
	Citizen   string
	Scope     string
	StartDate string // dd/mm/yyyy
	EndDate   string // dd/mm/yyyy
	Document  string // reference of the signed paper
}

func today(c clock.Clock) string { return c.Now().In(clock.Rome).Format("2006-01-02") }

func parseDay(s string) (string, bool) {
	d, err := time.ParseInLocation("02/01/2006", strings.TrimSpace(s), clock.Rome)
	if err != nil {
		return "", false
	}
	return d.Format("2006-01-02"), true
}

// RecordMandate stores a mandate to the operator's organisation.
func (s *Service) RecordMandate(ctx context.Context, a identity.Actor, m NewMandate) (int64, error) {
	cf := identity.NormalizeFiscalCode(m.Citizen)
	if err := identity.Can(a, identity.Create, identity.Resource{Kind: identity.KindMandate, Subject: cf, Org: a.Scope}); err != nil {
		return 0, err
	}
	f := map[string]string{}
	if msg := cfProblem(cf); msg != "" {
		f["cf"] = msg
	} else if _, err := s.db.FindPerson(ctx, cf); apperr.Is(err, apperr.NotFound) {
		f["cf"] = "Codice fiscale non presente in anagrafe."
	} else if err != nil {
		return 0, err
	}
	ok := false
	for _, sc := range MandateScopes {
		ok = ok || m.Scope == sc
	}
	if !ok {
		f["ambito"] = "Indicare i servizi coperti dalla delega."
	}
	start, okStart := parseDay(m.StartDate)
	end, okEnd := parseDay(m.EndDate)
	switch {
	case !okStart:
		f["inizio"] = "Indicare l'inizio nel formato giorno/mese/anno."
	case !okEnd:
		f["fine"] = "Indicare la fine nel formato giorno/mese/anno."
	case end < start:
		f["fine"] = "La fine della delega deve seguire l'inizio."
	case end < today(s.clock):
		f["fine"] = "La delega è già scaduta."
	}
	if strings.TrimSpace(m.Document) == "" {
		f["documento"] = "Indicare il riferimento della delega firmata."
	}
	if len(f) > 0 {
		return 0, &apperr.Error{Code: apperr.Invalid, Message: "La delega non è stata registrata.", Fields: f}
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *store.Tx) (err error) {
		id, err = tx.CreateMandate(ctx, identity.Mandate{Citizen: cf, Org: a.Scope, Scope: m.Scope, StartDate: start, EndDate: end,
			Document: strings.TrimSpace(m.Document), CreatedBy: a.ID()})
		if err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelIntermediary, Action: "mandate.create", Subject: "person:" + cf,
			Detail: fmt.Sprintf(`{"mandate":%d,"org":%q,"scope":%q,"until":%q}`, id, a.Scope, m.Scope, end)})
	})
	return id, err
}

// RevokeMandate ends a mandate: by the citizen who gave it, or by the
// organisation it was given to.
func (s *Service) RevokeMandate(ctx context.Context, a identity.Actor, citizen string, id int64) error {
	cf := identity.NormalizeFiscalCode(citizen)
	ms, err := s.db.FindMandates(ctx, cf, "")
	if err != nil {
		return err
	}
	var m *identity.Mandate
	for i := range ms {
		if ms[i].ID == id {
			m = &ms[i]
		}
	}
	if m == nil {
		return apperr.New(apperr.NotFound, "Delega non trovata.")
	}
	if err := identity.Can(a, identity.Update, identity.Resource{Kind: identity.KindMandate, Subject: cf, Org: m.Org}); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeMandate(ctx, id, cf, a.ID()); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: history.ChannelWeb, Action: "mandate.revoke", Subject: "person:" + cf,
			Detail: fmt.Sprintf(`{"mandate":%d,"org":%q}`, id, m.Org)})
	})
}

// Mandates returns a citizen's mandates, for the citizen.
func (s *Service) Mandates(ctx context.Context, a identity.Actor) ([]identity.Mandate, error) {
	if err := identity.Can(a, identity.List, identity.Resource{Kind: identity.KindMandate, Subject: a.FiscalCode}); err != nil {
		return nil, err
	}
	return s.db.FindMandates(ctx, a.FiscalCode, "")
}

// mandated reports whether org holds a live mandate from citizen today.
func (s *Service) mandated(ctx context.Context, citizen, org string) (bool, error) {
	if org == "" {
		return false, nil
	}
	ms, err := s.db.FindMandates(ctx, citizen, org)
	if err != nil {
		return false, err
	}
	day := today(s.clock)
	for _, m := range ms {
		if m.LiveOn(day) {
			return true, nil
		}
	}
	return false, nil
}

// StartActingFor makes the session act for a citizen. identification says
// how a contact-centre operator identified the caller (required there).
func (s *Service) StartActingFor(ctx context.Context, a identity.Actor, token, citizen, identification string) error {
	cf := identity.NormalizeFiscalCode(citizen)
	f := map[string]string{}
	if msg := cfProblem(cf); msg != "" {
		f["cf"] = msg
	}
	channel := history.ChannelIntermediary
	if a.Role == identity.RoleContactCentre {
		channel = history.ChannelContactCentre
		if strings.TrimSpace(identification) == "" {
			f["identificazione"] = "Indicare come è stata identificata la persona al telefono."
		}
	}
	if len(f) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "Impossibile operare per conto della persona.", Fields: f}
	}
	if _, err := s.db.FindPerson(ctx, cf); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return &apperr.Error{Code: apperr.NotFound, Message: "Persona non presente in anagrafe.", Fields: map[string]string{"cf": "Codice fiscale non presente in anagrafe."}}
		}
		return err
	}
	mandated, err := s.mandated(ctx, cf, a.Scope)
	if err != nil {
		return err
	}
	base := a
	base.ActingFor = ""
	if err := identity.Can(base, identity.ActFor, identity.Resource{Kind: identity.KindPerson, Subject: cf, Mandated: mandated}); err != nil {
		if a.Role == identity.RoleIntermediary {
			return &apperr.Error{Code: apperr.Forbidden, Message: "Nessuna delega valida di questa persona alla vostra organizzazione.",
				Fields: map[string]string{"cf": "Nessuna delega valida alla vostra organizzazione."}}
		}
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, HashToken(token), a.Role, a.Scope, cf, channel); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: "citizen:" + cf, Channel: channel, Action: "act_for.start",
			Subject: "person:" + cf, Detail: fmt.Sprintf(`{"identification":%q}`, strings.TrimSpace(identification))})
	})
}

// StopActingFor returns the session to the operator's own work.
func (s *Service) StopActingFor(ctx context.Context, a identity.Actor, token string) error {
	if a.ActingFor == "" {
		return nil
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSession(ctx, HashToken(token), a.Role, a.Scope, "", history.ChannelWeb); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "act_for.stop",
			Subject: "person:" + a.ActingFor})
	})
}
