package web

import "net/http"

// Routes registers every page on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/{hash}/{path...}", s.assets)

	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /informazioni/cure-termali", s.content("cure-termali", "page.cbt.title"))
	mux.HandleFunc("GET /informazioni/invalidita-civile", s.content("invalidita-civile", "page.inv.title"))
	mux.HandleFunc("GET /cure-termali/verifica-requisiti", s.precheckPage)
	mux.HandleFunc("POST /cure-termali/verifica-requisiti", s.precheckPost)
	mux.HandleFunc("GET /privacy", s.content("privacy", "page.privacy.title"))
	mux.HandleFunc("GET /accessibilita", s.content("accessibilita", "page.a11y.title"))
	mux.HandleFunc("GET /note-legali", s.content("note-legali", "page.legal.title"))
	mux.HandleFunc("GET /lingua/{lang}", s.switchLang)
	mux.HandleFunc("GET /verifica", s.verify)
	mux.HandleFunc("POST /sessione/rinnova", s.renewForm)

	if s.accounts != nil {
		mux.HandleFunc("GET /accedi", s.loginPage)
		mux.HandleFunc("POST /accedi", s.loginPost)
		mux.HandleFunc("POST /esci", s.logout)
		mux.HandleFunc("GET /profilo", s.profile)
		mux.HandleFunc("POST /profilo/ruolo", s.switchRole)
		mux.HandleFunc("GET /profilo/pin", s.pinPage)
		mux.HandleFunc("POST /profilo/pin", s.pinPost)
		mux.HandleFunc("POST /profilo/esci-ovunque", s.logoutEverywhere)
		mux.HandleFunc("GET /profilo/accessi", s.accessLog)
		mux.HandleFunc("GET /profilo/token", s.tokensPage)
		mux.HandleFunc("POST /profilo/token", s.tokensPost)
		mux.HandleFunc("GET /profilo/deleghe", s.myMandates)
		mux.HandleFunc("POST /profilo/deleghe/{id}/revoca", s.revokeMyMandate)
		mux.HandleFunc("GET /per-conto-di", s.actingPage)
		mux.HandleFunc("POST /per-conto-di", s.actingStart)
		mux.HandleFunc("POST /per-conto-di/termina", s.actingStop)
		mux.HandleFunc("GET /deleghe/nuova", s.mandatePage)
		mux.HandleFunc("POST /deleghe/nuova", s.mandatePost)
		mux.HandleFunc("GET /pin/richiesta", s.pinRequestPage)
		mux.HandleFunc("POST /pin/richiesta", s.pinRequestPost)
		mux.HandleFunc("GET /ufficio/lettere", s.letters)
		mux.HandleFunc("GET /ufficio/lettere/{id}", s.letterPDF)
		mux.HandleFunc("POST /ufficio/lettere/{id}/stampata", s.letterPrinted)
		mux.HandleFunc("GET /ufficio/pin", s.officePIN)
		mux.HandleFunc("POST /ufficio/pin", s.officePINPost)
		mux.HandleFunc("POST /ufficio/pin/revoca", s.officePINRevoke)
		mux.HandleFunc("GET /ufficio/medici", s.officeDoctor)
		mux.HandleFunc("POST /ufficio/medici", s.officeDoctorPost)
		mux.HandleFunc("GET /ufficio/requisiti", s.officeRules)

		mux.HandleFunc("GET /medico", s.doctorMenu)
		mux.HandleFunc("GET /medico/primo-accesso", s.doctorFirstAccess)
		mux.HandleFunc("POST /medico/primo-accesso", s.doctorDeclarationPost)
		mux.HandleFunc("GET /medico/dati", s.doctorData)
		mux.HandleFunc("POST /medico/dati", s.doctorDeclarationPost)
		mux.HandleFunc("GET /medico/dati/indirizzi/nuovo", s.doctorAddress)
		mux.HandleFunc("POST /medico/dati/indirizzi/nuovo", s.doctorAddressPost)
		mux.HandleFunc("GET /medico/dati/indirizzi/{id}", s.doctorAddress)
		mux.HandleFunc("POST /medico/dati/indirizzi/{id}", s.doctorAddressPost)
		mux.HandleFunc("POST /medico/dati/indirizzi/{id}/rimuovi", s.doctorAddressRemove)
		mux.HandleFunc("GET /medico/certificati", s.certList)
		mux.HandleFunc("GET /medico/certificati/nuovo", s.certNew)
		mux.HandleFunc("POST /medico/certificati/nuovo", s.certPost)
		mux.HandleFunc("GET /medico/bozze/{id}", s.certDraft)
		mux.HandleFunc("POST /medico/bozze/{id}", s.certPost)
		mux.HandleFunc("POST /medico/bozze/{id}/elimina", s.certDraftDelete)
		mux.HandleFunc("GET /medico/certificati/{number}", s.certDetail)
		mux.HandleFunc("POST /medico/certificati/{number}/annulla", s.certAnnul)
		mux.HandleFunc("GET /medico/certificati/{number}/pdf/{doc}", s.certPDF)
		mux.HandleFunc("GET /medico/stampa/{doc}", s.certPrint)
		s.cbtRoutes(mux)
		s.officeQueueRoutes(mux)
	}

	if s.examples {
		mux.HandleFunc("GET /esempi", s.examplesIndex)
		mux.HandleFunc("GET /esempi/domanda", s.exampleForm)
		mux.HandleFunc("POST /esempi/domanda", s.exampleFormPost)
		mux.HandleFunc("GET /esempi/riepilogo", s.exampleCheck)
		mux.HandleFunc("POST /esempi/invia", s.exampleSubmit)
		mux.HandleFunc("GET /esempi/conferma/{number}", s.exampleConfirm)
		mux.HandleFunc("GET /esempi/pratica/{number}", s.exampleStatus)
		mux.HandleFunc("GET /esempi/registro", s.exampleRegister)
	}

	// Everything else outside /api is a friendly 404 page.
	mux.HandleFunc("/", s.notFound)
}
