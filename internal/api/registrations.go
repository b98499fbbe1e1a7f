package api

import (
	"github.com/sportello/sportello/internal/identity"

	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"strconv"
	"strings"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
)

const registrationsPath = "/api/v1/registrations"

// Case kind and event kinds of registrations in the case history (ST-1).
const (
	caseRegistration = "registration"
	eventRegistered  = "registered"
)

type createRegistrationInput struct {
	IdempotencyKey
	Body NewRegistration
}

type createRegistrationOutput struct {
	Status   int
	Location string `header:"Location" doc:"The registration's address."`
	Replayed string `header:"Idempotent-Replayed" enum:"true" doc:"\"true\" when this is the stored response of an earlier request with the same Idempotency-Key."`
	Body     Registration
}

// createRegistration registers an incoming document in the general
// protocol register (PROT-1, PROT-2), with its history event (ST-1) and
// audit entry (AUD-1), at most once per Idempotency-Key (PROT-3).
func (a *API) createRegistration(ctx context.Context, in *createRegistrationInput) (*createRegistrationOutput, error) {
	p, _ := PrincipalFrom(ctx)
	if err := identity.Can(p.identity(), identity.Create, identity.Resource{Kind: identity.KindRegistration}); err != nil {
		return nil, a.fail(ctx, err)
	}
	n := protocol.NewRegistration{
		Register:      protocol.General,
		Kind:          strings.TrimSpace(in.Body.Kind),
		Subject:       strings.TrimSpace(in.Body.Subject),
		Correspondent: strings.TrimSpace(in.Body.Correspondent),
		Payload:       in.Body.Content, // registered exactly as sent: the digest is over these bytes
		Actor:         p.Actor,
		Channel:       history.ChannelAPI,
	}
	if err := a.checkNewRegistration(n); err != nil {
		return nil, a.fail(ctx, err)
	}
	c, replayed, err := once(ctx, a.db, "POST "+registrationsPath, in.Key, in.Body, func(tx *store.Tx) (created[Registration], error) {
		r, err := tx.Register(ctx, n)
		if err != nil {
			return created[Registration]{}, err
		}
		id := strconv.FormatInt(r.ID, 10)
		payload, _ := json.Marshal(map[string]string{"number": r.Number.String()})
		if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: caseRegistration, CaseID: id, Kind: eventRegistered,
			Actor: p.Actor, Channel: history.ChannelAPI, Payload: string(payload)}); err != nil {
			return created[Registration]{}, err
		}
		detail, _ := json.Marshal(map[string]any{"registration": r.ID, "register": r.Register, "number": r.Number.String()})
		if err := tx.Audit(audit.Entry{Actor: p.Actor, Channel: history.ChannelAPI, Action: "registration.create",
			Subject: "registration:" + id, Detail: string(detail)}); err != nil {
			return created[Registration]{}, err
		}
		return created[Registration]{Location: registrationsPath + "/" + id, Body: registrationOut(r, false)}, nil
	})
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	out := &createRegistrationOutput{Status: c.Status, Location: c.Location, Body: c.Body}
	if replayed {
		out.Replayed = Replayed
	}
	return out, nil
}

// checkNewRegistration adds what the API requires to the domain's checks:
// a correspondent (DPR 445/2000 art. 53) and a bounded content. Its
// messages join the domain's in an apperr.Error, so they are Italian like
// those.
func (a *API) checkNewRegistration(n protocol.NewRegistration) error {
	fields := map[string]string{}
	if err := n.Validate(); err != nil {
		ae, ok := errors.AsType[*apperr.Error](err)
		if !ok || ae.Code != apperr.Invalid {
			return err
		}
		maps.Copy(fields, ae.Fields)
	}
	if n.Correspondent == "" {
		fields["correspondent"] = a.cat.T(i18n.IT, "api.err.correspondent.missing")
	}
	if len(n.Payload) > MaxContentBytes {
		fields["content"] = a.cat.T(i18n.IT, "api.err.content.too_large")
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: a.cat.T(i18n.IT, "api.detail.registration_invalid"), Fields: fields}
	}
	return nil
}

type listRegistrationsInput struct {
	PageParams
	Register string `query:"register" enum:"protocollo,certificati" doc:"Only this register."`
	Year     int    `query:"year" minimum:"2000" maximum:"9999" doc:"Only this year of registration (Europe/Rome)."`
}

// listRegistrations lists registrations in register, year and number order.
func (a *API) listRegistrations(ctx context.Context, in *listRegistrationsInput) (*PageOutput[Registration], error) {
	p, _ := PrincipalFrom(ctx)
	if err := identity.Can(p.identity(), identity.List, identity.Resource{Kind: identity.KindRegistration}); err != nil {
		return nil, a.fail(ctx, err)
	}
	f := store.RegistrationFilter{Register: protocol.Register(in.Register), Year: in.Year,
		Limit: in.PerPage, Offset: in.offset()}
	rs, total, err := a.db.FindRegistrations(ctx, f)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	items := make([]Registration, 0, len(rs))
	for _, r := range rs {
		// One query per item: the store has no batch lookup of annulments
		// yet; a page holds at most MaxPerPage items.
		annulled, err := a.annulment(ctx, r.ID)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		items = append(items, registrationOut(r, annulled != nil))
	}
	// The list shows correspondents (codici fiscali): each person whose
	// identifier was shown gets an entry in the audit trail (AUD-1), so they
	// can later see who looked.
	if err := a.auditList(ctx, rs); err != nil {
		return nil, a.fail(ctx, err)
	}
	q := url.Values{}
	if in.Register != "" {
		q.Set("register", in.Register)
	}
	if in.Year != 0 {
		q.Set("year", strconv.Itoa(in.Year))
	}
	return newPage(in.PageParams, items, total, registrationsPath, q), nil
}

// auditList records who saw which correspondents in a list.
func (a *API) auditList(ctx context.Context, rs []protocol.Registration) error {
	p, _ := PrincipalFrom(ctx)
	seen := map[string][]int64{}
	var order []string
	for _, r := range rs {
		if r.Correspondent == "" {
			continue
		}
		if _, ok := seen[r.Correspondent]; !ok {
			order = append(order, r.Correspondent)
		}
		seen[r.Correspondent] = append(seen[r.Correspondent], r.ID)
	}
	if len(order) == 0 {
		return nil
	}
	entries := make([]audit.Entry, 0, len(order))
	for _, c := range order {
		detail, _ := json.Marshal(map[string]any{"registrations": seen[c]})
		entries = append(entries, audit.Entry{Actor: p.Actor, Channel: history.ChannelAPI, Action: "registration.list",
			Subject: "person:" + c, Detail: string(detail)})
	}
	return a.db.Audit(ctx, entries...)
}

// annulment returns the annulment of a registration, nil if it has none.
func (a *API) annulment(ctx context.Context, id int64) (*protocol.Annulment, error) {
	an, err := a.db.FindAnnulment(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &an, nil
}

type getRegistrationInput struct {
	ID int64 `path:"id" minimum:"1" doc:"The registration's identifier."`
}

type getRegistrationOutput struct {
	Body RegistrationDetail
}

// getRegistration returns a registration with its content, annulment and
// history. The read is audited (AUD-1) before anything is returned.
func (a *API) getRegistration(ctx context.Context, in *getRegistrationInput) (*getRegistrationOutput, error) {
	p, _ := PrincipalFrom(ctx)
	if err := identity.Can(p.identity(), identity.Read, identity.Resource{Kind: identity.KindRegistration}); err != nil {
		return nil, a.fail(ctx, err)
	}
	r, err := a.db.FindRegistrationByID(ctx, in.ID)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	an, err := a.annulment(ctx, r.ID)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	id := strconv.FormatInt(r.ID, 10)
	events, err := a.db.CaseHistory(ctx, caseRegistration, id)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	out := &getRegistrationOutput{Body: RegistrationDetail{
		Registration: registrationOut(r, an != nil),
		Content:      r.Payload,
		History:      make([]Event, 0, len(events)),
	}}
	if an != nil {
		out.Body.Annulment = annulmentOut(*an)
	}
	for _, e := range events {
		ev, err := eventOut(e)
		if err != nil {
			return nil, a.fail(ctx, err)
		}
		out.Body.History = append(out.Body.History, ev)
	}
	detail, _ := json.Marshal(map[string]any{"registration": r.ID, "number": r.Number.String()})
	if err := a.db.Audit(ctx, audit.Entry{Actor: p.Actor, Channel: history.ChannelAPI, Action: "registration.read",
		Subject: "registration:" + id, Detail: string(detail)}); err != nil {
		return nil, a.fail(ctx, err)
	}
	return out, nil
}
