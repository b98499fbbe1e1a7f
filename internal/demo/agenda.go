package demo

import (
	"context"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/store"
)

const agendaMetaKey = "demo_agenda_loaded_at"

// AgendaASLs are the health authorities whose demo agenda is loaded, with
// the place of their commission.
var AgendaASLs = map[string]string{
	"ASL-RM1": "Poliambulatorio di via Luzzatti 8, Roma",
	"ATS-MI":  "Presidio di via Ricordi 1, Milano",
	"ASL-TO":  "Poliambulatorio di via Monginevro 130, Torino",
}

// LoadAgenda gives each demo health authority visit slots from the
// second weekday after today for twelve weeks: mornings at 9:00 and 11:00
// (4 people each) and home visits on Tuesdays and Thursdays at 15:00 (2
// people), so that civil-invalidity applications get a visit date at once
// (AG-1). Relative to the day it is loaded; once per database.
func LoadAgenda(ctx context.Context, db *store.DB, today time.Time) (bool, error) {
	if at, err := db.Meta(ctx, agendaMetaKey); err != nil || at != "" {
		return false, err
	}
	y, m, d := today.In(clock.Rome).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, clock.Rome).AddDate(0, 0, 2)
	return true, db.InTx(ctx, func(tx *store.Tx) error {
		for _, asl := range []string{"ASL-RM1", "ATS-MI", "ASL-TO"} {
			for day := start; day.Before(start.AddDate(0, 0, 84)); day = day.AddDate(0, 0, 1) {
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
					continue
				}
				at := func(h int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, clock.Rome) }
				slots := []store.Slot{
					{StartsAt: at(9), Place: AgendaASLs[asl], Commission: "Commissione medica 1", Capacity: 4},
					{StartsAt: at(11), Place: AgendaASLs[asl], Commission: "Commissione medica 2", Capacity: 4},
				}
				if wd := day.Weekday(); wd == time.Tuesday || wd == time.Thursday {
					slots = append(slots, store.Slot{StartsAt: at(15), Place: "Visite domiciliari – " + asl, Commission: "Commissione medica domiciliare", Capacity: 2, Home: true})
				}
				for _, s := range slots {
					s.ASL, s.CreatedBy = asl, "system"
					if _, err := tx.AddSlot(ctx, s); err != nil {
						return err
					}
				}
			}
		}
		return tx.SetMeta(ctx, agendaMetaKey, tx.Now().Format("2006-01-02T15:04:05Z"))
	})
}
