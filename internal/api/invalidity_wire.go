package api

import "time"

// The civil-invalidity application's wire types (INV-1…INV-8, AG-1,
// AG-2), for the software of intermediaries. As for the spa treatments,
// what the operator fills in keeps the member names of the web form's
// parts, in Italian (richiesta, accertamenti, verbale…), which are also
// the locations of the field problems (body.verbale.percento); what the
// system adds (numbers, states, times, visits) is named in English.

// InvGuardian is who acts legally for the applicant: always for a minor
// (part 1, INV-2).
type InvGuardian struct {
	FiscalCode string `json:"codice_fiscale,omitempty" maxLength:"32" example:"RSSLRA80A41H501X" doc:"The guardian's codice fiscale: another person than the applicant."`
	GivenName  string `json:"nome,omitempty" maxLength:"200" example:"Laura" doc:"At most 80 characters."`
	FamilyName string `json:"cognome,omitempty" maxLength:"200" example:"Rossi" doc:"At most 80 characters."`
	Relation   string `json:"qualita,omitempty" enum:"genitore,tutore,curatore,amministratore" doc:"genitore (parental responsibility), tutore, curatore or amministratore (di sostegno)."`
}

// InvReport is the previous assessment report that a revision or a
// disability request rests on instead of a certificate (INV-5).
type InvReport struct {
	Date    string `json:"data,omitempty" format:"date" example:"2024-05-20" doc:"The report's date, YYYY-MM-DD: not in the future, not before 1971."`
	Number  string `json:"numero,omitempty" maxLength:"80" example:"VRB/2024/1234" doc:"The report's number or identifier as written on it: letters, digits, / . _ - and spaces, at most 40."`
	Body    string `json:"organo,omitempty" maxLength:"200" example:"Commissione medica ASL Roma 2" doc:"The commission or ASL that wrote it, at most 120 characters."`
	Percent int    `json:"percento,omitempty" minimum:"0" maximum:"100" example:"67" doc:"The civil-invalidity percentage the report recognised: required for disabilita, where it must be at least 46 (INV-5)."`
}

// InvApplicationContent is what the operator fills in: the body of the
// draft, and of a sending in one call. A draft may be incomplete; sending
// checks it all (INV-3). Only overlong text, a malformed date and values
// outside the lists are refused outright.
type InvApplicationContent struct {
	HasGuardian bool         `json:"con_tutore,omitempty" doc:"Part 1: the application is made by a guardian (required for a minor), named in tutore."`
	Guardian    *InvGuardian `json:"tutore,omitempty" doc:"Part 1: the guardian; ignored and not kept without con_tutore."`
	Domicile    *Domicile    `json:"domicilio,omitempty" doc:"Part 2: a temporary domicile, only if different from the residence; it then decides the offices and ASLs proposed (INV-2)."`
	Email       string       `json:"email,omitempty" maxLength:"254" example:"mario.rossi@esempio.it" doc:"Part 2: at least one of email and telefono, for the communications about the application."`
	Phone       string       `json:"telefono,omitempty" maxLength:"40" example:"+39 333 1234567" doc:"Part 2: digits, spaces and a leading +."`
	Request     string       `json:"richiesta,omitempty" enum:"primo,aggravamento,revisione,disabilita" doc:"Part 3: primo (first recognition) or aggravamento (worsening), on a certificate; revisione (a revision the previous report set) or disabilita (L. 68/1999 on the civil-invalidity report), on the previous report (INV-5)."`
	Assessments []string     `json:"accertamenti,omitempty" maxItems:"5" enum:"invalidita,cecita,sordita,handicap,disabilita" doc:"Part 3: the assessments asked, one or more (INV-2); a disabilita request asks disabilita alone, for ages 15-66. On a certificate, the certificate must cover them all."`
	Certificate string       `json:"certificato,omitempty" maxLength:"32" example:"20260000042" doc:"Part 4, primo and aggravamento: the number of the applicant's civil-invalidity certificate, sent by the doctor within the last 90 days (INV-4, CERT-9); checked when the application is sent."`
	Report      *InvReport   `json:"verbale,omitempty" doc:"Part 4, revisione and disabilita: the previous report (INV-5)."`
	Office      string       `json:"ufficio,omitempty" maxLength:"40" example:"RM01" doc:"Part 5: the competent office, one of the offices the applicant's context proposes."`
	ASL         string       `json:"asl,omitempty" maxLength:"40" example:"ASL-RM1" doc:"Part 5: the health authority of the visit, one of the ASLs the applicant's context proposes."`
	Declared    bool         `json:"dichiarazione,omitempty" doc:"Part 6: the applicant declares that the condition is not from war, work or service, which other laws cover (INV-7). Required to send."`
}

// InvProblem is something still to fix in a draft, in its part.
type InvProblem struct {
	Part     string `json:"part" enum:"anagrafica,recapiti,richiesta,documentazione,uffici,riepilogo" doc:"The part of the web form that holds the member."`
	Location string `json:"location" example:"body.verbale.percento" doc:"The member, as the body of PUT …/draft holds it."`
	Message  string `json:"message" doc:"What to do, in Italian."`
}

// InvDraft is the applicant's draft: one per person, shared by the citizen
// on the web, the contact centre and every intermediary with a mandate;
// kept 90 days after its last change.
type InvDraft struct {
	Content  InvApplicationContent `json:"content" doc:"The draft as saved: the body of PUT …/draft, tidied (codes in capitals, spaces trimmed; the guardian dropped without con_tutore, the report dropped for a request on a certificate and the certificate for one on a report)."`
	Complete bool                  `json:"complete" doc:"Every part is filled in correctly: the application can be sent (the certificate itself is checked then)."`
	Problems []InvProblem          `json:"problems" nullable:"false" doc:"What is still missing or wrong, part by part, in the order of the parts (INV-3)."`
}

// InvApplicant is what the application's parts show from the registry,
// with the choices they propose.
type InvApplicant struct {
	Person      RegistryPerson       `json:"anagrafica" doc:"Registry data, read-only (part 1, INV-2)."`
	Age         *int                 `json:"age,omitempty" doc:"Whole years today; absent when the registry has no birth date (then no check by age is made)."`
	Minor       bool                 `json:"minor" doc:"Under 18: the application is made by a guardian (con_tutore, tutore)."`
	ProposedFor string               `json:"proposed_for" enum:"residenza,domicilio" doc:"Which address the proposed offices and ASLs follow: the draft's temporary domicile when it has one, else the residence."`
	Offices     []OfficeRef          `json:"offices" nullable:"false" doc:"The competent offices to choose ufficio from (part 5)."`
	ASLs        []OfficeRef          `json:"asls" nullable:"false" doc:"The health authorities to choose asl from (part 5): the visit is in the chosen one's agenda."`
	HasDraft    bool                 `json:"has_draft" doc:"A draft is saved (GET …/draft)."`
	InProgress  *InvApplicationEntry `json:"application_in_progress,omitempty" doc:"The application in progress (submitted or visited), if any: while it is, no other can be sent."`
}

// InvVisit is a booking of an application in the agenda of an ASL (AG-1).
type InvVisit struct {
	StartsAt   time.Time `json:"starts_at" doc:"When the visit is, RFC 3339 in Europe/Rome."`
	Place      string    `json:"place" example:"Via Rocca di Papa 9, Roma"`
	Commission string    `json:"commission" example:"Commissione medica 1"`
	Home       bool      `json:"home" doc:"A home visit, for a person who cannot be moved (the certificate says so)."`
	ASL        OfficeRef `json:"asl" doc:"The health authority whose commission visits."`
	Summons    int       `json:"summons" minimum:"1" maximum:"2" doc:"1: the first summons; 2: the summons after an absence (AG-3)."`
	State      string    `json:"state" enum:"booked,moved,present,absent,cancelled" doc:"booked: waiting for the visit; moved: the date was changed and another booking replaced it (AG-2); present, absent: as the ASL recorded it (AG-3); cancelled: the application ended first."`
}

// InvDocuments are the addresses of an application's PDFs.
type InvDocuments struct {
	Receipt string `json:"ricevuta" doc:"The receipt (INV-6): office, applicant, date, assessments, intermediary, protocol and Domus numbers, the visit."`
}

// InvSubmission is a sent application: the answer of the sending (INV-6)
// and the head of an application's page.
type InvSubmission struct {
	Number       string       `json:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"Protocol number AAAAnnnnnnn in the general protocol register."`
	Domus        string       `json:"domus" pattern:"^D[0-9]{11}$" example:"D20260000007" doc:"The Domus number: the case's second identifier, D and AAAAnnnnnnn from its own register (INV-6)."`
	State        string       `json:"state" enum:"submitted,visited,renounced,annulled" doc:"submitted: waiting for the visit; visited: the commission visited the applicant; renounced: absent at two summons, the application lapsed (AG-3); annulled."`
	SubmittedAt  time.Time    `json:"submitted_at" doc:"The date of submission, RFC 3339 in Europe/Rome."`
	Applicant    string       `json:"applicant" doc:"The applicant's codice fiscale."`
	Office       OfficeRef    `json:"office" doc:"The competent office."`
	Channel      string       `json:"channel" enum:"web,contact_centre,intermediary,paper,api" doc:"How it was filed (CH-1): intermediary for applications filed through this API."`
	Operator     *Operator    `json:"operator,omitempty" doc:"Who filed it for the applicant, if not the applicant."`
	Intermediary string       `json:"intermediary,omitempty" example:"PAT-RM-001" doc:"The intermediary's code, printed on the receipt (ID-5, INV-6)."`
	Request      string       `json:"request" enum:"primo,aggravamento,revisione,disabilita" doc:"The request (richiesta)."`
	Assessments  []string     `json:"assessments" nullable:"false" doc:"The assessments asked (accertamenti)."`
	Certificate  string       `json:"certificate,omitempty" doc:"The linked certificate's number (primo, aggravamento)."`
	FastTrack    bool         `json:"fast_track" doc:"The certificate states cancer in progress: the visit is due within 15 days (L. 80/2006)."`
	Visit        *InvVisit    `json:"visit" doc:"The visit the application waits for (AG-1), or null when the ASL's agenda has no free date yet (the summons follows) or there is none to wait for."`
	Documents    InvDocuments `json:"documents" doc:"Where its PDF documents are."`
	URL          string       `json:"url" doc:"The application in this API (path-absolute)."`
}

// InvEvent is a step of an application's administrative and health
// process (INV-8, ST-1), without who acted among the staff.
type InvEvent struct {
	At      time.Time         `json:"at" doc:"RFC 3339, Europe/Rome."`
	Kind    string            `json:"kind" example:"visit_booked" doc:"submitted, visit_booked, visit_pending (no free date yet), visit_moved, visit_present, visit_absent, renounced, annulled…"`
	Channel string            `json:"channel" example:"intermediary"`
	Details map[string]string `json:"details" nullable:"false" doc:"The event's data, Italian keys: for visit_booked data, luogo, convocazione (and oltre_termine when the agenda misses the 15 days of L. 80/2006); for visit_moved da, a; for visit_absent convocazione; for renounced avviso."`
}

// InvApplication is a sent application with its content as sent, which
// never changes, its visits and its dated history (INV-8).
type InvApplication struct {
	InvSubmission
	Content   InvApplicationContent `json:"content" doc:"The application as sent."`
	Person    RegistryPerson        `json:"anagrafica" doc:"The applicant's registry data as they were when it was sent."`
	Certified []string              `json:"certified_assessments" nullable:"false" doc:"The assessments the certificate covered (primo, aggravamento)."`
	HomeVisit bool                  `json:"home_visit" doc:"The certificate says the applicant cannot be moved: visits are at home."`
	Visits    []InvVisit            `json:"visits" nullable:"false" doc:"Every booking, oldest first: moved dates and both summons included."`
	History   []InvEvent            `json:"history" nullable:"false" doc:"Its events, oldest first."`
}

// InvApplicationEntry is a row of the applicant's list of applications.
type InvApplicationEntry struct {
	Number      string    `json:"number" example:"20260000042"`
	Domus       string    `json:"domus" example:"D20260000007"`
	State       string    `json:"state" enum:"submitted,visited,renounced,annulled"`
	SubmittedAt time.Time `json:"submitted_at" doc:"RFC 3339, Europe/Rome."`
	Office      OfficeRef `json:"office"`
	Channel     string    `json:"channel" enum:"web,contact_centre,intermediary,paper,api"`
	URL         string    `json:"url" doc:"The application in this API (path-absolute)."`
}

// InvSlot is a free date of the agenda the visit can be moved to (AG-2).
type InvSlot struct {
	ID         int64     `json:"id" example:"118" doc:"What to send as slot to change the date."`
	StartsAt   time.Time `json:"starts_at" doc:"RFC 3339, Europe/Rome."`
	Place      string    `json:"place"`
	Commission string    `json:"commission"`
	Home       bool      `json:"home"`
}

// InvVisitOptions says whether the date of the visit can be changed and to
// which dates (AG-2).
type InvVisitOptions struct {
	Visit   *InvVisit `json:"visit,omitempty" doc:"The visit the application waits for; absent if none."`
	Allowed bool      `json:"allowed" doc:"The date can be changed now: once per application, up to 2 days before the visit (configuration), to a free date of the same ASL no later than 60 days after the proposed one."`
	Reason  string    `json:"reason,omitempty" doc:"Why not, in Italian, when allowed is false."`
	Until   time.Time `json:"until,omitzero" doc:"The last moment the date can be changed, RFC 3339 in Europe/Rome."`
	Slots   []InvSlot `json:"slots" nullable:"false" doc:"The dates to choose from, earliest first."`
}

// InvVisitChange is the body of a change of date.
type InvVisitChange struct {
	Slot int64 `json:"slot" minimum:"1" example:"118" doc:"The id of one of the slots of GET …/visit/options."`
}
