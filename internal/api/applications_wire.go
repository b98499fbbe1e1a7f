package api

import "time"

// The spa-treatment application's wire types (CBT-2…CBT-15), for the
// software of intermediaries. What the operator fills in keeps the member
// names of the application's screens, in Italian (telefono, ufficio,
// certificato…), which are also the names the field problems give
// (body.domicilio.cap); what the system adds (numbers, states, times,
// outcomes) is named in English, like the rest of the API.

// Domicile is a domicile different from the residence: screen 2 of the
// spa-treatment application (CBT-3), and the temporary domicile of the
// civil-invalidity one (INV-2). When given, it decides the offices and
// ASLs proposed.
type Domicile struct {
	Street   string `json:"indirizzo,omitempty" maxLength:"200" example:"Via Roma 1" doc:"Street and number, at most 120 characters."`
	Postcode string `json:"cap,omitempty" maxLength:"10" example:"00184" doc:"CAP: 5 digits."`
	Comune   string `json:"comune,omitempty" maxLength:"120" example:"Roma"`
	Province string `json:"provincia,omitempty" maxLength:"10" example:"RM" doc:"Two-letter sigla."`
}

// CBTApplicationContent is what the operator fills in: the body of the
// draft, and of a CONFERMA in one call. A draft may be incomplete (CBT-11);
// CONFERMA checks it all. Only overlong text and unknown values of
// patologia are refused outright.
type CBTApplicationContent struct {
	Domicile        *Domicile `json:"domicilio,omitempty" doc:"Screen 2: only if the domicile differs from the residence; it then decides the offices and ASLs proposed (CBT-4)."`
	Phone           string    `json:"telefono,omitempty" maxLength:"40" example:"06 1234567" doc:"Screen 3: at least one of telefono, cellulare and email (CBT-4). Digits, spaces and a leading +."`
	Mobile          string    `json:"cellulare,omitempty" maxLength:"40" example:"+39 333 1234567"`
	Email           string    `json:"email,omitempty" maxLength:"254" example:"mario.rossi@esempio.it"`
	Office          string    `json:"ufficio,omitempty" maxLength:"40" example:"RM01" doc:"Screen 3: the competent office, one of the offices the applicant's context proposes."`
	Corrected       bool      `json:"precedenti_corretti,omitempty" doc:"Screen 4: the previous grants the registry shows are wrong; the correction is flagged for the office (CBT-5). Without it primo_anno, concessioni_precedenti and nota_correzione are ignored and not kept."`
	FirstGrantYear  int       `json:"primo_anno,omitempty" minimum:"0" maximum:"9999" doc:"Screen 4, correction: the year of the first grant."`
	PreviousGrants  int       `json:"concessioni_precedenti,omitempty" minimum:"0" maximum:"999" doc:"Screen 4, correction: the cycles granted in previous years."`
	CorrectionNotes string    `json:"nota_correzione,omitempty" maxLength:"1000" doc:"Screen 4, correction: why, at most 500 characters (required with a correction)."`
	Pathology       string    `json:"patologia,omitempty" enum:"reumoartropatica,broncopneumopatica" doc:"Screen 5: the pathology group (CBT-6)."`
	Cure            string    `json:"cura,omitempty" maxLength:"40" example:"fango-bagno" doc:"Screen 5: a cure of the group: fango-bagno, balneo (reumoartropatica); inalazioni, aerosol, nebulizzazioni (broncopneumopatica)."`
	Certificate     string    `json:"certificato,omitempty" maxLength:"32" example:"20260000042" doc:"Screen 6: the number of the applicant's spa-treatment certificate, sent by the doctor (CBT-7, CBT-15); checked at CONFERMA."`
	ASL             string    `json:"asl,omitempty" maxLength:"40" example:"ASL-RM1" doc:"Screen 6: the health authority of reference, one of the ASLs the applicant's context proposes."`
}

// CBTProblem is something still to fix in a draft, on its screen.
type CBTProblem struct {
	Screen   string `json:"screen" enum:"domicilio,contatti,precedenti,domanda,sanitari" doc:"The screen of the web application that holds the field."`
	Location string `json:"location" example:"body.ufficio" doc:"The member, as the body of PUT …/draft holds it."`
	Message  string `json:"message" doc:"What to do, in Italian."`
}

// CBTDraft is the applicant's draft of this year: shared by the citizen on
// the web, the contact centre and every intermediary with a mandate; kept
// until the window closes (31 October).
type CBTDraft struct {
	Year     int                   `json:"year" doc:"The year of the cures: the current year, preset and not editable (CBT-6)."`
	Content  CBTApplicationContent `json:"content" doc:"What has been filled in: the body of PUT …/draft."`
	Complete bool                  `json:"complete" doc:"Every screen is filled in correctly: CONFERMA can be asked (the certificate is checked then)."`
	Problems []CBTProblem          `json:"problems" nullable:"false" doc:"What is still missing or wrong, screen by screen, in the order of the screens."`
}

// RegistryPerson is a person as the registry (ARCA) holds them: shown
// read-only (CBT-2).
type RegistryPerson struct {
	FiscalCode   string `json:"codice_fiscale"`
	GivenName    string `json:"nome"`
	FamilyName   string `json:"cognome"`
	BirthDate    string `json:"data_nascita" doc:"YYYY-MM-DD."`
	BirthPlace   string `json:"luogo_nascita"`
	Sex          string `json:"sesso"`
	Address      string `json:"indirizzo" doc:"Residence."`
	Postcode     string `json:"cap"`
	Municipality string `json:"comune"`
	Province     string `json:"provincia"`
}

// OfficeRef names an office or a health authority.
type OfficeRef struct {
	Code string `json:"code" example:"RM01"`
	Name string `json:"name" example:"Sede provinciale di Roma"`
}

// CBTApplicant is what the application's screens show from the registries
// (CBT-2, CBT-4, CBT-5, CBT-8), with the choices they propose.
type CBTApplicant struct {
	Person         RegistryPerson       `json:"anagrafica" doc:"Registry data, read-only (screen 1)."`
	Year           int                  `json:"year" doc:"The year of the cures: the current year."`
	Open           bool                 `json:"open" doc:"Whether applications are accepted today: 1 January - 31 October (CBT-14)."`
	Closed         string               `json:"closed,omitempty" doc:"Why they are not, in Italian, when open is false."`
	ProposedFor    string               `json:"proposed_for" enum:"residenza,domicilio" doc:"Which address the proposed offices and ASLs follow: the draft's domicile when it has one, else the residence (CBT-4)."`
	Offices        []OfficeRef          `json:"offices" nullable:"false" doc:"The competent offices to choose ufficio from (screen 3)."`
	ASLs           []OfficeRef          `json:"asls" nullable:"false" doc:"The health authorities to choose asl from (screen 6)."`
	FirstGrantYear int                  `json:"first_grant_year,omitempty" doc:"The year of the first grant of spa treatments, as the registry shows it (screen 4); absent if none."`
	PreviousGrants int                  `json:"previous_grants" doc:"Cycles granted in previous years, as the registry shows them (screen 4)."`
	Activity       string               `json:"activity" doc:"The current employment's activity (screen 7, CBT-8)."`
	Qualification  string               `json:"qualification" doc:"The current employment's qualification."`
	ThisYear       *CBTApplicationEntry `json:"application_this_year,omitempty" doc:"The application already filed for this year, if any: there can be one a year (RULE-9)."`
}

// CBTRequirements is the requirements' check of screen 7 (CBT-8): every
// rule's outcome on the applicant's registry records and the draft's
// pathology, as the office will see it. Missing requirements do not stop
// the application (CBT-10).
type CBTRequirements struct {
	Eligibility
	Activity      string `json:"activity" doc:"The current employment's activity."`
	Qualification string `json:"qualification" doc:"The current employment's qualification."`
}

// CBTShortfall is a requirement that failed or is left to the office, as
// recorded with the application.
type CBTShortfall struct {
	Rule   string `json:"rule" example:"RULE-2"`
	Title  string `json:"title" doc:"The requirement's name, in Italian."`
	Result string `json:"result" enum:"fail,unknown,needs_approval"`
	Reason string `json:"reason" doc:"Why, in Italian."`
}

// CBTOutcome is the requirements' outcome an application keeps.
type CBTOutcome struct {
	Overall    string         `json:"overall" enum:"entitled,excluded,exceptional,incomplete"`
	Summary    string         `json:"summary" doc:"The outcome in an Italian sentence, as printed on the receipt."`
	Shortfalls []CBTShortfall `json:"shortfalls" nullable:"false" doc:"The requirements not met or to verify, with the reasons: flagged to the office (CBT-10)."`
}

// Operator is who filed an application for the applicant (ID-5).
type Operator struct {
	Role         string `json:"role" enum:"intermediary,contact_centre,office"`
	Name         string `json:"name,omitempty"`
	Organisation string `json:"organisation,omitempty" example:"PAT-RM-001" doc:"The intermediary's code, or the office."`
}

// CBTDocuments are the addresses of an application's PDFs (CBT-12, DOC-1).
type CBTDocuments struct {
	Receipt string `json:"ricevuta" doc:"The receipt, with the protocol number and the intermediary's code."`
	Form    string `json:"domanda" doc:"The pre-filled application."`
}

// CBTSubmission is a registered application: the answer of CONFERMA
// (CBT-12) and the head of an application's page.
type CBTSubmission struct {
	Number       string       `json:"number" pattern:"^[0-9]{11}$" example:"20260000042" doc:"Protocol number AAAAnnnnnnn in the general protocol register."`
	State        string       `json:"state" enum:"submitted,annulled" doc:"submitted: with the competent office, which processes it (CBT-13)."`
	SubmittedAt  time.Time    `json:"submitted_at" doc:"The date of submission, RFC 3339 in Europe/Rome."`
	AnnulledAt   time.Time    `json:"annulled_at,omitzero" doc:"When it was annulled, if it was."`
	Year         int          `json:"year" doc:"The year of the cures."`
	Applicant    string       `json:"applicant" doc:"The applicant's codice fiscale."`
	Office       OfficeRef    `json:"office" doc:"The competent office that processes it."`
	Channel      string       `json:"channel" enum:"web,contact_centre,intermediary,paper,api" doc:"How it was filed (CH-1): intermediary for applications filed through this API."`
	Operator     *Operator    `json:"operator,omitempty" doc:"Who filed it for the applicant, if not the applicant."`
	Intermediary string       `json:"intermediary,omitempty" example:"PAT-RM-001" doc:"The intermediary's code, printed on the receipt (ID-5)."`
	Certificate  string       `json:"certificate" doc:"The linked medical certificate's number."`
	Flagged      bool         `json:"flagged" doc:"Requirements missing or to verify, or previous grants corrected: flagged to the office (CBT-10)."`
	Requirements CBTOutcome   `json:"requirements"`
	Documents    CBTDocuments `json:"documents" doc:"Where its PDF documents are."`
	URL          string       `json:"url" doc:"The application in this API (path-absolute)."`
}

// CBTEvent is a step of an application's history (ST-1).
type CBTEvent struct {
	At      time.Time `json:"at" doc:"RFC 3339, Europe/Rome."`
	Kind    string    `json:"kind" example:"submitted"`
	Channel string    `json:"channel" example:"intermediary"`
}

// CBTApplication is a registered application with its content as
// confirmed, which never changes (CBT-13), and its history.
type CBTApplication struct {
	CBTSubmission
	Content        CBTApplicationContent `json:"content" doc:"The application as confirmed."`
	Person         RegistryPerson        `json:"anagrafica" doc:"The applicant's registry data as they were at CONFERMA."`
	FirstGrantYear int                   `json:"registry_first_grant_year,omitempty" doc:"The first grant as the registry showed it (screen 4), before any correction."`
	PreviousGrants int                   `json:"registry_previous_grants" doc:"The previous grants as the registry showed them."`
	Activity       string                `json:"activity" doc:"The employment the requirements screen showed (CBT-8)."`
	Qualification  string                `json:"qualification"`
	History        []CBTEvent            `json:"history" nullable:"false" doc:"Its events, oldest first."`
}

// CBTApplicationEntry is a row of the applicant's list of applications
// (CBT-1).
type CBTApplicationEntry struct {
	Number      string    `json:"number" example:"20260000042"`
	Year        int       `json:"year"`
	State       string    `json:"state" enum:"submitted,annulled"`
	SubmittedAt time.Time `json:"submitted_at" doc:"RFC 3339, Europe/Rome."`
	Office      OfficeRef `json:"office"`
	Channel     string    `json:"channel" enum:"web,contact_centre,intermediary,paper,api"`
	Flagged     bool      `json:"flagged"`
	URL         string    `json:"url" doc:"The application in this API (path-absolute)."`
}
