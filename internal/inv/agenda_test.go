package inv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/certificate"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/inv"
	"github.com/sportello/sportello/internal/store"
	"github.com/sportello/sportello/internal/store/storetest"
)

// rome is n days after the start at hh:mm in Rome.
func rome(t *testing.T, n int, hhmm string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", day(n)+" "+hhmm, clock.Rome)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func ids(slots []store.Slot) []int64 {
	var out []int64
	for _, s := range slots {
		out = append(out, s.ID)
	}
	return out
}

func (e env) booked(t *testing.T, s store.Slot) int {
	t.Helper()
	got, err := e.db.SlotByID(context.Background(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Booked
}

// states returns an application's bookings as "summons:state:slot".
func (e env) states(t *testing.T, number string) []string {
	t.Helper()
	vs, err := e.db.Visits(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%d:%s:%d", v.Summons, v.State, v.Slot.ID))
	}
	return out
}

// REQ AG-1: the ASL's staff add slots to their own agenda, every wrong
// field named in Italian, only in the future and at most two years ahead;
// nobody else adds or lists them, and each ASL lists only its own.
func TestAddSlot(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		ok := inv.NewSlot{Day: day(10), Time: "09:30", Place: "Via Rocca di Papa 9, Roma", Commission: "Commissione 3", Capacity: 12}
		for _, tc := range []struct {
			name string
			edit func(*inv.NewSlot)
			want map[string]string
		}{
			{"no day", func(n *inv.NewSlot) { n.Day = "" }, map[string]string{"giorno": "gg/mm/aaaa"}},
			{"day as typed in Italy", func(n *inv.NewSlot) { n.Day = "12/03/2026" }, map[string]string{"giorno": "gg/mm/aaaa"}},
			{"no time", func(n *inv.NewSlot) { n.Time = "" }, map[string]string{"ora": "hh:mm"}},
			{"time out of range", func(n *inv.NewSlot) { n.Time = "25:00" }, map[string]string{"ora": "hh:mm"}},
			{"this morning", func(n *inv.NewSlot) { n.Day, n.Time = day(0), "09:00" }, map[string]string{"giorno": "nel futuro"}},
			{"now", func(n *inv.NewSlot) { n.Day, n.Time = day(0), "10:00" }, map[string]string{"giorno": "nel futuro"}},
			{"yesterday", func(n *inv.NewSlot) { n.Day = day(-1) }, map[string]string{"giorno": "nel futuro"}},
			{"beyond two years", func(n *inv.NewSlot) { n.Day, n.Time = "2028-03-02", "10:01" }, map[string]string{"giorno": "due anni"}},
			{"no place", func(n *inv.NewSlot) { n.Place = " " }, map[string]string{"luogo": "luogo della visita"}},
			{"place too long", func(n *inv.NewSlot) { n.Place = strings.Repeat("x", 121) }, map[string]string{"luogo": "120"}},
			{"no commission", func(n *inv.NewSlot) { n.Commission = "" }, map[string]string{"commissione": "commissione medica"}},
			{"commission too long", func(n *inv.NewSlot) { n.Commission = strings.Repeat("x", 121) }, map[string]string{"commissione": "120"}},
			{"no places", func(n *inv.NewSlot) { n.Capacity = 0 }, map[string]string{"posti": "da 1 a 500"}},
			{"too many places", func(n *inv.NewSlot) { n.Capacity = 501 }, map[string]string{"posti": "da 1 a 500"}},
			{"everything wrong", func(n *inv.NewSlot) { *n = inv.NewSlot{Day: day(-3), Time: "08:00"} },
				map[string]string{"giorno": "futuro", "luogo": "luogo", "commissione": "commissione", "posti": "da 1 a 500"}},
		} {
			n := ok
			tc.edit(&n)
			_, err := e.svc.AddSlot(ctx, aslRM5, n)
			got := fieldsOf(t, err)
			if len(got) != len(tc.want) {
				t.Errorf("%s: fields %v, want %v", tc.name, got, tc.want)
			}
			for k, v := range tc.want {
				if !strings.Contains(got[k], v) {
					t.Errorf("%s: %s = %q, want it to say %q", tc.name, k, got[k], v)
				}
			}
		}
		if all, total, err := e.db.Slots(ctx, store.SlotFilter{ASL: "ASL-RM5", From: start.AddDate(-1, 0, 0)}); err != nil || total != 0 {
			t.Fatalf("refused slots were stored: %+v, %v", all, err)
		}
		// The limits themselves are accepted: two years ahead to the
		// minute, 500 places, a minute from now.
		for _, n := range []inv.NewSlot{
			{Day: "2028-03-02", Time: "10:00", Place: "Roma", Commission: "C1", Capacity: 500},
			{Day: day(0), Time: "10:01", Place: "Roma", Commission: "C1", Capacity: 1},
		} {
			if _, err := e.svc.AddSlot(ctx, aslRM5, n); err != nil {
				t.Errorf("%+v: %v", n, err)
			}
		}
		s, err := e.svc.AddSlot(ctx, aslRM5, ok)
		if err != nil {
			t.Fatal(err)
		}
		if s.ID == 0 || s.ASL != "ASL-RM5" || !s.StartsAt.Equal(rome(t, 10, "09:30")) || s.Capacity != 12 || s.Booked != 0 || s.Home ||
			s.CreatedBy != aslRM5.ID() || s.Place != ok.Place {
			t.Errorf("slot = %+v", s)
		}
		h := ok
		h.Home, h.Place = true, "Distretto 6"
		if s, err := e.svc.AddSlot(ctx, aslRM5, h); err != nil || !s.Home || s.Place != "Visite domiciliari – Distretto 6" {
			t.Errorf("home slot = %+v, %v", s, err)
		}
		rm1 := e.slot(t, aslRM1, 5, "09:00", 3, false)
		// Only the ASL's staff, with their ASL.
		noScope := aslRM5
		noScope.Scope = ""
		for _, a := range []identity.Actor{citizen, staffRM01, doc, noScope, identity.Anonymous} {
			if _, err := e.svc.AddSlot(ctx, a, ok); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s adds a slot: %v", a.ID(), err)
			}
			if _, _, err := e.svc.Agenda(ctx, a, start, 50, 0); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s lists the agenda: %v", a.ID(), err)
			}
		}
		got, total, err := e.svc.Agenda(ctx, aslRM5, start, 50, 0)
		if err != nil || total != 4 || len(got) != 4 || slices.Contains(ids(got), rm1.ID) {
			t.Errorf("ASL-RM5's agenda = %+v (%d), %v", got, total, err)
		}
		for i := 1; i < len(got); i++ {
			if got[i].StartsAt.Before(got[i-1].StartsAt) {
				t.Errorf("agenda not in time order: %+v", got)
			}
		}
		// From a later day, a page at a time.
		if got, total, err := e.svc.Agenda(ctx, aslRM5, rome(t, 1, "00:00"), 1, 1); err != nil || total != 3 || len(got) != 1 {
			t.Errorf("page = %+v (%d), %v", got, total, err)
		}
		if got, _, err := e.svc.Agenda(ctx, aslRM1, start, 50, 0); err != nil || !slices.Equal(ids(got), []int64{rm1.ID}) {
			t.Errorf("ASL-RM1's agenda = %+v, %v", got, err)
		}
	})
}

// REQ AG-1 AUD-1 AUD-2: the staff of the slot's ASL see the people booked
// in it with their Domus numbers, each reading audited under the person;
// anyone else gets "not found".
func TestSlotList(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		s := e.slot(t, aslRM5, 12, "09:00", 4, false)
		later := e.slot(t, aslRM5, 14, "09:00", 4, false)
		m := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		l := e.send(t, luigiAct, complete(e.cert(t, luigi, certificate.Invalidity{})))
		before := len(e.trail(t, mario, "application.read"))
		sl, people, err := e.svc.SlotList(ctx, aslRM5, s.ID)
		if err != nil || sl.ID != s.ID || sl.Booked != 2 || len(people) != 2 {
			t.Fatalf("slot %+v, people %+v, %v", sl, people, err)
		}
		if people[0].Application != m.Number || people[0].Person.FamilyName != "Rossi" || people[0].Domus != m.Domus ||
			people[1].Application != l.Number || people[1].Person.FamilyName != "Verdi" || people[1].Domus != l.Domus {
			t.Errorf("people = %+v", people)
		}
		for _, who := range []string{mario, luigi} {
			reads := e.trail(t, who, "application.read")
			if who == mario {
				reads = reads[before:]
			}
			if len(reads) != 1 || reads[0].Actor != aslRM5.ID() || !strings.Contains(reads[0].Detail, fmt.Sprintf(`"seduta":"%d"`, s.ID)) {
				t.Errorf("reads of %s = %+v", who, reads)
			}
		}
		// Another ASL, a citizen, an office: not found, not audited.
		for _, a := range []identity.Actor{aslRM1, citizen, staffRM01, identity.Anonymous} {
			if _, _, err := e.svc.SlotList(ctx, a, s.ID); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s lists the slot: %v", a.ID(), err)
			}
		}
		if _, _, err := e.svc.SlotList(ctx, aslRM5, 999999); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown slot: %v", err)
		}
		if n := len(e.trail(t, mario, "application.read")); n != before+1 {
			t.Errorf("%d reads audited, want %d", n, before+1)
		}
		// Mario moves to the later date: the list follows him.
		if _, err := e.svc.ChangeDate(ctx, citizen, m.Number, later.ID); err != nil {
			t.Fatal(err)
		}
		if _, people, err := e.svc.SlotList(ctx, aslRM5, s.ID); err != nil || len(people) != 1 || people[0].Application != l.Number {
			t.Errorf("after the move the slot lists %+v, %v", people, err)
		}
		if _, people, err := e.svc.SlotList(ctx, aslRM5, later.ID); err != nil || len(people) != 1 || people[0].Application != m.Number {
			t.Errorf("the later slot lists %+v, %v", people, err)
		}
	})
}

// REQ AG-2 AUD-1 AUD-2: the applicant (or whoever acts for them) may move
// the proposed date once, to a free slot of the same ASL and kind no later
// than ChangeWithinDays after it, up to ChangeUntilDays before the visit;
// the old place is given back; nobody else sees or changes it.
func TestChangeDate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		full := e.slot(t, aslRM5, 16, "09:00", 1, false)
		g := e.send(t, forPerson(21, giulia), inv.Draft{Email: "g@esempio.it", Request: inv.First, Assessments: []string{"invalidita"},
			Certificate: e.cert(t, giulia, certificate.Invalidity{}), Office: "RM01", ASL: "ASL-RM5", Declared: true, HasGuardian: true,
			Guardian: &inv.Guardian{FiscalCode: cf("BNCMRC80A01H501"), GivenName: "Marco", FamilyName: "Bianchi", Relation: "genitore"}})
		if g.Visit == nil || g.Visit.Slot.ID != full.ID {
			t.Fatalf("Giulia's visit = %+v", g.Visit)
		}
		first := e.slot(t, aslRM5, 10, "09:00", 2, false)
		m := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		l := e.send(t, luigiAct, complete(e.cert(t, luigi, certificate.Invalidity{})))
		if m.Visit == nil || m.Visit.Slot.ID != first.ID || l.Visit == nil || l.Visit.Slot.ID != first.ID {
			t.Fatalf("visits: %+v, %+v", m.Visit, l.Visit)
		}
		later := e.slot(t, aslRM5, 15, "09:00", 1, false)
		edge := e.slot(t, aslRM5, 70, "23:30", 3, false) // the 60th day after the proposed one
		beyond := e.slot(t, aslRM5, 71, "00:00", 3, false)
		home := e.slot(t, aslRM5, 15, "10:00", 3, true)
		rm1 := e.slot(t, aslRM1, 15, "11:00", 3, false)

		ch, err := e.svc.ChangeOptions(ctx, citizen, m.Number)
		if err != nil || !ch.Allowed || ch.Reason != "" || ch.Visit == nil || ch.Visit.Slot.ID != first.ID ||
			!slices.Equal(ids(ch.Slots), []int64{later.ID, edge.ID}) || !ch.Until.Equal(rome(t, 8, "00:00")) {
			t.Fatalf("options = %+v, %v; want slots %d and %d", ch, err, later.ID, edge.ID)
		}
		// Nobody else sees or moves Mario's visit.
		forLuigi := patronat
		forLuigi.ActingFor = luigi
		for _, a := range []identity.Actor{luigiAct, forLuigi, staffRM01, aslRM5, doc} {
			if _, err := e.svc.ChangeOptions(ctx, a, m.Number); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s sees the options: %v", a.ID(), err)
			}
			if _, err := e.svc.ChangeDate(ctx, a, m.Number, later.ID); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s moves the visit: %v", a.ID(), err)
			}
		}
		// Only the offered dates.
		for name, id := range map[string]int64{"beyond the limit": beyond.ID, "at home": home.ID, "another ASL": rm1.ID, "full": full.ID,
			"the same": first.ID, "unknown": 999999} {
			_, err := e.svc.ChangeDate(ctx, citizen, m.Number, id)
			if f := fieldsOf(t, err); len(f) != 1 || !strings.Contains(f["seduta"], "date proposte") {
				t.Errorf("%s: %v", name, f)
			}
		}
		if got := e.states(t, m.Number); !slices.Equal(got, []string{fmt.Sprintf("1:booked:%d", first.ID)}) {
			t.Errorf("refused changes touched the visits: %v", got)
		}
		// The patronato moves it for Mario.
		v, err := e.svc.ChangeDate(ctx, patronat, " "+m.Number, later.ID)
		if err != nil || v.Slot.ID != later.ID || v.Summons != 1 || v.State != store.VisitBooked || v.BookedBy != patronat.ID() {
			t.Fatalf("moved = %+v, %v", v, err)
		}
		if e.booked(t, first) != 1 || e.booked(t, later) != 1 {
			t.Errorf("places: first %d (want 1: Luigi's), later %d", e.booked(t, first), e.booked(t, later))
		}
		if got := e.states(t, m.Number); !slices.Equal(got, []string{fmt.Sprintf("1:moved:%d", first.ID), fmt.Sprintf("1:booked:%d", later.ID)}) {
			t.Errorf("visits = %v", got)
		}
		evs, _ := e.db.CaseHistory(ctx, "application", m.Number)
		last := evs[len(evs)-1]
		var p map[string]string
		if err := json.Unmarshal([]byte(last.Payload), &p); err != nil || last.Kind != "visit_moved" || last.Actor != patronat.ID() ||
			last.ActingFor != "citizen:"+mario || p["da"] != first.StartsAt.Format(time.RFC3339) || p["a"] != later.StartsAt.Format(time.RFC3339) {
			t.Errorf("event = %+v, %v", last, err)
		}
		if en := e.trail(t, mario, "application.visit.move"); len(en) != 1 || en[0].Actor != patronat.ID() || en[0].ActingFor != "citizen:"+mario {
			t.Errorf("audit = %+v", en)
		}
		// Once only.
		ch, err = e.svc.ChangeOptions(ctx, citizen, m.Number)
		if err != nil || ch.Allowed || !strings.Contains(ch.Reason, "già stata cambiata") || len(ch.Slots) != 0 {
			t.Errorf("options after the change = %+v, %v", ch, err)
		}
		if _, err := e.svc.ChangeDate(ctx, citizen, m.Number, edge.ID); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second change: %v", err)
		}
		if got := e.states(t, m.Number); len(got) != 2 || e.booked(t, edge) != 0 {
			t.Errorf("the second change touched the visits: %v", got)
		}
		// Luigi, who has not changed his: allowed until the end of the
		// 3rd day before the visit, refused from the 2nd.
		e.clk.Set(rome(t, 7, "23:59"))
		ch, err = e.svc.ChangeOptions(ctx, luigiAct, l.Number)
		if err != nil || !ch.Allowed || !slices.Equal(ids(ch.Slots), []int64{edge.ID}) {
			t.Errorf("Luigi's options on the 7th day = %+v, %v (the later slot is full)", ch, err)
		}
		e.clk.Set(rome(t, 8, "00:00"))
		ch, err = e.svc.ChangeOptions(ctx, luigiAct, l.Number)
		if err != nil || ch.Allowed || !strings.Contains(ch.Reason, "fino a 2 giorni prima") {
			t.Errorf("Luigi's options on the 8th day = %+v, %v", ch, err)
		}
		if _, err := e.svc.ChangeDate(ctx, luigiAct, l.Number, edge.ID); !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "2 giorni") {
			t.Errorf("a change 2 days before the visit: %v", err)
		}
		if got := e.states(t, l.Number); !slices.Equal(got, []string{fmt.Sprintf("1:booked:%d", first.ID)}) {
			t.Errorf("Luigi's visits = %v", got)
		}
	})
}

// REQ AG-2: the limits are configuration.
func TestChangeDate_Configured(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnvWith(t, tg, inv.Options{Agenda: inv.Agenda{ChangeUntilDays: 5, ChangeWithinDays: 10}})
		first := e.slot(t, aslRM5, 10, "09:00", 2, false)
		in := e.slot(t, aslRM5, 20, "09:00", 2, false)
		out := e.slot(t, aslRM5, 21, "09:00", 2, false)
		m := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		ch, err := e.svc.ChangeOptions(ctx, citizen, m.Number)
		if err != nil || !ch.Allowed || !slices.Equal(ids(ch.Slots), []int64{in.ID}) || !ch.Until.Equal(rome(t, 5, "00:00")) {
			t.Errorf("options = %+v, %v (first %d, out %d)", ch, err, first.ID, out.ID)
		}
		e.clk.Set(rome(t, 5, "00:00"))
		if ch, err := e.svc.ChangeOptions(ctx, citizen, m.Number); err != nil || ch.Allowed || !strings.Contains(ch.Reason, "5 giorni") {
			t.Errorf("options 5 days before = %+v, %v", ch, err)
		}
	})
}

// REQ AG-3 INV-6 CERT-9 AUD-1: only the staff of the slot's ASL record
// presence or absence, from the time of the visit; present, the
// application is visited; absent at the first summons, a second one is
// booked; absent again, the application is renounced, and a new one can
// be sent with a new certificate.
func TestRecordVisit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		s1 := e.slot(t, aslRM5, 10, "09:00", 5, false)
		soon := e.slot(t, aslRM5, 15, "09:00", 5, false) // within the notice of a summons on the 10th day
		s2 := e.slot(t, aslRM5, 25, "09:00", 5, false)
		cert := e.cert(t, mario, certificate.Invalidity{})
		m := e.send(t, citizen, complete(cert))
		l := e.send(t, luigiAct, complete(e.cert(t, luigi, certificate.Invalidity{})))
		if m.Visit == nil || m.Visit.Slot.ID != s1.ID || l.Visit == nil || l.Visit.Slot.ID != s1.ID {
			t.Fatalf("visits: %+v, %+v", m.Visit, l.Visit)
		}
		// Not before the visit.
		e.clk.Set(rome(t, 10, "08:59"))
		if _, err := e.svc.RecordVisit(ctx, aslRM5, m.Number, false); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("recorded before the visit: %v", err)
		}
		e.clk.Set(rome(t, 10, "09:00"))
		// Only the slot's ASL.
		for _, a := range []identity.Actor{aslRM1, citizen, staffRM01, patronat, doc} {
			if _, err := e.svc.RecordVisit(ctx, a, m.Number, false); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("%s records: %v", a.ID(), err)
			}
		}
		if _, err := e.svc.RecordVisit(ctx, aslRM5, "20269999999", false); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("an unknown application: %v", err)
		}
		if got := e.states(t, m.Number); !slices.Equal(got, []string{fmt.Sprintf("1:booked:%d", s1.ID)}) {
			t.Errorf("refused records touched the visits: %v", got)
		}
		// Absent at the first summons: a second one, with notice.
		app, err := e.svc.RecordVisit(ctx, aslRM5, " "+m.Number+" ", false)
		if err != nil || app.State != store.AppSubmitted {
			t.Fatalf("first absence: %+v, %v", app, err)
		}
		if got := e.states(t, m.Number); !slices.Equal(got, []string{fmt.Sprintf("1:absent:%d", s1.ID), fmt.Sprintf("2:booked:%d", s2.ID)}) {
			t.Errorf("visits after the first absence = %v (soon %d)", got, soon.ID)
		}
		if e.booked(t, s1) != 2 {
			t.Errorf("an absence gave the place back: %d", e.booked(t, s1))
		}
		if k := e.kinds(t, m.Number); !slices.Equal(k, []string{"submitted", "visit_booked", "visit_absent", "visit_booked"}) {
			t.Errorf("history = %v", k)
		}
		evs, _ := e.db.CaseHistory(ctx, "application", m.Number)
		if !strings.Contains(evs[3].Payload, `"convocazione":"2"`) || evs[2].Actor != aslRM5.ID() {
			t.Errorf("events = %+v", evs)
		}
		// Luigi came.
		if app, err := e.svc.RecordVisit(ctx, aslRM5, l.Number, true); err != nil || app.State != store.AppVisited {
			t.Errorf("presence: %+v, %v", app, err)
		}
		if k := e.kinds(t, l.Number); !slices.Equal(k, []string{"submitted", "visit_booked", "visit_present"}) {
			t.Errorf("Luigi's history = %v", k)
		}
		if got, _ := e.db.ApplicationByNumber(ctx, l.Number); got.State != store.AppVisited {
			t.Errorf("Luigi's application is %s", got.State)
		}
		if _, err := e.svc.Send(ctx, luigiAct, complete(e.cert(t, luigi, certificate.Invalidity{}))); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("a new application while the visited one is in progress: %v", err)
		}
		// The second summons is not there yet.
		if _, err := e.svc.RecordVisit(ctx, aslRM5, m.Number, false); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("second summons recorded early: %v", err)
		}
		// Absent again: renounced.
		e.clk.Set(rome(t, 25, "12:00"))
		app, err = e.svc.RecordVisit(ctx, aslRM5, m.Number, false)
		if err != nil || app.State != store.AppRenounced {
			t.Fatalf("second absence: %+v, %v", app, err)
		}
		f, err := e.svc.Application(ctx, citizen, m.Number)
		if err != nil || f.State != store.AppRenounced || len(f.Visits) != 2 || f.Visits[1].State != store.VisitAbsent {
			t.Errorf("renounced application = %+v, %v", f, err)
		}
		if k := e.kinds(t, m.Number); !slices.Equal(k, []string{"submitted", "visit_booked", "visit_absent", "visit_booked", "visit_absent", "renounced"}) {
			t.Errorf("history = %v", k)
		}
		if last := f.History[len(f.History)-1]; !strings.Contains(last.Payload, "rinunciata") {
			t.Errorf("the renunciation says %s", last.Payload)
		}
		if _, err := e.svc.RecordVisit(ctx, aslRM5, m.Number, true); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("recorded after the renunciation: %v", err)
		}
		if ch, err := e.svc.ChangeOptions(ctx, citizen, m.Number); err != nil || ch.Allowed || ch.Visit != nil {
			t.Errorf("options of a renounced application = %+v, %v", ch, err)
		}
		if en := e.trail(t, mario, "application.visit"); len(en) != 2 || !strings.Contains(en[0].Detail, `"esito":"absent"`) || en[1].Actor != aslRM5.ID() {
			t.Errorf("audit = %+v", en)
		}
		// A new application: the old certificate was used, a new one is
		// needed (and is accepted).
		_, err = e.svc.Send(ctx, citizen, complete(cert))
		if f := fieldsOf(t, err); !strings.Contains(f["certificato"], "già stato usato") {
			t.Errorf("the used certificate again: %v", f)
		}
		again := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		if again.Number == m.Number || again.Domus == m.Domus || !domusRE.MatchString(again.Domus) {
			t.Errorf("new application = %+v", again.Application)
		}
	})
}

// REQ AG-3: with no free date for the second summons the application
// waits for the ASL's summons.
func TestRecordVisit_NoSecondDate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		e := newEnv(t, tg)
		e.slot(t, aslRM5, 10, "09:00", 1, false)
		m := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		e.clk.Set(rome(t, 10, "10:00"))
		if app, err := e.svc.RecordVisit(ctx, aslRM5, m.Number, false); err != nil || app.State != store.AppSubmitted {
			t.Fatalf("absence: %+v, %v", app, err)
		}
		if k := e.kinds(t, m.Number); !slices.Equal(k, []string{"submitted", "visit_booked", "visit_absent", "visit_pending"}) {
			t.Errorf("history = %v", k)
		}
		if got := e.states(t, m.Number); len(got) != 1 {
			t.Errorf("visits = %v", got)
		}
	})
}

// REQ AG-3: a double click on "assente" (two requests at once) records one
// absence: the second summons is not taken for a second absence and the
// application is not renounced.
func TestRecordVisit_Concurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e := newEnv(t, tg)
		s1 := e.slot(t, aslRM5, 10, "09:00", 1, false)
		s2 := e.slot(t, aslRM5, 25, "09:00", 1, false)
		m := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		e.clk.Set(rome(t, 10, "10:00"))
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = e.svc.RecordVisit(ctx, aslRM5, m.Number, false) })
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict), apperr.Is(err, apperr.NotFound):
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d absences recorded, want 1", ok)
		}
		if got, _ := e.db.ApplicationByNumber(ctx, m.Number); got.State != store.AppSubmitted {
			t.Errorf("application is %s", got.State)
		}
		if got := e.states(t, m.Number); !slices.Equal(got, []string{fmt.Sprintf("1:absent:%d", s1.ID), fmt.Sprintf("2:booked:%d", s2.ID)}) {
			t.Errorf("visits = %v", got)
		}
	})
}

// REQ AG-2: two changes at once (two tabs, a double click) move the visit
// once; the places of the slots stay right.
func TestChangeDate_Concurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, tg storetest.Target) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e := newEnv(t, tg)
		first := e.slot(t, aslRM5, 10, "09:00", 1, false)
		a := e.slot(t, aslRM5, 15, "09:00", 5, false)
		b := e.slot(t, aslRM5, 16, "09:00", 5, false)
		m := e.send(t, citizen, complete(e.cert(t, mario, certificate.Invalidity{})))
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			to := a.ID
			if i%2 == 1 {
				to = b.ID
			}
			wg.Go(func() { _, errs[i] = e.svc.ChangeDate(ctx, citizen, m.Number, to) })
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		}
		got := e.states(t, m.Number)
		moved := 0
		for _, s := range got {
			if strings.Contains(s, ":moved:") {
				moved++
			}
		}
		if ok != 1 || moved != 1 || len(got) != 2 {
			t.Errorf("%d changes succeeded, visits %v; want one move", ok, got)
		}
		if e.booked(t, first) != 0 || e.booked(t, a)+e.booked(t, b) != 1 {
			t.Errorf("places: first %d, a %d, b %d", e.booked(t, first), e.booked(t, a), e.booked(t, b))
		}
	})
}
