// Package history is the case history (ST-1): an append-only list of events
// per case, written in the same transaction as each change of state, so the
// history always tells what the current state is and how it came to be.
package history

import (
	"time"

	"github.com/sportello/sportello/internal/apperr"
)

// Channels an action can come through (CH-1, CH-2).
const (
	ChannelWeb           = "web"
	ChannelAPI           = "api"
	ChannelContactCentre = "contact_centre"
	ChannelIntermediary  = "intermediary"
	ChannelOffice        = "office"
	ChannelPaper         = "paper"
	ChannelSystem        = "system"
)

// Event is one step in the life of a case.
type Event struct {
	ID        int64
	CaseKind  string // e.g. "registration", "certificate", "application"
	CaseID    string
	Seq       int64     // position within the case, from 1
	At        time.Time // UTC
	Kind      string    // e.g. "registered", "submitted", "granted"
	Actor     string
	ActingFor string
	Channel   string
	Payload   string // JSON
}

// Validate checks what a caller must supply.
func (e Event) Validate() error {
	fields := map[string]string{}
	if e.CaseKind == "" {
		fields["case_kind"] = "Indicare il tipo di pratica."
	}
	if e.CaseID == "" {
		fields["case_id"] = "Indicare la pratica."
	}
	if e.Kind == "" {
		fields["kind"] = "Indicare l'evento."
	}
	if e.Actor == "" {
		fields["actor"] = "Indicare chi agisce."
	}
	if e.Channel == "" {
		fields["channel"] = "Indicare il canale."
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "Evento incompleto.", Fields: fields}
	}
	return nil
}
