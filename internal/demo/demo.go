// Package demo loads demonstration data into an empty database, so that a
// fresh clone shows a working service at once. Every record goes through
// the same store operations as real ones: numbers come from the registers,
// each record has its history and its audit entries.
//
// The people and codici fiscali are invented (with valid check characters).
// Later capabilities (people, doctors, applications) add their own demo data
// here.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
	"github.com/sportello/sportello/internal/store"
)

// metaKey marks a database that holds demo data.
const metaKey = "demo_loaded_at"

// ErrNotEmpty is returned when the database already holds real records.
var ErrNotEmpty = errors.New("demo: the database already holds records; demo data are loaded only into an empty database")

// Result tells what Load did.
type Result struct {
	AlreadyLoaded bool
	Registrations int
}

type item struct {
	reg           protocol.Register
	kind, subject string
	correspondent string
	payload       string
	actor         string
	actingFor     string
	channel       string
	corrects      int // index+1 of the item this one corrects
	annulReason   string
}

var items = []item{
	{reg: protocol.Certificates, kind: "certificato_cbt", subject: "Certificato medico per cure balneotermali",
		correspondent: "RSSMRA56L12H501D", actor: "doctor:demo-bianchi", channel: history.ChannelWeb,
		payload: `{"patologia":"reumoartropatica","diagnosi":"Artrosi polidistrettuale","terapia":"fanghi e bagni termali"}`},
	{reg: protocol.Certificates, kind: "certificato_cbt", subject: "Certificato medico per cure balneotermali",
		correspondent: "VRDGNN60B45F205Y", actor: "doctor:demo-bianchi", channel: history.ChannelWeb,
		payload: `{"patologia":"broncoreumoartropatica","diagnosi":"Bronchite cronica","terapia":"inalazioni"}`},
	{reg: protocol.Certificates, kind: "certificato_cbt", subject: "Certificato medico per cure balneotermali (rettifica)",
		correspondent: "VRDGNN60B45F205Y", actor: "doctor:demo-bianchi", channel: history.ChannelWeb, corrects: 2,
		payload: `{"patologia":"broncopneumopatica","diagnosi":"Bronchite cronica semplice","terapia":"inalazioni e aerosol"}`},
	{reg: protocol.Certificates, kind: "certificato_invalidita", subject: "Certificato medico introduttivo di invalidità civile",
		correspondent: "BNCLGU48D10L219Y", actor: "doctor:demo-bianchi", channel: history.ChannelAPI,
		payload: `{"diagnosi":"Esiti di ictus cerebrale","anamnesi":"ipertensione arteriosa"}`},
	{reg: protocol.General, kind: "domanda_cbt", subject: "Domanda di cure balneotermali",
		correspondent: "RSSMRA56L12H501D", actor: "citizen:RSSMRA56L12H501D", channel: history.ChannelWeb,
		payload: `{"anno":"corrente","cura":"fanghi"}`},
	{reg: protocol.General, kind: "domanda_cbt", subject: "Domanda di cure balneotermali",
		correspondent: "VRDGNN60B45F205Y", actor: "operator:demo-cc1", actingFor: "citizen:VRDGNN60B45F205Y",
		channel: history.ChannelContactCentre, payload: `{"anno":"corrente","cura":"inalazioni"}`},
	{reg: protocol.General, kind: "domanda_invalidita", subject: "Domanda di invalidità civile",
		correspondent: "BNCLGU48D10L219Y", actor: "intermediary:demo-patronato", actingFor: "citizen:BNCLGU48D10L219Y",
		channel: history.ChannelIntermediary, payload: `{"accertamenti":["invalidita","handicap"]}`,
		annulReason: "Domanda presentata due volte per errore: annullata su richiesta del patronato (demo)"},
	{reg: protocol.General, kind: "domanda_invalidita", subject: "Domanda di invalidità civile",
		correspondent: "BNCLGU48D10L219Y", actor: "intermediary:demo-patronato", actingFor: "citizen:BNCLGU48D10L219Y",
		channel: history.ChannelIntermediary, payload: `{"accertamenti":["invalidita","handicap"]}`},
}

// Load puts the demo data into db if it is empty. It does nothing if demo
// data were loaded before, and returns ErrNotEmpty if the database holds
// other records.
func Load(ctx context.Context, db *store.DB) (Result, error) {
	if at, err := db.Meta(ctx, metaKey); err != nil {
		return Result{}, err
	} else if at != "" {
		return Result{AlreadyLoaded: true}, nil
	}
	if empty, err := db.IsEmpty(ctx); err != nil {
		return Result{}, err
	} else if !empty {
		return Result{}, ErrNotEmpty
	}
	var res Result
	err := db.InTx(ctx, func(tx *store.Tx) error {
		res = Result{}
		ids := make([]int64, len(items))
		for i, it := range items {
			var corrects int64
			if it.corrects > 0 {
				corrects = ids[it.corrects-1]
			}
			r, err := tx.Register(ctx, protocol.NewRegistration{Register: it.reg, Kind: it.kind, Subject: it.subject,
				Correspondent: it.correspondent, Payload: it.payload, Corrects: corrects, Actor: it.actor, Channel: it.channel})
			if err != nil {
				return fmt.Errorf("demo item %d: %w", i+1, err)
			}
			ids[i] = r.ID
			caseID := fmt.Sprint(r.ID)
			if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "registration", CaseID: caseID, Kind: "registered",
				Actor: it.actor, ActingFor: it.actingFor, Channel: it.channel,
				Payload: fmt.Sprintf(`{"number":%q}`, r.Number.String())}); err != nil {
				return err
			}
			if err := tx.Audit(audit.Entry{Actor: it.actor, ActingFor: it.actingFor, Channel: it.channel,
				Action: "registration.create", Subject: "person:" + it.correspondent,
				Detail: fmt.Sprintf(`{"registration":%d,"number":%q}`, r.ID, r.Number.String())}); err != nil {
				return err
			}
			if it.annulReason != "" {
				if _, err := tx.Annul(ctx, protocol.Annulment{RegistrationID: r.ID, Actor: "office:demo-roma", Reason: it.annulReason}); err != nil {
					return err
				}
				if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "registration", CaseID: caseID, Kind: "annulled",
					Actor: "office:demo-roma", Channel: history.ChannelOffice, Payload: `{}`}); err != nil {
					return err
				}
			}
			res.Registrations++
		}
		return tx.SetMeta(ctx, metaKey, tx.Now().Format("2006-01-02T15:04:05Z"))
	})
	return res, err
}
