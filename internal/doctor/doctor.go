// Package doctor holds the certifying doctor's own data: the first-access
// declaration (CERT-1) — the relationship with the national health service
// and the doctor's registration with the Ordine dei medici — and the
// practice addresses, which the doctor can add, change and remove (CERT-7).
// Which details go with the declaration is recorded in
// docs/research-certificates.md: the sources name the SSN relationship and
// the register number; the health body and the Ordine's province are our
// decision, so that a certificate names who vouches for the doctor.
package doctor

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/pdf"
	"github.com/sportello/sportello/internal/plain"
)

// Relationships with the national health service (SSN).
const (
	Employee   = "dipendente"    // employed by an SSN body
	Affiliated = "convenzionato" // affiliated (general practitioner, paediatrician, specialist)
)

// Profile is the first-access declaration.
type Profile struct {
	FiscalCode   string
	Relationship string // Employee or Affiliated
	Body         string // the SSN body (ASL, hospital) employing or affiliating the doctor
	RegisterProv string // province of the Ordine dei medici, sigla (RM)
	RegisterNo   string // number in the Ordine's register
	DeclaredAt   time.Time
	UpdatedAt    time.Time
}

// Address is a practice address.
type Address struct {
	ID         int64
	FiscalCode string
	Label      string
	Street     string
	Postcode   string
	Comune     string
	Province   string
	Phone      string // optional
}

var (
	sigla    = regexp.MustCompile(`^[A-Z]{2}$`)
	register = regexp.MustCompile(`^[0-9A-Z/-]{1,12}$`)
	cap      = regexp.MustCompile(`^[0-9]{5}$`)
	phone    = regexp.MustCompile(`^\+?[0-9 ]{6,20}$`)
)

// Validate checks and normalises a declaration; the error lists every
// wrong field in Italian.
func (p *Profile) Validate() error {
	p.Relationship = strings.ToLower(plain.Field(p.Relationship))
	p.Body = plain.Field(p.Body)
	p.RegisterProv = strings.ToUpper(plain.Field(p.RegisterProv))
	p.RegisterNo = strings.ToUpper(plain.Field(p.RegisterNo))
	f := map[string]string{}
	if p.Relationship != Employee && p.Relationship != Affiliated {
		f["rapporto"] = "Dichiarare se si è dipendenti del Servizio sanitario nazionale o convenzionati con esso."
	}
	switch {
	case p.Body == "":
		f["ente"] = "Indicare l'azienda sanitaria o la struttura del Servizio sanitario nazionale."
	case len(p.Body) > 120:
		f["ente"] = "Il nome della struttura può avere al massimo 120 caratteri."
	}
	if !sigla.MatchString(p.RegisterProv) {
		f["ordine_provincia"] = "Indicare la sigla della provincia dell'Ordine dei medici, per esempio RM."
	}
	if !register.MatchString(p.RegisterNo) {
		f["ordine_numero"] = "Indicare il numero di iscrizione all'albo: cifre, al massimo 12 caratteri."
	}
	printable(f, "ente", p.Body)
	return fieldErrors("La dichiarazione non è completa.", f)
}

// Validate checks and normalises a practice address.
func (a *Address) Validate() error {
	a.Label, a.Street, a.Comune = plain.Field(a.Label), plain.Field(a.Street), plain.Field(a.Comune)
	a.Postcode, a.Province = plain.Field(a.Postcode), strings.ToUpper(plain.Field(a.Province))
	a.Phone = plain.Field(a.Phone)
	f := map[string]string{}
	if a.Label == "" || len(a.Label) > 60 {
		f["nome"] = "Dare un nome allo studio (al massimo 60 caratteri), per esempio «Studio di via Roma»."
	}
	if a.Street == "" || len(a.Street) > 120 {
		f["indirizzo"] = "Indicare via e numero civico (al massimo 120 caratteri)."
	}
	if !cap.MatchString(a.Postcode) {
		f["cap"] = "Il CAP è di 5 cifre."
	}
	if a.Comune == "" || len(a.Comune) > 80 {
		f["comune"] = "Indicare il comune."
	}
	if !sigla.MatchString(a.Province) {
		f["provincia"] = "Indicare la sigla della provincia, per esempio RM."
	}
	if a.Phone != "" && !phone.MatchString(a.Phone) {
		f["telefono"] = "Il telefono può contenere solo cifre, spazi e un + iniziale."
	}
	printable(f, "nome", a.Label)
	printable(f, "indirizzo", a.Street)
	printable(f, "comune", a.Comune)
	return fieldErrors("L'indirizzo dello studio non è completo.", f)
}

// printable names a character the certificates cannot print, or is "".
func printable(f map[string]string, field, s string) {
	if _, ok := f[field]; ok {
		return
	}
	if r, bad := pdf.Unprintable(s); bad {
		f[field] = fmt.Sprintf("Il carattere «%c» non si può stampare sui certificati: sostituirlo o toglierlo.", r)
	}
}

func fieldErrors(msg string, f map[string]string) error {
	if len(f) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.Invalid, Message: msg, Fields: f}
}
