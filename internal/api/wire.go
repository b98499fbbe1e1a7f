package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/protocol"
)

// Wire types: what clients send and receive, kept apart from the domain
// types so that the domain can change without breaking clients. Times are
// RFC 3339 in Europe/Rome (with the offset), the agency's business time.

// Status describes the running service.
type Status struct {
	Service       string    `json:"service" enum:"sportello" doc:"Always \"sportello\"."`
	Version       string    `json:"version" doc:"The build's version."`
	Time          time.Time `json:"time" doc:"The server's time, RFC 3339 in Europe/Rome."`
	SchemaVersion int       `json:"schema_version" doc:"The database schema version."`
}

// NewRegistration is the body of a registration request.
type NewRegistration struct {
	Kind          string `json:"kind" minLength:"1" maxLength:"64" pattern:"^[a-z][a-z0-9_]*$" example:"domanda_cbt" doc:"Document kind: lower-case letters, digits and _."`
	Subject       string `json:"subject" minLength:"1" maxLength:"500" example:"Domanda di cure balneotermali" doc:"Subject (oggetto)."`
	Correspondent string `json:"correspondent" minLength:"1" maxLength:"200" example:"RSSMRA56L12H501D" doc:"Sender of the document (mittente), e.g. a codice fiscale."`
	Content       string `json:"content,omitempty" maxLength:"65536" doc:"The registered content, at most 64 KiB (65,536 bytes of UTF-8). Its SHA-256 is the digest."`
}

// MaxContentBytes bounds the registered content.
const MaxContentBytes = 64 << 10

// Registration is an entry of a register.
type Registration struct {
	ID            int64     `json:"id" doc:"The registration's identifier."`
	Register      string    `json:"register" example:"protocollo" doc:"The register: protocollo (general protocol register) or certificati."`
	Number        string    `json:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"Registration number AAAAnnnnnnn: the year in Europe/Rome and a 7-digit progressive restarting at 1 each year."`
	RegisteredAt  time.Time `json:"registered_at" doc:"When it was registered, RFC 3339 in Europe/Rome."`
	Kind          string    `json:"kind" doc:"Document kind."`
	Subject       string    `json:"subject" doc:"Subject (oggetto)."`
	Correspondent string    `json:"correspondent" doc:"Sender or recipient."`
	Digest        string    `json:"digest" pattern:"^[0-9a-f]{64}$" doc:"Hex SHA-256 of the content (impronta)."`
	Corrects      int64     `json:"corrects,omitempty" doc:"ID of the registration this one corrects, if it is a correction."`
	Annulled      bool      `json:"annulled" doc:"Whether the registration has been annulled (it stays readable)."`
}

// RegistrationDetail is a registration with its content, annulment and
// history.
type RegistrationDetail struct {
	Registration
	Content   string     `json:"content" doc:"The registered content."`
	Annulment *Annulment `json:"annulment,omitempty" doc:"Present if the registration is annulled."`
	History   []Event    `json:"history" nullable:"false" doc:"The registration's events, oldest first."`
}

// Annulment marks an annulled registration (DPR 445/2000 art. 54).
type Annulment struct {
	AnnulledAt time.Time `json:"annulled_at" doc:"RFC 3339, Europe/Rome."`
	Actor      string    `json:"actor" doc:"Who annulled it."`
	Reason     string    `json:"reason" doc:"The measure authorising the annulment."`
}

// Event is a step in a case's history.
type Event struct {
	Seq       int64          `json:"seq" doc:"Position within the case, from 1."`
	At        time.Time      `json:"at" doc:"RFC 3339, Europe/Rome."`
	Kind      string         `json:"kind" example:"registered"`
	Actor     string         `json:"actor" example:"office:7"`
	ActingFor string         `json:"acting_for,omitempty" doc:"On whose behalf the actor acted."`
	Channel   string         `json:"channel" example:"api"`
	Payload   map[string]any `json:"payload" doc:"Event-specific data."`
}

func rome(t time.Time) time.Time { return t.In(clock.Rome) }

func registrationOut(r protocol.Registration, annulled bool) Registration {
	return Registration{
		ID: r.ID, Register: string(r.Register), Number: r.Number.String(), RegisteredAt: rome(r.RegisteredAt),
		Kind: r.Kind, Subject: r.Subject, Correspondent: r.Correspondent, Digest: r.Digest,
		Corrects: r.Corrects, Annulled: annulled,
	}
}

func annulmentOut(a protocol.Annulment) *Annulment {
	return &Annulment{AnnulledAt: rome(a.AnnulledAt), Actor: a.Actor, Reason: a.Reason}
}

func eventOut(e history.Event) (Event, error) {
	out := Event{Seq: e.Seq, At: rome(e.At), Kind: e.Kind, Actor: e.Actor, ActingFor: e.ActingFor, Channel: e.Channel,
		Payload: map[string]any{}}
	if e.Payload != "" {
		if err := json.Unmarshal([]byte(e.Payload), &out.Payload); err != nil {
			return out, fmt.Errorf("api: payload of event %d: %w", e.ID, err)
		}
	}
	if out.Payload == nil { // the payload was JSON null
		out.Payload = map[string]any{}
	}
	return out, nil
}
