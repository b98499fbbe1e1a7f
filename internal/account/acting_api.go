package account

import (
	"context"
	"fmt"
	"slices"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
)

// Acting for a citizen through the JSON API (ID-5, CH-1, AUD-2). The
// software of a patronato calls the API with an operator's personal token
// and names the citizen in each request. There is no session to open: each
// request asks again, so a mandate revoked or expired stops the very next
// request, on any node.

// ErrNoMandate is the one answer for a citizen the operator may not act
// for: nobody with that codice fiscale, no mandate to the operator's
// organisation, a mandate to another organisation, for another service,
// revoked, expired or not yet started. The operator cannot tell which
// (AUD-2): the answer and the work behind it are the same.
var ErrNoMandate = &apperr.Error{Code: apperr.NotFound,
	Message: "Nessun assistito con questo codice fiscale: la persona non risulta in anagrafe oppure non ha dato alla vostra organizzazione una delega valida per questo servizio."}

var errNotIntermediary = apperr.New(apperr.Forbidden,
	"Solo un operatore di patronato o di un intermediario, con il proprio token, può operare per conto di un assistito.")

// ActingFor returns the intermediary operator a acting for citizen in one
// request of the API, for service ("cbt", "inv"; see MandateScopes): the
// actor carries ActingFor and the channel intermediary, so the policy
// (identity.Can) lets it work on that citizen's records only, with a
// citizen's rights, and events and audit entries name both. It stores
// nothing. The operator's organisation must hold a mandate from the
// citizen that is live today and covers the service (its scope is the
// service or "all"); otherwise the answer is ErrNoMandate, after the same
// single query whether or not the person exists, and the refusal is
// audited under the codice fiscale, so that citizens see in their access
// log the organisations that tried to act for them without a mandate.
// A malformed codice fiscale is Invalid on the field "codice_fiscale";
// anybody but an intermediary operator acting for nobody is Forbidden.
func (s *Service) ActingFor(ctx context.Context, a identity.Actor, citizen, service string) (identity.Actor, error) {
	if a.IsAnonymous() || a.Role != identity.RoleIntermediary || a.ActingFor != "" || a.Scope == "" {
		return identity.Anonymous, errNotIntermediary
	}
	if service == "all" || !slices.Contains(MandateScopes, service) {
		return identity.Anonymous, fmt.Errorf("account: ActingFor for unknown service %q", service)
	}
	cf := identity.NormalizeFiscalCode(citizen)
	if msg := cfProblem(cf); msg != "" {
		return identity.Anonymous, &apperr.Error{Code: apperr.Invalid, Message: msg, Fields: map[string]string{"codice_fiscale": msg}}
	}
	ms, err := s.db.FindMandates(ctx, cf, a.Scope)
	if err != nil {
		return identity.Anonymous, err
	}
	day := today(s.clock)
	live := slices.ContainsFunc(ms, func(m identity.Mandate) bool {
		return m.LiveOn(day) && (m.Scope == "all" || m.Scope == service)
	})
	if live {
		// A mandate can only be recorded for a person in the registry;
		// should the person be gone, the answer is the same as without one.
		if _, err := s.db.FindPerson(ctx, cf); apperr.Is(err, apperr.NotFound) {
			live = false
		} else if err != nil {
			return identity.Anonymous, err
		}
	}
	base := a
	base.ActingFor = ""
	if err := identity.Can(base, identity.ActFor, identity.Resource{Kind: identity.KindPerson, Subject: cf, Mandated: live}); err != nil {
		if aerr := s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: "citizen:" + cf, Channel: history.ChannelIntermediary,
			Action: "act_for.denied", Subject: "person:" + cf,
			Detail: fmt.Sprintf(`{"org":%q,"service":%q,"via":"api"}`, a.Scope, service)}); aerr != nil {
			return identity.Anonymous, aerr
		}
		return identity.Anonymous, ErrNoMandate
	}
	out := a
	out.ActingFor, out.Channel = cf, history.ChannelIntermediary
	return out, nil
}

// Covers reports whether an intermediary operator acting for a citizen in
// a web session may use a service ("cbt", "inv"): a mandate of the
// citizen to the operator's organisation, live today, covers it or "all".
// Anyone else is not limited by mandates and gets true.
func (s *Service) Covers(ctx context.Context, a identity.Actor, service string) (bool, error) {
	if a.Role != identity.RoleIntermediary || a.ActingFor == "" {
		return true, nil
	}
	ms, err := s.db.FindMandates(ctx, a.ActingFor, a.Scope)
	if err != nil {
		return false, err
	}
	day := today(s.clock)
	return slices.ContainsFunc(ms, func(m identity.Mandate) bool {
		return m.LiveOn(day) && (m.Scope == "all" || m.Scope == service)
	}), nil
}
