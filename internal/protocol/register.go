package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"

	"github.com/sportello/sportello/internal/apperr"
)

// Register names a numbering sequence. Each register restarts at 1 every
// calendar year.
type Register string

// The agency's registers.
const (
	// Certificates numbers doctors' medical certificates (CERT-4).
	Certificates Register = "certificati"
	// General is the protocol register of applications and documents (CBT-12).
	General Register = "protocollo"
	// Domus numbers civil-invalidity cases, a second identifier beside
	// the protocol number (INV-6).
	Domus Register = "domus"
)

var registerRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate reports whether r is a well-formed register name.
func (r Register) Validate() error {
	if !registerRE.MatchString(string(r)) {
		return apperr.New(apperr.Invalid, fmt.Sprintf("Nome di registro non valido: %q.", string(r)))
	}
	return nil
}

// Registration is one entry of a register, as DPR 445/2000 art. 53 wants
// it: number and date assigned by the system, the document kind, subject and
// correspondent, and the digest of the registered content. It is immutable:
// a correction is a new Registration whose Corrects points to the old one,
// and an annulment is an Annulment that refers to it.
type Registration struct {
	ID            int64
	Register      Register
	Number        Number
	RegisteredAt  time.Time
	Kind          string // document type, e.g. "certificato_cbt"
	Subject       string // oggetto
	Correspondent string // sender or recipient, e.g. a codice fiscale
	Payload       string // the registered content (JSON)
	Digest        string // hex SHA-256 of Payload (impronta)
	Corrects      int64  // ID of the registration this one corrects, or 0
	Actor         string
	Channel       string
}

// NewRegistration is what a caller supplies to register something; the
// store assigns the number, the date and the digest.
type NewRegistration struct {
	Register      Register
	Kind          string
	Subject       string
	Correspondent string
	Payload       string
	Corrects      int64
	Actor         string
	Channel       string
}

// Validate checks a registration request field by field.
func (n NewRegistration) Validate() error {
	fields := map[string]string{}
	if err := n.Register.Validate(); err != nil {
		fields["register"] = "Registro non valido."
	}
	if n.Kind == "" {
		fields["kind"] = "Indicare il tipo di documento."
	}
	if n.Subject == "" {
		fields["subject"] = "Indicare l'oggetto."
	}
	if n.Actor == "" {
		fields["actor"] = "Indicare chi registra."
	}
	if n.Corrects < 0 {
		fields["corrects"] = "Riferimento alla registrazione corretta non valido."
	}
	if len(fields) > 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "La registrazione contiene errori.", Fields: fields}
	}
	return nil
}

// Digest returns the hex SHA-256 of a registered content.
func Digest(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return hex.EncodeToString(sum[:])
}

// Annulment marks a registration as annulled (DPR 445/2000 art. 54): the
// registration stays, readable, with the mark, the date, the operator and
// the authorising measure.
type Annulment struct {
	RegistrationID int64
	AnnulledAt     time.Time
	Actor          string
	Reason         string // authorising measure
}
