package api

import (
	"fmt"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// register lists the whole surface of the API. Every operation is
// documented in the OpenAPI document from the same declaration, and a test
// checks that the routes on the mux and the document agree.
func (a *API) register() {
	huma.Register(a.huma, huma.Operation{
		OperationID: "get-status",
		Method:      http.MethodGet,
		Path:        "/api/v1/status",
		Summary:     "Service status",
		Description: "The service's name and version, the server's time and the database schema version. Public.",
		Tags:        []string{"service"},
		Errors:      []int{http.StatusServiceUnavailable},
	}, a.status)

	a.registerEligibility()

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "create-registration",
		Method:        http.MethodPost,
		Path:          registrationsPath,
		Summary:       "Register an incoming document",
		Description:   "Registers a document in the general protocol register (protocollo): the number, the date and the digest are assigned by the system. Requires an Idempotency-Key: a retry with the same key and body returns the first response with Idempotent-Replayed: true.",
		Tags:          []string{"registrations"},
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  512 << 10, // 64 KiB of content, even fully \u-escaped, and the other fields
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleOffice, RoleAdmin), a.createRegistration)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "list-registrations",
		Method:      http.MethodGet,
		Path:        registrationsPath,
		Summary:     "List registrations",
		Description: "Registrations in register, year and number order, without their content, one page at a time.",
		Tags:        []string{"registrations"},
		Errors:      []int{http.StatusUnprocessableEntity},
	}, RoleOffice, RoleAdmin), a.listRegistrations)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-registration",
		Method:      http.MethodGet,
		Path:        registrationsPath + "/{id}",
		Summary:     "Read a registration",
		Description: "A registration with its content, its annulment if any and its history. Every read is recorded in the audit trail.",
		Tags:        []string{"registrations"},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleOffice, RoleAdmin), a.getRegistration)

	if a.certs != nil {
		a.registerCertificates()
	}
	if a.apps != nil && a.mandates != nil {
		a.registerApplications()
	}
	if a.invs != nil && a.mandates != nil {
		a.registerInvalidity()
	}
}

// registerCertificates lists the certifying doctor's operations (CERT-1…
// CERT-9, DOC-1), for practice-management software. They share the tag
// "certificates", hence the scopes certificates:read (GET) and
// certificates:write, and need a doctor's personal token.
func (a *API) registerCertificates() {
	const tag = "certificates"
	const declaration = " Before the first-access declaration (PUT " + doctorProfilePath + ") it answers 403."
	const idempotent = " Requires an Idempotency-Key: a retry with the same key and body returns the first response with Idempotent-Replayed: true."
	certBody := int64(256 << 10) // the longest certificate, even fully \u-escaped

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-doctor-profile",
		Method:      http.MethodGet,
		Path:        doctorProfilePath,
		Summary:     "Read the doctor's declaration",
		Description: "The first-access declaration (CERT-1): relationship with the SSN, health body, registration with the Ordine dei medici. 404 until it is made.",
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound},
	}, RoleDoctor), a.getDoctorProfile)

	// A PUT that makes the declaration answers 201; huma documents only
	// the default status, 200.
	profile := a.huma.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[DoctorProfile](), true, "")
	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "put-doctor-profile",
		Method:       http.MethodPut,
		Path:         doctorProfilePath,
		Summary:      "Make or change the doctor's declaration",
		Description:  "Makes the first-access declaration (201), which every certificate operation requires, or changes it (200; CERT-7). Certificates already sent keep the data they were sent with. Every wrong member is named in errors.",
		Tags:         []string{tag},
		MaxBodyBytes: 16 << 10,
		Errors:       []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{
			"201": {Description: "The first-access declaration was made.", Content: map[string]*huma.MediaType{"application/json": {Schema: profile}}},
		},
	}, RoleDoctor), a.putDoctorProfile)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "list-doctor-addresses",
		Method:      http.MethodGet,
		Path:        addressesPath,
		Summary:     "List the practice addresses",
		Description: "The doctor's practice addresses, oldest first (CERT-7); a certificate's studio is one of their ids." + declaration,
		Tags:        []string{tag},
		Errors:      []int{http.StatusUnprocessableEntity},
	}, RoleDoctor), a.listAddresses)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "create-doctor-address",
		Method:        http.MethodPost,
		Path:          addressesPath,
		Summary:       "Add a practice address",
		Description:   "Adds a practice address (CERT-7)." + idempotent + declaration,
		Tags:          []string{tag},
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  16 << 10,
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.createAddress)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-doctor-address",
		Method:      http.MethodGet,
		Path:        addressesPath + "/{id}",
		Summary:     "Read a practice address",
		Description: "One of the doctor's practice addresses." + declaration,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.getAddress)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "put-doctor-address",
		Method:       http.MethodPut,
		Path:         addressesPath + "/{id}",
		Summary:      "Change a practice address",
		Description:  "Changes one of the doctor's practice addresses; certificates already sent keep the address as it was (CERT-7, CERT-8)." + declaration,
		Tags:         []string{tag},
		MaxBodyBytes: 16 << 10,
		Errors:       []int{http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.putAddress)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "delete-doctor-address",
		Method:      http.MethodDelete,
		Path:        addressesPath + "/{id}",
		Summary:     "Remove a practice address",
		Description: "Removes one of the doctor's practice addresses; certificates already sent keep it." + declaration,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.deleteAddress)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "create-certificate-draft",
		Method:        http.MethodPost,
		Path:          draftsPath,
		Summary:       "Save a new draft",
		Description:   "Saves a certificate being written (CERT-3): it may be incomplete and has no number; it is kept 30 days after its last change. Only a wrong kind or overlong text is refused." + idempotent + declaration,
		Tags:          []string{tag},
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  certBody,
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.createDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-certificate-draft",
		Method:      http.MethodGet,
		Path:        draftsPath + "/{id}",
		Summary:     "Read a draft",
		Description: "One of the doctor's drafts, to resume it (CERT-3). Another doctor's draft, or one sent, deleted or expired, is 404." + declaration,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.getDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "put-certificate-draft",
		Method:       http.MethodPut,
		Path:         draftsPath + "/{id}",
		Summary:      "Update a draft",
		Description:  "Replaces the content of one of the doctor's drafts; its 30 days start again." + declaration,
		Tags:         []string{tag},
		MaxBodyBytes: certBody,
		Errors:       []int{http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.putDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "delete-certificate-draft",
		Method:      http.MethodDelete,
		Path:        draftsPath + "/{id}",
		Summary:     "Delete a draft",
		Description: "Deletes one of the doctor's drafts." + declaration,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.deleteDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "send-certificate-draft",
		Method:        http.MethodPost,
		Path:          draftsPath + "/{id}/send",
		Summary:       "Send a draft",
		Description:   "Sends one of the doctor's drafts as last saved (CERT-4): it is checked in full (the patient against the registry), numbered in the certificate register of the year and the draft is deleted. A refusal (422) names every wrong member and keeps the draft." + idempotent + declaration,
		Tags:          []string{tag},
		DefaultStatus: http.StatusCreated,
		Errors:        []int{http.StatusConflict, http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.sendDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "send-certificate",
		Method:        http.MethodPost,
		Path:          certificatesPath,
		Summary:       "Send a certificate",
		Description:   "Checks and sends a complete certificate in one call (CERT-4), without a draft: it gets the next number AAAAnnnnnnn of the certificate register of the year. A refusal (422) names every wrong member; nothing is kept." + idempotent + " A retry never takes a second number." + declaration,
		Tags:          []string{tag},
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  certBody,
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.sendCertificate)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "list-certificates",
		Method:      http.MethodGet,
		Path:        certificatesPath,
		Summary:     "List the doctor's certificates and drafts",
		Description: "The doctor's certificates and drafts, newest first (CERT-6), one page at a time, with filters." + declaration,
		Tags:        []string{tag},
		Errors:      []int{http.StatusUnprocessableEntity},
	}, RoleDoctor), a.listCertificates)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-certificate",
		Method:      http.MethodGet,
		Path:        certificatesPath + "/{number}",
		Summary:     "Read a certificate",
		Description: "One of the doctor's sent certificates: its content as sent, state, expiry and annulment (CERT-8, CERT-9). Another doctor's certificate is 404. Every read is recorded in the audit trail.",
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.getCertificate)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "annul-certificate",
		Method:       http.MethodPost,
		Path:         certificatesPath + "/{number}/annulment",
		Summary:      "Annul a certificate",
		Description:  "Annuls one of the doctor's certificates with a reason (CERT-8) and returns it, annulled: it stays readable, and its documents say so. 409 once an application uses it, or if it is already annulled." + idempotent + declaration,
		Tags:         []string{tag},
		MaxBodyBytes: 16 << 10,
		Errors:       []int{http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleDoctor), a.annulCertificate)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-certificate-document",
		Method:      http.MethodGet,
		Path:        certificatesPath + "/{number}/documents/{doc}",
		Summary:     "Download a certificate's document",
		Description: "A PDF of one of the doctor's certificates (CERT-5, DOC-1): the certificate, the attestation of sending, or the receipt for the patient with the number. Each carries a QR code that anyone can check at /verifica.",
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		// The bytes of a PDF: OpenAPI 3.1 describes raw content by its
		// media type alone, without a schema.
		Responses: map[string]*huma.Response{
			"200": {Description: "The PDF.", Content: map[string]*huma.MediaType{"application/pdf": {}}},
		},
	}, RoleDoctor), a.getDocument)
}

// registerApplications lists the operations of intermediaries' software on
// the spa-treatment application (CBT-2…CBT-15, CH-1, ID-5). They share the
// tag "applications", hence the scopes applications:read (GET) and
// applications:write, and need the personal token of an intermediary's
// operator; the citizen is in the path and must hold a live mandate with
// the operator's organisation, checked on every request.
func (a *API) registerApplications() {
	const tag = "applications"
	const mandate = " The applicant must have given the operator's organisation a mandate for spa treatments (cbt or all), in force today; otherwise 404, exactly as for a codice fiscale nobody has."
	base := applicantsPath + "/{codice_fiscale}"
	contentBody := int64(16 << 10)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-cbt-applicant",
		Method:      http.MethodGet,
		Path:        base,
		Summary:     "Read the applicant's context",
		Description: "What the application's screens show from the registries: the personal data, read-only (CBT-2); the offices and ASLs to choose from, for the draft's domicile or else the residence (CBT-4, CBT-7); the previous grants (CBT-5); the current activity and qualification (CBT-8); whether applications are accepted today (CBT-14) and the application already filed this year, if any. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getCBTApplicant)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-cbt-draft",
		Method:      http.MethodGet,
		Path:        base + "/draft",
		Summary:     "Read the draft",
		Description: "The applicant's draft of this year, with what is still to fix screen by screen (CBT-11). The same draft serves the citizen on the web, the contact centre and the intermediary. 404 if there is none." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getCBTDraft)

	// A PUT that creates the draft answers 201; huma documents only the
	// default status, 200.
	draft := a.huma.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[CBTDraft](), true, "")
	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "put-cbt-draft",
		Method:       http.MethodPut,
		Path:         base + "/draft",
		Summary:      "Save the draft",
		Description:  "Creates (201) or replaces (200) the applicant's draft of this year. It is saved even when incomplete or wrong (CBT-11): the answer lists, screen by screen, what is still to fix. Only overlong text or an unknown patologia is refused (422). 409 once this year's application is filed, or outside the window 1 January - 31 October (CBT-14). A PUT is idempotent by itself and takes no Idempotency-Key." + mandate,
		Tags:         []string{tag},
		MaxBodyBytes: contentBody,
		Errors:       []int{http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{
			"201": {Description: "The draft was created.", Content: map[string]*huma.MediaType{"application/json": {Schema: draft}}},
		},
	}, RoleIntermediary), a.putCBTDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-cbt-requirements",
		Method:      http.MethodGet,
		Path:        base + "/requirements",
		Summary:     "Check the requirements",
		Description: "The requirements' check of screen 7 (CBT-8): every entitlement rule's outcome with its reason, on the applicant's registry records and the draft's pathology, with the current activity and qualification. Missing requirements do not stop the application: they are flagged to the office (CBT-10). The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getCBTRequirements)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "submit-cbt-application",
		Method:        http.MethodPost,
		Path:          base + "/applications",
		Summary:       "Confirm the application (CONFERMA)",
		Description:   "CONFERMA (CBT-12): the draft as last saved, or the application in the body, is checked in full, the medical certificate is linked (the applicant's spa-treatment certificate, sent and not used: CBT-15), and the application is registered with its protocol number and handed to the competent office (CBT-13), even with requirements missing, which flag it (CBT-10). The channel recorded is intermediary, with the operator and the intermediary's code, printed on the receipt (CH-1, ID-5). A refusal (422) names every wrong member. One application a year (RULE-9): another is 409. Requires an Idempotency-Key: a retry with the same key and body returns the first response with Idempotent-Replayed: true, and never registers a second application." + mandate,
		Tags:          []string{tag},
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  contentBody,
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.submitCBT)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "list-cbt-applications",
		Method:      http.MethodGet,
		Path:        base + "/applications",
		Summary:     "List the applicant's applications",
		Description: "The applicant's spa-treatment applications, newest first, whoever filed them (CBT-1), one page at a time. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.listCBTApplications)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-cbt-application",
		Method:      http.MethodGet,
		Path:        base + "/applications/{number}",
		Summary:     "Read an application",
		Description: "One of the applicant's applications as registered, which never changes (CBT-13): its content, the registry data and requirements' outcome recorded at CONFERMA, its state and history (ST-1). Another person's application is 404. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getCBTApplication)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-cbt-application-document",
		Method:      http.MethodGet,
		Path:        base + "/applications/{number}/documents/{doc}",
		Summary:     "Download an application's document",
		Description: "A PDF of one of the applicant's applications (CBT-12, DOC-1): the receipt (ricevuta) with the protocol number, the channel and the intermediary's code, or the pre-filled application (domanda). Each carries a QR code that anyone can check at /verifica. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{
			"200": {Description: "The PDF.", Content: map[string]*huma.MediaType{"application/pdf": {}}},
		},
	}, RoleIntermediary), a.getCBTDocument)
}

// registerInvalidity lists the operations of intermediaries' software on
// the civil-invalidity application (INV-1…INV-8, AG-1, AG-2, CH-1, ID-5).
// They are applications like the spa treatments': the same tag, hence the
// same scopes applications:read (GET) and applications:write, and the
// same personal token of an intermediary's operator; the citizen is in the
// path and must hold a live mandate for civil invalidity with the
// operator's organisation, checked on every request.
func (a *API) registerInvalidity() {
	const tag = "applications"
	const mandate = " The applicant must have given the operator's organisation a mandate for civil invalidity (inv or all), in force today; otherwise 404, exactly as for a codice fiscale nobody has."
	const idempotent = " Requires an Idempotency-Key: a retry with the same key and body returns the first response with Idempotent-Replayed: true."
	base := invApplicantsPath + "/{codice_fiscale}"
	contentBody := int64(16 << 10)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-inv-applicant",
		Method:      http.MethodGet,
		Path:        base,
		Summary:     "Read the civil-invalidity applicant's context",
		Description: "What the civil-invalidity form shows from the registry: the personal data, read-only, and the age (a minor needs a guardian; disability is for ages 15-66: INV-2, INV-7); the offices and ASLs to choose from, for the draft's temporary domicile or else the residence; whether a draft is saved; the application in progress, if any. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getInvApplicant)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-inv-draft",
		Method:      http.MethodGet,
		Path:        base + "/draft",
		Summary:     "Read the civil-invalidity draft",
		Description: "The applicant's draft, with every fault part by part (INV-3). The same draft serves the citizen on the web, the contact centre and the intermediary. 404 if there is none." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getInvDraft)

	draft := a.huma.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[InvDraft](), true, "")
	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "put-inv-draft",
		Method:       http.MethodPut,
		Path:         base + "/draft",
		Summary:      "Save the civil-invalidity draft",
		Description:  "Creates (201) or replaces (200) the applicant's draft. It is saved even when incomplete or wrong: the answer lists every fault, part by part, that would stop the sending (INV-3). Only overlong text, a malformed date and values outside the lists are refused (422). 409 while an application is in progress. A PUT is idempotent by itself and takes no Idempotency-Key." + mandate,
		Tags:         []string{tag},
		MaxBodyBytes: contentBody,
		Errors:       []int{http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{
			"201": {Description: "The draft was created.", Content: map[string]*huma.MediaType{"application/json": {Schema: draft}}},
		},
	}, RoleIntermediary), a.putInvDraft)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:   "submit-inv-application",
		Method:        http.MethodPost,
		Path:          base + "/applications",
		Summary:       "Send the civil-invalidity application (INVIA)",
		Description:   "INVIA (INV-3): the draft as last saved, or the application in the body, is checked in full; the certificate is linked (the applicant's civil-invalidity certificate, sent within 90 days, not used, covering the assessments asked: INV-4, CERT-9) or, for a revision or a disability request, the previous report is kept (INV-5); the application is registered with its protocol and Domus numbers and the earliest suitable visit is booked in the chosen ASL's agenda (INV-6, AG-1). The channel recorded is intermediary, with the operator and the intermediary's code, printed on the receipt (CH-1, ID-5). An incomplete application (422) names every wrong member. One application in progress at a time: another is 409." + idempotent + " A retry never registers a second application." + mandate,
		Tags:          []string{tag},
		DefaultStatus: http.StatusCreated,
		MaxBodyBytes:  contentBody,
		Errors:        []int{http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.submitInv)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "list-inv-applications",
		Method:      http.MethodGet,
		Path:        base + "/applications",
		Summary:     "List the applicant's civil-invalidity applications",
		Description: "The applicant's civil-invalidity applications, newest first, whoever filed them, with their state (INV-8), one page at a time. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.listInvApplications)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-inv-application",
		Method:      http.MethodGet,
		Path:        base + "/applications/{number}",
		Summary:     "Read a civil-invalidity application",
		Description: "One of the applicant's applications: its content as sent, which never changes, the registry data it was sent with, its state, every visit booked and its dated history through the administrative and health phases (INV-8, ST-1). Another person's application is 404. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getInvApplication)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-inv-application-document",
		Method:      http.MethodGet,
		Path:        base + "/applications/{number}/documents/{doc}",
		Summary:     "Download a civil-invalidity application's document",
		Description: "The receipt (ricevuta) as PDF (INV-6, DOC-1): the office, the applicant, the date, the assessments, the intermediary's code, the protocol and Domus numbers and the visit's date and place, with a QR code that anyone can check at /verifica. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{
			"200": {Description: "The PDF.", Content: map[string]*huma.MediaType{"application/pdf": {}}},
		},
	}, RoleIntermediary), a.getInvDocument)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID: "get-inv-visit-options",
		Method:      http.MethodGet,
		Path:        base + "/applications/{number}/visit/options",
		Summary:     "Dates the visit can be moved to",
		Description: "Whether the date of the visit can be changed now and to which dates (AG-2): once per application, up to a few days before the visit, to a free date of the same ASL (and kind, at home or not) within a limit after the proposed one; otherwise the reason, in Italian. The read is recorded in the audit trail." + mandate,
		Tags:        []string{tag},
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.getInvVisitOptions)

	huma.Register(a.huma, allow(huma.Operation{
		OperationID:  "change-inv-visit",
		Method:       http.MethodPost,
		Path:         base + "/applications/{number}/visit",
		Summary:      "Change the date of the visit",
		Description:  "Moves the visit to one of the slots of GET …/visit/options (AG-2) and returns the new booking (200). The date can be changed once: a second change is 409, with the reason; a slot not offered is 422 at body.slot; a slot filled meanwhile is 409." + idempotent + mandate,
		Tags:         []string{tag},
		MaxBodyBytes: 4 << 10,
		Errors:       []int{http.StatusBadRequest, http.StatusConflict, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, RoleIntermediary), a.changeInvVisit)

	// The visit of a sent application is null while the agenda has no
	// date: huma documents object members as never null.
	for _, name := range []string{"InvSubmission", "InvApplication"} {
		nullableMember(a.huma.OpenAPI().Components.Schemas, name, "visit")
	}
}

// nullableMember documents the object member of a schema as "the object
// or null" (OpenAPI 3.1: anyOf with the null type).
func nullableMember(r huma.Registry, schema, member string) {
	s := r.Map()[schema]
	if s == nil || s.Properties[member] == nil {
		panic(fmt.Sprintf("api: no member %s in schema %s", member, schema)) // a bug in the declarations
	}
	m := s.Properties[member]
	s.Properties[member] = &huma.Schema{Description: m.Description, AnyOf: []*huma.Schema{{Ref: m.Ref}, {Type: "null"}}}
}
