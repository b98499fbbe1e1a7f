package inv

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/store"
)

// The visit agenda (AG-1…AG-3): the ASL's staff add slots and record who
// came; the applicant (or whoever acts for them) may change the proposed
// date once; an absence brings a second summons, a second absence ends
// the application as renounced.

// NewSlot is a slot as the ASL's staff type it.
type NewSlot struct {
	Day        string // YYYY-MM-DD
	Time       string // hh:mm
	Place      string
	Commission string
	Capacity   int
	Home       bool
}

// AddSlot adds a slot to the agenda of the staff's ASL.
func (s *Service) AddSlot(ctx context.Context, a identity.Actor, n NewSlot) (store.Slot, error) {
	if err := identity.Can(a, identity.Create, identity.Resource{Kind: identity.KindAgenda, ASL: a.Scope}); err != nil {
		return store.Slot{}, err
	}
	n.Place, n.Commission = plain.Field(n.Place), plain.Field(n.Commission)
	e := map[string]string{}
	at, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(n.Day)+" "+strings.TrimSpace(n.Time), clock.Rome)
	switch {
	case err != nil:
		if _, derr := time.Parse("2006-01-02", strings.TrimSpace(n.Day)); derr != nil {
			e["giorno"] = "Indicare il giorno nel formato gg/mm/aaaa."
		} else {
			e["ora"] = "Indicare l'ora nel formato hh:mm, per esempio 09:30."
		}
	case !at.After(s.clock.Now()):
		e["giorno"] = "La seduta deve essere nel futuro."
	case at.After(s.clock.Now().AddDate(2, 0, 0)):
		e["giorno"] = "Le sedute si programmano al massimo due anni avanti."
	}
	if n.Place == "" || len(n.Place) > 120 {
		e["luogo"] = "Indicare il luogo della visita (al massimo 120 caratteri)."
	}
	if n.Home {
		n.Place = "Visite domiciliari – " + n.Place // still within the 160 the agenda shows
	}
	if n.Commission == "" || len(n.Commission) > 120 {
		e["commissione"] = "Indicare la commissione medica (al massimo 120 caratteri)."
	}
	if n.Capacity < 1 || n.Capacity > 500 {
		e["posti"] = "Indicare quante persone si visitano nella seduta, da 1 a 500."
	}
	if len(e) > 0 {
		return store.Slot{}, &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.", Fields: e}
	}
	var out store.Slot
	err = s.inTx(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.AddSlot(ctx, store.Slot{ASL: a.Scope, StartsAt: at, Place: n.Place, Commission: n.Commission, Capacity: n.Capacity,
			Home: n.Home, CreatedBy: a.ID()})
		return err
	})
	return out, err
}

// Agenda returns a page of the staff's ASL's slots from a day on.
func (s *Service) Agenda(ctx context.Context, a identity.Actor, from time.Time, limit, offset int) ([]store.Slot, int, error) {
	if err := identity.Can(a, identity.List, identity.Resource{Kind: identity.KindAgenda, ASL: a.Scope}); err != nil {
		return nil, 0, err
	}
	return s.db.Slots(ctx, store.SlotFilter{ASL: a.Scope, From: from, Limit: limit, Offset: offset})
}

// Attendee is a person booked into a slot, for the commission's list.
type Attendee struct {
	store.Visit
	Person identity.Person
	Domus  string
}

// SlotList returns a slot of the staff's ASL and the people booked in it;
// reading it is audited under each person.
func (s *Service) SlotList(ctx context.Context, a identity.Actor, slotID int64) (store.Slot, []Attendee, error) {
	sl, err := s.db.SlotByID(ctx, slotID)
	if err == nil {
		err = identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindAgenda, ASL: sl.ASL})
	}
	if err != nil {
		return store.Slot{}, nil, apperr.New(apperr.NotFound, "Seduta non trovata.")
	}
	vs, err := s.db.SlotVisits(ctx, slotID)
	if err != nil {
		return sl, nil, err
	}
	var out []Attendee
	var reads []audit.Entry
	for _, v := range vs {
		app, err := s.db.ApplicationByNumber(ctx, v.Application)
		if err != nil {
			return sl, nil, err
		}
		p, err := s.db.FindPerson(ctx, app.Applicant)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return sl, nil, err
		}
		if p.FiscalCode == "" {
			p.FiscalCode = app.Applicant
		}
		out = append(out, Attendee{Visit: v, Person: p, Domus: app.Domus})
		reads = append(reads, audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "application.read", Subject: "person:" + app.Applicant,
			Detail: mustJSON(map[string]string{"domanda": app.Number, "seduta": fmt.Sprint(slotID)})})
	}
	// One write for the whole list, not one a person.
	if len(reads) > 0 {
		if err := s.db.Audit(ctx, reads...); err != nil {
			return sl, nil, err
		}
	}
	return sl, out, nil
}

// RecordVisit records whether the person came to the visit their
// application waits for (AG-3). Present: the health phase goes on. Absent
// at the first summons: a second summons is booked and the person told;
// absent at the second: the application lapses as renounced, with a
// notice. Only the staff of the slot's ASL may record it.
func (s *Service) RecordVisit(ctx context.Context, a identity.Actor, number string, present bool) (store.Application, error) {
	app, err := s.db.ApplicationByNumber(ctx, strings.TrimSpace(number))
	if err != nil || app.Kind != Kind {
		return store.Application{}, apperr.New(apperr.NotFound, "Domanda non trovata.")
	}
	vs, err := s.db.Visits(ctx, app.Number)
	if err != nil {
		return app, err
	}
	var waiting *store.Visit
	for i := range vs {
		if vs[i].State == store.VisitBooked {
			waiting = &vs[i]
		}
	}
	if waiting == nil || identity.Can(a, identity.Update, identity.Resource{Kind: identity.KindAgenda, ASL: waiting.Slot.ASL}) != nil {
		return app, apperr.New(apperr.NotFound, "La domanda non ha una visita prenotata in questa azienda sanitaria.")
	}
	if waiting.Slot.StartsAt.After(s.clock.Now()) {
		return app, apperr.New(apperr.Conflict, "La visita non c'è ancora stata: presenza e assenza si registrano dall'ora della seduta.")
	}
	rec, err := s.record(ctx, app)
	if err != nil {
		return app, err
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		state := store.VisitAbsent
		if present {
			state = store.VisitPresent
		}
		v, err := tx.CloseVisit(ctx, app.Number, state, a.ID())
		if apperr.Is(err, apperr.NotFound) || (err == nil && v.ID != waiting.ID) {
			// Recorded meanwhile (a double click): the booking read above
			// is closed, and the one waiting now may be the second summons.
			return errRecorded
		}
		if err != nil {
			return err
		}
		ev := func(kind string, payload map[string]string) error {
			p := ""
			if payload != nil {
				p = mustJSON(payload)
			}
			_, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: app.Number, Kind: kind, Actor: a.ID(), Channel: a.Channel, Payload: p})
			return err
		}
		switch {
		case present:
			app.State = store.AppVisited
			if err := ev("visit_present", nil); err != nil {
				return err
			}
		case v.Summons == 1:
			if err := ev("visit_absent", map[string]string{"convocazione": "1"}); err != nil {
				return err
			}
			if _, err := s.summon(ctx, tx, app, 2, v.Slot.ASL, rec, a.ID()); err != nil {
				return err
			}
		default:
			app.State = store.AppRenounced
			if err := ev("visit_absent", map[string]string{"convocazione": "2"}); err != nil {
				return err
			}
			if err := ev("renounced", map[string]string{"avviso": "Assente anche alla seconda convocazione: la domanda è considerata rinunciata e non ha più efficacia. Per un nuovo accertamento occorre una nuova domanda con un nuovo certificato."}); err != nil {
				return err
			}
			if err := s.notice(ctx, tx, app, rec, NoticeLapse, nil, 2); err != nil {
				return err
			}
		}
		if app.State != store.AppSubmitted {
			if err := tx.SetApplicationState(ctx, app.Number, app.State); err != nil {
				return err
			}
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "application.visit", Subject: "person:" + app.Applicant,
			Detail: mustJSON(map[string]string{"domanda": app.Number, "esito": state})})
	})
	return app, err
}

var (
	errRecorded = apperr.New(apperr.Conflict, "La presenza o l'assenza a questa visita è già stata registrata: ricaricare la pagina.")
	errChanged  = apperr.New(apperr.Conflict, "La data della visita è appena stata cambiata: ricaricare la pagina.")
)

// record reads an application's record.
func (s *Service) record(ctx context.Context, app store.Application) (Record, error) {
	var r Record
	reg, err := s.db.FindRegistrationByID(ctx, app.RegistrationID)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(reg.Payload), &r); err != nil {
		return r, fmt.Errorf("inv: application %s: %w", app.Number, err)
	}
	return r, nil
}

// Change is what the applicant may do with the proposed date (AG-2).
type Change struct {
	Visit   *store.Visit // the booking waiting for its visit, if any
	Allowed bool
	Reason  string       // why not, in Italian
	Until   time.Time    // the last moment the date can be changed
	Slots   []store.Slot // the dates that can be chosen
}

// ChangeOptions says whether the applicant may change the date of the
// visit and to which dates: once per application (the seed: the date the
// system proposed, "una sola volta"), up to ChangeUntilDays before the
// visit, to a free date of the same ASL (and kind: at home or not) no
// later than ChangeWithinDays after the proposed one.
func (s *Service) ChangeOptions(ctx context.Context, a identity.Actor, number string) (Change, error) {
	app, err := s.mine(ctx, a, number)
	if err != nil {
		return Change{}, err
	}
	vs, err := s.db.Visits(ctx, app.Number)
	if err != nil {
		return Change{}, err
	}
	var ch Change
	moved := false
	for i := range vs {
		switch vs[i].State {
		case store.VisitBooked:
			ch.Visit = &vs[i]
		case store.VisitMoved:
			moved = true
		}
	}
	now := s.clock.Now()
	switch {
	case ch.Visit == nil:
		ch.Reason = "La domanda non ha una visita prenotata."
		return ch, nil
	case moved:
		ch.Reason = "La data della visita è già stata cambiata una volta: non si può cambiare di nuovo."
		return ch, nil
	}
	start := ch.Visit.Slot.StartsAt
	ch.Until = startOfDay(start).AddDate(0, 0, -s.opt.Agenda.ChangeUntilDays)
	if !now.Before(ch.Until) {
		ch.Reason = fmt.Sprintf("La data si può cambiare fino a %d giorni prima della visita.", s.opt.Agenda.ChangeUntilDays)
		return ch, nil
	}
	home := ch.Visit.Slot.Home
	slots, _, err := s.db.Slots(ctx, store.SlotFilter{ASL: ch.Visit.Slot.ASL, Home: &home, Free: true,
		From: startOfDay(now).AddDate(0, 0, 1), To: startOfDay(start).AddDate(0, 0, s.opt.Agenda.ChangeWithinDays+1), Limit: 60})
	if err != nil {
		return ch, err
	}
	for _, sl := range slots {
		if sl.ID != ch.Visit.Slot.ID {
			ch.Slots = append(ch.Slots, sl)
		}
	}
	ch.Allowed = true
	if len(ch.Slots) == 0 {
		ch.Allowed, ch.Reason = false, "Nell'agenda non ci sono altre date libere entro i limiti: resta valida la data proposta."
	}
	return ch, nil
}

// ChangeDate moves the visit to the chosen slot (AG-2), once.
func (s *Service) ChangeDate(ctx context.Context, a identity.Actor, number string, slotID int64) (store.Visit, error) {
	ch, err := s.ChangeOptions(ctx, a, number)
	if err != nil {
		return store.Visit{}, err
	}
	if !ch.Allowed {
		return store.Visit{}, apperr.New(apperr.Conflict, ch.Reason)
	}
	ok := false
	for _, sl := range ch.Slots {
		ok = ok || sl.ID == slotID
	}
	if !ok {
		return store.Visit{}, &apperr.Error{Code: apperr.Invalid, Message: "Alcuni dati non sono corretti.",
			Fields: map[string]string{"seduta": "Scegliere una delle date proposte."}}
	}
	var out store.Visit
	err = s.inTx(ctx, func(tx *store.Tx) error {
		old, err := tx.CloseVisit(ctx, ch.Visit.Application, store.VisitMoved, a.ID())
		if apperr.Is(err, apperr.NotFound) || (err == nil && old.ID != ch.Visit.ID) {
			// Changed meanwhile (two requests at once): the date may be
			// changed only once.
			return errChanged
		}
		if err != nil {
			return err
		}
		if out, err = tx.Book(ctx, old.Application, old.Summons, slotID, a.ID()); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "application", CaseID: old.Application, Kind: "visit_moved",
			Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel,
			Payload: mustJSON(map[string]string{"da": old.Slot.StartsAt.Format(time.RFC3339), "a": out.Slot.StartsAt.Format(time.RFC3339)})}); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.visit.move",
			Subject: "person:" + applicant(a), Detail: mustJSON(map[string]string{"domanda": old.Application})})
	})
	return out, err
}

// mine returns one of the applicant's civil-invalidity applications;
// anybody else's is "not found".
func (s *Service) mine(ctx context.Context, a identity.Actor, number string) (store.Application, error) {
	app, err := s.db.ApplicationByNumber(ctx, strings.TrimSpace(number))
	if err != nil || app.Kind != Kind || identity.Can(a, identity.Update, identity.Resource{Kind: identity.KindApplication, Subject: app.Applicant}) != nil ||
		app.Applicant != applicant(a) {
		return store.Application{}, apperr.New(apperr.NotFound, "Domanda non trovata.")
	}
	return app, nil
}

// Filed is a sent application with its record, visits and history, for
// whoever may read it (ST-1, INV-8).
type Filed struct {
	store.Application
	Record  Record
	Visits  []store.Visit
	History []history.Event
}

// Application returns an application to the applicant, whoever acts for
// them, and the staff of its office; the read is audited.
func (s *Service) Application(ctx context.Context, a identity.Actor, number string) (Filed, error) {
	f, err := s.read(ctx, a, number)
	if err != nil {
		return f, err
	}
	if f.History, err = s.db.CaseHistory(ctx, "application", f.Number); err != nil {
		return f, err
	}
	return f, s.db.Audit(ctx, audit.Entry{Actor: a.ID(), ActingFor: a.ActingForID(), Channel: a.Channel, Action: "application.read",
		Subject: "person:" + f.Applicant, Detail: mustJSON(map[string]string{"domanda": f.Number})})
}
