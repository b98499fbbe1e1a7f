package certificate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/audit"
	"github.com/sportello/sportello/internal/clock"
	"github.com/sportello/sportello/internal/codicefiscale"
	"github.com/sportello/sportello/internal/doctoken"
	"github.com/sportello/sportello/internal/doctor"
	"github.com/sportello/sportello/internal/history"
	"github.com/sportello/sportello/internal/identity"
	"github.com/sportello/sportello/internal/plain"
	"github.com/sportello/sportello/internal/store"
)

// Options configure the service; zero values take the defaults shown.
type Options struct {
	// DraftTTL is how long a draft is kept after its last change: 30 days.
	DraftTTL time.Duration
	// Signer signs the verification tokens printed on the documents;
	// Verifier checks them (it knows the old keys too).
	Signer   *doctoken.Signer
	Verifier *doctoken.Verifier
	// BaseURL is the public address of the service, for the QR codes
	// (from the configuration, never from a request).
	BaseURL string
	// Agency is printed on the documents.
	Agency string
}

// Service is the certifying doctor's service (CERT-1…CERT-9): the
// declaration and addresses, drafts, sending, the list, annulment, the
// documents and their public verification. Every operation checks the
// policy of package identity first.
type Service struct {
	db    *store.DB
	clock clock.Clock
	opt   Options
	// tx, when set, is the caller's transaction: the writes join it
	// instead of running in their own (see WithTx).
	tx *store.Tx
}

// NewService returns the service.
func NewService(db *store.DB, clk clock.Clock, opt Options) *Service {
	if opt.DraftTTL <= 0 {
		opt.DraftTTL = 30 * 24 * time.Hour
	}
	if opt.Agency == "" {
		opt.Agency = "Istituto previdenziale"
	}
	if clk == nil {
		clk = clock.System{}
	}
	return &Service{db: db, clock: clk, opt: opt}
}

// WithTx returns the service with its writes inside tx, a transaction the
// caller owns and commits: the JSON API runs a creation and the record of
// its response together (store.DB.Once), so that a retried request finds
// the first answer instead of sending a second certificate. It serves
// SaveDraft, SaveAddress, Send and Annul, which return what they wrote;
// not SaveProfile, which reads the declaration back after its commit. The
// checks before a write still read through the database, outside tx. The
// returned service is for the duration of tx only.
func (s *Service) WithTx(tx *store.Tx) *Service {
	c := *s
	c.tx = tx
	return &c
}

// inTx runs fn in the caller's transaction (WithTx) or in a new one.
func (s *Service) inTx(ctx context.Context, fn func(*store.Tx) error) error {
	if s.tx != nil {
		return fn(s.tx)
	}
	return s.db.InTx(ctx, fn)
}

// Draft is a certificate being written: what the doctor's form holds.
type Draft struct {
	ID         int64       `json:"id,omitempty"`
	Kind       string      `json:"tipo"`
	Patient    string      `json:"codice_fiscale_paziente"`
	AddressID  int64       `json:"studio,omitempty"`
	Spa        *Spa        `json:"cure_termali,omitempty"`
	Invalidity *Invalidity `json:"invalidita_civile,omitempty"`
	UpdatedAt  time.Time   `json:"-"`
	ExpiresAt  time.Time   `json:"-"`
}

// Record is what a sent certificate says, kept unchanged in its
// registration (CERT-8): the content and a copy of the doctor's, the
// patient's and the practice's data as they were when it was sent.
type Record struct {
	Version    int          `json:"versione"`
	Kind       string       `json:"tipo"`
	Doctor     DoctorData   `json:"medico"`
	Patient    PatientData  `json:"paziente"`
	Practice   *PracticeRef `json:"studio,omitempty"`
	Spa        *Spa         `json:"cure_termali,omitempty"`
	Invalidity *Invalidity  `json:"invalidita_civile,omitempty"`
}

// DoctorData is the certifying doctor as the certificate names them.
type DoctorData struct {
	FiscalCode   string `json:"codice_fiscale"`
	Name         string `json:"nome"`
	Relationship string `json:"rapporto_ssn"`
	Body         string `json:"struttura"`
	RegisterProv string `json:"ordine_provincia"`
	RegisterNo   string `json:"ordine_numero"`
}

// PatientData is the patient as the registry knows them (CERT item 8:
// taken from the registry, never retyped).
type PatientData struct {
	FiscalCode   string `json:"codice_fiscale"`
	GivenName    string `json:"nome"`
	FamilyName   string `json:"cognome"`
	BirthDate    string `json:"data_nascita"`
	BirthPlace   string `json:"luogo_nascita"`
	Sex          string `json:"sesso"`
	Address      string `json:"indirizzo"`
	Postcode     string `json:"cap"`
	Municipality string `json:"comune"`
	Province     string `json:"provincia"`
}

// PracticeRef is the practice address printed on the certificate.
type PracticeRef struct {
	Label    string `json:"nome"`
	Street   string `json:"indirizzo"`
	Postcode string `json:"cap"`
	Comune   string `json:"comune"`
	Province string `json:"provincia"`
	Phone    string `json:"telefono,omitempty"`
}

// Sent is a sent certificate with its content.
type Sent struct {
	store.SentCertificate
	Record       Record
	AnnulReason  string
	RegisteredBy string
}

// Title is the name of a kind of certificate.
func Title(kind string) string {
	switch kind {
	case KindSpa:
		return "Certificato medico per cure termali"
	case KindInvalidity:
		return "Certificato medico introduttivo per l'invalidità civile"
	}
	return "Certificato medico"
}

// ValidKind reports whether kind is a kind of certificate.
func ValidKind(kind string) bool { return kind == KindSpa || kind == KindInvalidity }

// errNoDeclaration stops every certificate operation before the first
// access (CERT-1).
var errNoDeclaration = apperr.New(apperr.Forbidden,
	"Prima di scrivere un certificato occorre rendere la dichiarazione di primo accesso (rapporto con il Servizio sanitario nazionale).")

// errNotDoctor refuses the doctor's service to other profiles.
var errNotDoctor = apperr.New(apperr.Forbidden, "Servizio riservato ai medici certificatori.")

// IsNoDeclaration reports whether err is the refusal before first access.
func IsNoDeclaration(err error) bool { return errors.Is(err, errNoDeclaration) }

// audit records a read, under the patient, so
// that the patient's access log shows it (AUD-1); the certificate number
// goes in the detail. A failed audit fails the read.
func (s *Service) audit(ctx context.Context, a identity.Actor, action, patient, number string) error {
	detail := ""
	if number != "" {
		detail = mustJSON(map[string]string{"certificato": number})
	}
	e := audit.Entry{Actor: a.ID(), ActingFor: a.ActingFor, Channel: a.Channel, Action: action, Subject: "person:" + patient, Detail: detail}
	if s.tx != nil {
		// Under WithTx the caller's transaction holds the writer: the
		// entry joins it (a second write would wait for it forever).
		return s.tx.Audit(e)
	}
	return s.db.Audit(ctx, e)
}

// ValidNumber reports whether n has the shape of a certificate number,
// AAAAnnnnnnn; anything else is not looked up.
func ValidNumber(n string) bool {
	if len(n) != 11 {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var errNoCertificate = apperr.New(apperr.NotFound, "Certificato non trovato.")

// Profile returns the doctor's declaration; NotFound before first access.
func (s *Service) Profile(ctx context.Context, a identity.Actor) (doctor.Profile, error) {
	if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindPerson, Subject: a.FiscalCode}); err != nil {
		return doctor.Profile{}, err
	}
	if a.Role != identity.RoleDoctor {
		return doctor.Profile{}, errNotDoctor
	}
	return s.db.DoctorProfile(ctx, a.FiscalCode)
}

// SaveProfile records the first-access declaration or changes it (CERT-1,
// CERT-7).
func (s *Service) SaveProfile(ctx context.Context, a identity.Actor, p doctor.Profile) (doctor.Profile, error) {
	if a.Role != identity.RoleDoctor {
		return p, errNotDoctor
	}
	if err := identity.Can(a, identity.Update, identity.Resource{Kind: identity.KindPerson, Subject: a.FiscalCode}); err != nil {
		return p, err
	}
	p.FiscalCode = a.FiscalCode
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveDoctorProfile(ctx, p); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]string{"rapporto": p.Relationship, "ente": p.Body, "ordine": p.RegisterProv + " " + p.RegisterNo})
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "doctor.declaration", Subject: "person:" + a.FiscalCode, Detail: string(detail)})
	})
	if err != nil {
		return p, err
	}
	return s.db.DoctorProfile(ctx, a.FiscalCode)
}

// Addresses returns the doctor's practice addresses.
func (s *Service) Addresses(ctx context.Context, a identity.Actor) ([]doctor.Address, error) {
	if _, err := s.Profile(ctx, a); err != nil {
		return nil, err
	}
	return s.db.DoctorAddresses(ctx, a.FiscalCode)
}

// SaveAddress adds a practice address (ID 0) or changes one of the
// doctor's own (CERT-1, CERT-7). Certificates already sent keep the
// address as it was.
func (s *Service) SaveAddress(ctx context.Context, a identity.Actor, addr doctor.Address) (doctor.Address, error) {
	if _, err := s.Profile(ctx, a); err != nil {
		return addr, err
	}
	addr.FiscalCode = a.FiscalCode
	if err := addr.Validate(); err != nil {
		return addr, err
	}
	err := s.inTx(ctx, func(tx *store.Tx) error {
		action := "doctor.address.update"
		if addr.ID == 0 {
			id, err := tx.AddDoctorAddress(ctx, addr)
			if err != nil {
				return err
			}
			addr.ID, action = id, "doctor.address.add"
		} else if err := tx.UpdateDoctorAddress(ctx, addr); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: action, Subject: fmt.Sprintf("doctor_address:%d", addr.ID)})
	})
	return addr, err
}

// RemoveAddress removes one of the doctor's practice addresses.
func (s *Service) RemoveAddress(ctx context.Context, a identity.Actor, id int64) error {
	if _, err := s.Profile(ctx, a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error {
		if err := tx.RemoveDoctorAddress(ctx, a.FiscalCode, id); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "doctor.address.remove", Subject: fmt.Sprintf("doctor_address:%d", id)})
	})
}

// gate checks that a may write certificates: a doctor who has made the
// first-access declaration.
func (s *Service) gate(ctx context.Context, a identity.Actor) (doctor.Profile, error) {
	if err := identity.Can(a, identity.Create, identity.Resource{Kind: identity.KindCertificate}); err != nil {
		return doctor.Profile{}, err
	}
	p, err := s.db.DoctorProfile(ctx, a.FiscalCode)
	if apperr.Is(err, apperr.NotFound) {
		return p, errNoDeclaration
	}
	return p, err
}

const maxDraft = 256 << 10 // bytes of a draft's JSON; the field limits keep drafts well below

// normalizeDraft tidies what any draft may hold, however incomplete, and
// refuses only what could never be right: an unknown kind, overlong text,
// characters a codice fiscale cannot have. Control characters and invalid
// UTF-8 are removed from every text (line breaks are kept where a text may
// have lines), so that both engines store any draft.
func normalizeDraft(d *Draft) error {
	d.Patient = codicefiscale.Normalize(plain.OneLine(d.Patient))
	f := map[string]string{}
	if !ValidKind(d.Kind) {
		f["tipo"] = "Scegliere il tipo di certificato: cure termali o invalidità civile."
	}
	switch {
	case len(d.Patient) > 16:
		f["codice_fiscale_paziente"] = "Il codice fiscale ha 16 caratteri."
	case strings.IndexFunc(d.Patient, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) >= 0:
		f["codice_fiscale_paziente"] = "Il codice fiscale contiene solo lettere e cifre."
	}
	var ds *[]Diagnosis
	if d.Spa != nil && d.Kind == KindSpa {
		d.Spa.Cure = plain.OneLine(d.Spa.Cure)
		ds = &d.Spa.Diagnoses
	}
	if v := d.Invalidity; v != nil && d.Kind == KindInvalidity {
		ds = &v.Diagnoses
		if len(v.Purposes) > len(Purposes) {
			v.Purposes = v.Purposes[:len(Purposes)]
		}
		for name, t := range map[string]*string{"anamnesi": &v.Anamnesis, "obiettivita": &v.Findings, "terapie": &v.Therapies} {
			*t = plain.Lines(*t)
			if utf8.RuneCountInString(strings.TrimSpace(*t)) > maxText {
				f[name] = fmt.Sprintf("Il testo può avere al massimo %d caratteri: ora ne ha %d.", maxText, utf8.RuneCountInString(strings.TrimSpace(*t)))
			}
		}
	}
	if ds != nil {
		if len(*ds) > maxDiagnoses {
			f["diagnosi"] = fmt.Sprintf("Al massimo %d diagnosi.", maxDiagnoses)
		}
		for i := range *ds {
			x := &(*ds)[i]
			x.Text, x.Code = plain.OneLine(x.Text), plain.OneLine(x.Code)
			key := fmt.Sprintf("diagnosi_%d", i+1)
			if utf8.RuneCountInString(x.Text) > 500 {
				f[key+"_testo"] = fmt.Sprintf("Diagnosi %d: al massimo 500 caratteri.", i+1)
			}
			if len(x.Code) > 12 {
				f[key+"_codice"] = fmt.Sprintf("Diagnosi %d: il codice ICD-9-CM è lungo al massimo 6 caratteri, per esempio 715.00.", i+1)
			}
		}
	}
	switch d.Kind {
	case KindSpa:
		d.Invalidity = nil
		if d.Spa == nil {
			d.Spa = &Spa{}
		}
	case KindInvalidity:
		d.Spa = nil
		if d.Invalidity == nil {
			d.Invalidity = &Invalidity{}
		}
	}
	return fields("La bozza non può essere salvata.", f)
}

// Check validates a certificate as Send would, without writing anything:
// pages call it before a sending they wrap in an idempotency key.
func (s *Service) Check(ctx context.Context, a identity.Actor, d Draft) error {
	prof, err := s.gate(ctx, a)
	if err != nil {
		return err
	}
	_, err = s.prepare(ctx, a, prof, &d)
	return err
}

// SaveDraft saves a certificate being written (CERT-3): a new draft (ID
// 0) or one of the doctor's own. A draft may be incomplete; it has no
// number.
func (s *Service) SaveDraft(ctx context.Context, a identity.Actor, d Draft) (Draft, error) {
	if _, err := s.gate(ctx, a); err != nil {
		return d, err
	}
	if err := normalizeDraft(&d); err != nil {
		return d, err
	}
	data, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	if len(data) > maxDraft {
		return d, apperr.New(apperr.Invalid, "La bozza è troppo lunga.")
	}
	err = s.inTx(ctx, func(tx *store.Tx) error {
		saved, err := tx.SaveCertificateDraft(ctx, store.CertificateDraft{ID: d.ID, Doctor: a.FiscalCode, Kind: d.Kind,
			Patient: d.Patient, AddressID: d.AddressID, Data: string(data)}, s.opt.DraftTTL)
		d.ID, d.UpdatedAt, d.ExpiresAt = saved.ID, saved.UpdatedAt, saved.ExpiresAt
		return err
	})
	return d, err
}

// FindDraft returns one of the doctor's drafts.
func (s *Service) FindDraft(ctx context.Context, a identity.Actor, id int64) (Draft, error) {
	if _, err := s.gate(ctx, a); err != nil {
		return Draft{}, err
	}
	row, err := s.db.CertificateDraft(ctx, a.FiscalCode, id)
	if err != nil {
		return Draft{}, err
	}
	return draftOf(row)
}

func draftOf(row store.CertificateDraft) (Draft, error) {
	var d Draft
	if err := json.Unmarshal([]byte(row.Data), &d); err != nil {
		return d, fmt.Errorf("certificate: draft %d: %w", row.ID, err)
	}
	d.ID, d.Kind, d.Patient, d.AddressID, d.UpdatedAt, d.ExpiresAt = row.ID, row.Kind, row.Patient, row.AddressID, row.UpdatedAt, row.ExpiresAt
	return d, nil
}

// DeleteDraft deletes one of the doctor's drafts.
func (s *Service) DeleteDraft(ctx context.Context, a identity.Actor, id int64) error {
	if _, err := s.gate(ctx, a); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *store.Tx) error { return tx.DeleteCertificateDraft(ctx, a.FiscalCode, id) })
}

// Send validates a certificate and, when everything is right, registers
// it with the next number of the certificate register of the year of
// sending (CERT-4), in one transaction with the deletion of its draft (if
// it was one), the history event and the audit entry. Every wrong field is
// named. The patient must be in the registry; their data come from it.
func (s *Service) Send(ctx context.Context, a identity.Actor, d Draft) (Sent, error) {
	prof, err := s.gate(ctx, a)
	if err != nil {
		return Sent{}, err
	}
	rec, err := s.prepare(ctx, a, prof, &d)
	if err != nil {
		return Sent{}, err
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return Sent{}, err
	}
	var out Sent
	err = s.inTx(ctx, func(tx *store.Tx) error {
		if d.ID != 0 {
			if _, err := tx.TakeCertificateDraft(ctx, a.FiscalCode, d.ID); err != nil {
				return err
			}
		}
		c := store.SentCertificate{Kind: d.Kind, Doctor: a.FiscalCode, Patient: d.Patient, AddressID: d.AddressID}
		if d.Kind == KindInvalidity {
			c.Expiry = ExpiresAt
		}
		sent, err := tx.SendCertificate(ctx, c, Title(d.Kind), string(payload), a.Channel)
		if err != nil {
			return err
		}
		if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "certificate", CaseID: sent.Number, Kind: "sent",
			Actor: a.ID(), Channel: a.Channel}); err != nil {
			return err
		}
		out = Sent{SentCertificate: sent, Record: rec, RegisteredBy: a.ID()}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "certificate.send", Subject: "person:" + d.Patient,
			Detail: mustJSON(map[string]string{"certificato": sent.Number, "tipo": d.Kind})})
	})
	return out, err
}

// prepare validates everything a sending needs and builds the record.
func (s *Service) prepare(ctx context.Context, a identity.Actor, prof doctor.Profile, d *Draft) (Record, error) {
	if err := normalizeDraft(d); err != nil {
		return Record{}, err
	}
	f := map[string]string{}
	var content error
	switch d.Kind {
	case KindSpa:
		content = d.Spa.Validate()
	case KindInvalidity:
		content = d.Invalidity.Validate()
	}
	var ae *apperr.Error
	if errors.As(content, &ae) {
		for k, v := range ae.Fields {
			f[k] = v
		}
	} else if content != nil {
		return Record{}, content
	}
	rec := Record{Version: 1, Kind: d.Kind, Spa: d.Spa, Invalidity: d.Invalidity,
		Doctor: DoctorData{FiscalCode: a.FiscalCode, Name: a.Name, Relationship: prof.Relationship, Body: prof.Body,
			RegisterProv: prof.RegisterProv, RegisterNo: prof.RegisterNo}}
	switch err := codicefiscale.Validate(d.Patient); {
	case d.Patient == "":
		f["codice_fiscale_paziente"] = "Indicare il codice fiscale del paziente."
	case err != nil:
		f["codice_fiscale_paziente"] = messageOf(err)
	case codicefiscale.Same(d.Patient, a.FiscalCode):
		f["codice_fiscale_paziente"] = "Un medico non può certificare per sé stesso."
	default:
		p, err := s.db.FindPerson(ctx, d.Patient)
		if apperr.Is(err, apperr.NotFound) {
			f["codice_fiscale_paziente"] = "Il codice fiscale non è nell'anagrafe: controllarlo sulla tessera sanitaria del paziente."
			break
		}
		if err != nil {
			return rec, err
		}
		rec.Patient = PatientData{FiscalCode: p.FiscalCode, GivenName: p.GivenName, FamilyName: p.FamilyName, BirthDate: p.BirthDate,
			BirthPlace: p.BirthPlace, Sex: p.Sex, Address: p.Address, Postcode: p.Postcode, Municipality: p.Municipality, Province: p.Province}
	}
	if d.AddressID != 0 {
		addrs, err := s.db.DoctorAddresses(ctx, a.FiscalCode)
		if err != nil {
			return rec, err
		}
		for _, ad := range addrs {
			if ad.ID == d.AddressID {
				rec.Practice = &PracticeRef{Label: ad.Label, Street: ad.Street, Postcode: ad.Postcode, Comune: ad.Comune, Province: ad.Province, Phone: ad.Phone}
			}
		}
		if rec.Practice == nil {
			f["studio"] = "Lo studio scelto non è più tra i vostri indirizzi: sceglierne un altro."
		}
	}
	if len(f) > 0 && rec.Patient.FiscalCode != "" {
		// The registry was read but nothing is sent: the lookup still
		// shows in the patient's access log.
		if err := s.audit(ctx, a, "certificate.patient_check", rec.Patient.FiscalCode, ""); err != nil {
			return rec, err
		}
	}
	return rec, fields("Il certificato non può essere inviato: correggere i campi indicati.", f)
}

func messageOf(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// List returns a page of the doctor's certificates and drafts (CERT-6).
// The doctor is always the actor: no one sees another doctor's list.
func (s *Service) List(ctx context.Context, a identity.Actor, f store.CertificateFilter) ([]store.CertificateEntry, int, error) {
	if err := identity.Can(a, identity.List, identity.Resource{Kind: identity.KindCertificate, Author: a.FiscalCode}); err != nil {
		return nil, 0, err
	}
	if a.Role != identity.RoleDoctor {
		return nil, 0, errNotDoctor
	}
	f.Doctor = a.FiscalCode
	if f.Patient != "" {
		f.Patient = codicefiscale.Normalize(f.Patient)
	}
	return s.db.FindCertificates(ctx, f)
}

// Get returns one of the doctor's sent certificates with its content.
// Another doctor's certificate is "not found".
func (s *Service) Get(ctx context.Context, a identity.Actor, number string) (Sent, error) {
	c, err := s.find(ctx, a, number)
	if err != nil {
		return Sent{}, err
	}
	out, err := s.load(ctx, c)
	if err != nil {
		return out, err
	}
	return out, s.audit(ctx, a, "certificate.read", c.Patient, c.Number)
}

// find reads a certificate the actor may read; anything else, malformed
// numbers included, is "not found".
func (s *Service) find(ctx context.Context, a identity.Actor, number string) (store.SentCertificate, error) {
	number = strings.TrimSpace(number)
	if !ValidNumber(number) {
		return store.SentCertificate{}, errNoCertificate
	}
	c, err := s.db.CertificateByNumber(ctx, number)
	if err != nil {
		return c, err
	}
	if err := identity.Can(a, identity.Read, identity.Resource{Kind: identity.KindCertificate, Author: c.Doctor, Subject: c.Patient}); err != nil {
		return store.SentCertificate{}, err
	}
	return c, nil
}

func (s *Service) load(ctx context.Context, c store.SentCertificate) (Sent, error) {
	reg, err := s.db.FindRegistrationByID(ctx, c.RegistrationID)
	if err != nil {
		return Sent{}, err
	}
	out := Sent{SentCertificate: c, RegisteredBy: reg.Actor}
	if err := json.Unmarshal([]byte(reg.Payload), &out.Record); err != nil {
		return out, fmt.Errorf("certificate: record %s: %w", c.Number, err)
	}
	if !c.AnnulledAt.IsZero() {
		an, err := s.db.FindAnnulment(ctx, c.RegistrationID)
		if err != nil {
			return out, err
		}
		out.AnnulReason = an.Reason
	}
	return out, nil
}

// Annul annuls one of the doctor's sent certificates, with a reason, while
// no application uses it (CERT-8). The certificate stays as it was; the
// annulment is a new record pointing to it.
func (s *Service) Annul(ctx context.Context, a identity.Actor, number, reason string) (Sent, error) {
	reason = strings.TrimSpace(reason)
	if _, err := s.gate(ctx, a); err != nil {
		return Sent{}, err
	}
	switch n := len([]rune(reason)); {
	case n < 5:
		return Sent{}, &apperr.Error{Code: apperr.Invalid, Message: "Indicare il motivo dell'annullamento.",
			Fields: map[string]string{"motivo": "Scrivere il motivo dell'annullamento (almeno 5 caratteri)."}}
	case n > 500:
		return Sent{}, &apperr.Error{Code: apperr.Invalid, Message: "Il motivo è troppo lungo.",
			Fields: map[string]string{"motivo": "Il motivo può avere al massimo 500 caratteri."}}
	}
	number = strings.TrimSpace(number)
	if !ValidNumber(number) {
		return Sent{}, errNoCertificate
	}
	var c store.SentCertificate
	err := s.inTx(ctx, func(tx *store.Tx) (err error) {
		if c, err = tx.AnnulCertificate(ctx, a.FiscalCode, number, reason); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(ctx, history.Event{CaseKind: "certificate", CaseID: c.Number, Kind: "annulled",
			Actor: a.ID(), Channel: a.Channel, Payload: mustJSON(map[string]string{"motivo": reason})}); err != nil {
			return err
		}
		return tx.Audit(audit.Entry{Actor: a.ID(), Channel: a.Channel, Action: "certificate.annul", Subject: "person:" + c.Patient,
			Detail: mustJSON(map[string]string{"certificato": c.Number})})
	})
	if err != nil {
		return Sent{}, err
	}
	// The record is read as it was sent; the annulment is known here, and
	// under WithTx it is not committed yet for the reader to find.
	annulled := c.AnnulledAt
	c.AnnulledAt = time.Time{}
	out, err := s.load(ctx, c)
	out.AnnulledAt, out.AnnulReason = annulled, reason
	return out, err
}

// History returns the events of one of the doctor's certificates (ST-1).
func (s *Service) History(ctx context.Context, a identity.Actor, number string) ([]history.Event, error) {
	c, err := s.find(ctx, a, number)
	if err != nil {
		return nil, err
	}
	return s.db.CaseHistory(ctx, "certificate", c.Number)
}

// Link links a certificate to an application in the application's
// transaction (CERT-9, INV-4): the applications of issues 8 and 9 call it.
// Refusals are field errors on "certificato".
func Link(ctx context.Context, tx *store.Tx, l store.CertificateLink, actor, channel string) (store.SentCertificate, error) {
	l.Number, l.Patient = strings.TrimSpace(l.Number), codicefiscale.Normalize(l.Patient)
	c, err := tx.LinkCertificate(ctx, l)
	if err != nil {
		return c, err
	}
	_, err = tx.AppendEvent(ctx, history.Event{CaseKind: "certificate", CaseID: c.Number, Kind: "linked",
		Actor: actor, Channel: channel, Payload: mustJSON(map[string]string{"domanda": l.Application})})
	return c, err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings are passed
	}
	return string(b)
}

// RecordOf reads what a sent certificate says, for the application that
// links it (the civil-invalidity application needs the assessments the
// doctor certified and the flags of the procedure: INV-4, AG-1).
func RecordOf(ctx context.Context, db *store.DB, c store.SentCertificate) (Record, error) {
	var r Record
	reg, err := db.FindRegistrationByID(ctx, c.RegistrationID)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(reg.Payload), &r); err != nil {
		return r, fmt.Errorf("certificate: record %s: %w", c.Number, err)
	}
	return r, nil
}
