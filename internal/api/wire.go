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

// The certifying doctor's wire types (CERT-1…CERT-9). What a doctor writes
// keeps the member names of the web forms, in Italian, which are also the
// names the field problems give (body.rapporto,
// body.cure_termali.diagnosi[0].codice); what the system adds (identifiers,
// numbers, states, times) is named in English like the rest of the API.

// DoctorDeclaration is the body of the first-access declaration and of its
// changes (CERT-1, CERT-7).
type DoctorDeclaration struct {
	Relationship string `json:"rapporto" example:"convenzionato" doc:"Relationship with the national health service (SSN): dipendente (employed by an SSN body) or convenzionato (affiliated)."`
	Body         string `json:"ente" example:"ASL Roma 1" doc:"The SSN body (ASL, hospital) employing or affiliating the doctor, at most 120 characters."`
	RegisterProv string `json:"ordine_provincia" example:"RM" doc:"Province (two-letter sigla) of the Ordine dei medici the doctor is registered with."`
	RegisterNo   string `json:"ordine_numero" example:"12345" doc:"Number in the Ordine's register: digits, letters, / and -, at most 12 characters."`
}

// DoctorProfile is the doctor's declaration as recorded.
type DoctorProfile struct {
	DoctorDeclaration
	DeclaredAt time.Time `json:"declared_at" doc:"When the first-access declaration was made, RFC 3339 in Europe/Rome."`
	UpdatedAt  time.Time `json:"updated_at" doc:"When it last changed."`
}

// NewPracticeAddress is the body that adds or changes a practice address
// (CERT-7).
type NewPracticeAddress struct {
	Label    string `json:"nome" example:"Studio di via Roma" doc:"A name for the practice, at most 60 characters."`
	Street   string `json:"indirizzo" example:"Via Roma 1" doc:"Street and number, at most 120 characters."`
	Postcode string `json:"cap" example:"00184" doc:"CAP: 5 digits."`
	Comune   string `json:"comune" example:"Roma"`
	Province string `json:"provincia" example:"RM" doc:"Two-letter sigla."`
	Phone    string `json:"telefono,omitempty" example:"+39 06 1234567" doc:"Optional: digits, spaces and a leading +."`
}

// PracticeAddress is one of the doctor's practice addresses.
type PracticeAddress struct {
	ID int64 `json:"id" doc:"The address's identifier: the studio of a certificate."`
	NewPracticeAddress
}

// Diagnosis is a diagnosis with its ICD-9-CM code.
type Diagnosis struct {
	Text string `json:"testo" example:"Artrosi primaria generalizzata" doc:"The diagnosis, at most 500 characters."`
	Code string `json:"codice" example:"715.0" doc:"ICD-9-CM code, with or without the dot (7150 becomes 715.0)."`
}

// SpaContent is the content of a certificate for spa treatments.
type SpaContent struct {
	Pathology           string      `json:"patologia,omitempty" enum:"reumoartropatica,broncopneumopatica" doc:"Pathology group."`
	Diagnoses           []Diagnosis `json:"diagnosi,omitempty" doc:"1-10 diagnoses."`
	Cure                string      `json:"cura,omitempty" example:"fango-bagno" doc:"Code of the prescribed cure in the catalogue, of the pathology group: fango-bagno and balneo (reumoartropatica); inalazioni, aerosol and nebulizzazioni (broncopneumopatica)."`
	NoContraindications bool        `json:"nessuna_controindicazione,omitempty" doc:"The doctor declares that the patient has no contraindication to the cure: required to send."`
}

// InvalidityContent is the content of an introductory certificate for civil
// invalidity.
type InvalidityContent struct {
	Purposes         []string    `json:"finalita,omitempty" enum:"invalidita,cecita,sordita,handicap,disabilita" doc:"The assessments requested, at least one."`
	Diagnoses        []Diagnosis `json:"diagnosi,omitempty" doc:"1-10 diagnoses."`
	Anamnesis        string      `json:"anamnesi,omitempty" doc:"Medical history, optional, at most 4,000 characters."`
	Findings         string      `json:"obiettivita,omitempty" doc:"Examination findings, optional, at most 4,000 characters."`
	Therapies        string      `json:"terapie,omitempty" doc:"Current therapies, optional, at most 4,000 characters."`
	Oncological      bool        `json:"oncologico,omitempty" doc:"Cancer in progress: the visit is within 15 days (law 80/2006)."`
	CannotWalk       bool        `json:"non_deambulante,omitempty" doc:"Unable to walk without the permanent help of a companion."`
	NeedsCare        bool        `json:"assistenza_continua,omitempty" doc:"Unable to perform the daily acts of life without continuous assistance."`
	NotTransportable bool        `json:"non_trasportabile,omitempty" doc:"Cannot be moved: the visit is at home."`
	Terminal         bool        `json:"malattia_terminale,omitempty" doc:"Terminal illness."`
	SeriousDM2007    bool        `json:"patologia_dm_2_8_2007,omitempty" doc:"A serious condition of the annex to the DM of 2 August 2007 (no reviews)."`
}

// CertificateContent is what a doctor writes: the body of a draft and of
// a direct sending. A draft may be incomplete; a sending is checked in
// full, and every wrong member is named.
type CertificateContent struct {
	Kind       string             `json:"tipo" enum:"certificato_cbt,certificato_invalidita" doc:"certificato_cbt (spa treatments, with cure_termali) or certificato_invalidita (civil invalidity, with invalidita_civile)."`
	Patient    string             `json:"codice_fiscale_paziente,omitempty" example:"RSSMRA56L12H501D" doc:"The patient's codice fiscale. The patient must be in the registry: the certificate copies their data from it."`
	AddressID  int64              `json:"studio,omitempty" minimum:"0" doc:"The id of one of the doctor's practice addresses, printed on the certificate; absent or 0 for none."`
	Spa        *SpaContent        `json:"cure_termali,omitempty" doc:"The content of a certificato_cbt."`
	Invalidity *InvalidityContent `json:"invalidita_civile,omitempty" doc:"The content of a certificato_invalidita."`
}

// CertificateDraft is a certificate being written (CERT-3): it has no
// number, may be incomplete and is deleted 30 days after its last change.
type CertificateDraft struct {
	ID int64 `json:"id" doc:"The draft's identifier."`
	CertificateContent
	UpdatedAt time.Time `json:"updated_at" doc:"Last change, RFC 3339 in Europe/Rome."`
	ExpiresAt time.Time `json:"expires_at" doc:"When the draft is deleted unless changed again."`
}

// CertificateRecord is a sent certificate's content as registered
// (CERT-8): the doctor's, the patient's and the practice's data as they
// were when it was sent, and what the doctor wrote. It never changes.
type CertificateRecord struct {
	Doctor     RecordDoctor       `json:"medico"`
	Patient    RecordPatient      `json:"paziente"`
	Practice   *RecordPractice    `json:"studio,omitempty" doc:"The practice printed on the certificate, if one was chosen."`
	Spa        *SpaContent        `json:"cure_termali,omitempty"`
	Invalidity *InvalidityContent `json:"invalidita_civile,omitempty"`
}

// RecordDoctor is the certifying doctor as the certificate names them.
type RecordDoctor struct {
	FiscalCode   string `json:"codice_fiscale"`
	Name         string `json:"nome"`
	Relationship string `json:"rapporto_ssn" doc:"dipendente or convenzionato."`
	Body         string `json:"struttura"`
	RegisterProv string `json:"ordine_provincia"`
	RegisterNo   string `json:"ordine_numero"`
}

// RecordPatient is the patient as the registry knew them.
type RecordPatient struct {
	FiscalCode   string `json:"codice_fiscale"`
	GivenName    string `json:"nome"`
	FamilyName   string `json:"cognome"`
	BirthDate    string `json:"data_nascita" doc:"YYYY-MM-DD."`
	BirthPlace   string `json:"luogo_nascita"`
	Sex          string `json:"sesso"`
	Address      string `json:"indirizzo"`
	Postcode     string `json:"cap"`
	Municipality string `json:"comune"`
	Province     string `json:"provincia"`
}

// RecordPractice is the practice printed on a certificate.
type RecordPractice struct {
	Label    string `json:"nome"`
	Street   string `json:"indirizzo"`
	Postcode string `json:"cap"`
	Comune   string `json:"comune"`
	Province string `json:"provincia"`
	Phone    string `json:"telefono,omitempty"`
}

// Certificate is a sent certificate (CERT-4, CERT-8, CERT-9).
type Certificate struct {
	Number          string               `json:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"Number AAAAnnnnnnn in the certificate register: the year of sending (Europe/Rome) and a 7-digit progressive restarting at 1 each year."`
	Kind            string               `json:"kind" enum:"certificato_cbt,certificato_invalidita"`
	State           string               `json:"state" enum:"sent,annulled" doc:"sent (valid) or annulled."`
	Patient         string               `json:"patient" doc:"The patient's codice fiscale."`
	SentAt          time.Time            `json:"sent_at" doc:"When it was sent, RFC 3339 in Europe/Rome."`
	ExpiresAt       time.Time            `json:"expires_at,omitzero" doc:"Civil invalidity only: the last moment an application can use it, the end of the 90th day after sending (CERT-9)."`
	Linked          bool                 `json:"linked" doc:"Whether an application uses it; then it cannot be annulled."`
	AnnulledAt      time.Time            `json:"annulled_at,omitzero" doc:"When it was annulled, if it was."`
	AnnulmentReason string               `json:"annulment_reason,omitempty" doc:"Why it was annulled, if it was."`
	Content         CertificateRecord    `json:"content"`
	Documents       CertificateDocuments `json:"documents" doc:"Where its PDF documents are."`
}

// CertificateDocuments are the addresses of a certificate's PDFs (CERT-5,
// DOC-1).
type CertificateDocuments struct {
	Certificate string `json:"certificato" doc:"The certificate."`
	Attestation string `json:"attestato" doc:"The attestation of sending, for the doctor."`
	Receipt     string `json:"ricevuta" doc:"The receipt with the number, for the patient."`
}

// CertificateEntry is a row of the doctor's list: a sent certificate or a
// draft (CERT-6).
type CertificateEntry struct {
	State      string    `json:"state" enum:"draft,sent,annulled"`
	Number     string    `json:"number,omitempty" doc:"The certificate's number; absent for a draft."`
	DraftID    int64     `json:"draft_id,omitempty" doc:"The draft's id; absent for a certificate."`
	Kind       string    `json:"kind" enum:"certificato_cbt,certificato_invalidita"`
	Patient    string    `json:"patient,omitempty" doc:"The patient's codice fiscale; a draft may have none yet."`
	Date       time.Time `json:"date" doc:"When it was sent; for a draft, its last change. RFC 3339 in Europe/Rome."`
	ExpiresAt  time.Time `json:"expires_at,omitzero" doc:"Civil invalidity only: the end of the 90-day window (CERT-9)."`
	AnnulledAt time.Time `json:"annulled_at,omitzero"`
	Linked     bool      `json:"linked" doc:"Whether an application uses the certificate."`
	URL        string    `json:"url" doc:"The item in this API (path-absolute)."`
}

// AnnulmentRequest is the body of an annulment (CERT-8).
type AnnulmentRequest struct {
	Reason string `json:"motivo" example:"Errore nel codice fiscale del paziente" doc:"Why the certificate is annulled, 5-500 characters."`
}
