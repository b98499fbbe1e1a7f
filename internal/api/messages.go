package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// lang is a language the API speaks: Italian by default, English when the
// client prefers it (Accept-Language).
type lang int

const (
	italian lang = iota
	english
)

func (l lang) String() string {
	if l == english {
		return "en"
	}
	return "it"
}

// langOf picks the response language from an Accept-Language header: English
// if the client ranks English above Italian, Italian otherwise (also when it
// names neither). Wildcards and unknown languages do not change the default.
func langOf(acceptLanguage string) lang {
	bestIT, bestEN := -1.0, -1.0
	for part := range strings.SplitSeq(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err != nil || v < 0 || v > 1 {
					v = 0 // a malformed weight does not count
				}
				q = v
			}
		}
		if q <= 0 {
			continue
		}
		switch primary {
		case "it":
			bestIT = max(bestIT, q)
		case "en":
			bestEN = max(bestEN, q)
		}
	}
	if bestEN > bestIT {
		return english
	}
	return italian
}

// text is a message in both languages. Messages that come from the domain
// (apperr) exist only in Italian and are wrapped with same.
type text struct{ it, en string }

func same(s string) text { return text{it: s, en: s} }

func (t text) in(l lang) string {
	if l == english && t.en != "" {
		return t.en
	}
	return t.it
}

// format fills the %-verbs of both versions with args.
func (t text) format(args ...any) text {
	return text{it: fmt.Sprintf(t.it, args...), en: fmt.Sprintf(t.en, args...)}
}

// titles are the problem titles by HTTP status: RFC 9457 lets the title of
// an "about:blank" problem be the status phrase localised for the client.
var titles = map[int]text{
	http.StatusBadRequest:            {"Richiesta non valida", "Bad Request"},
	http.StatusUnauthorized:          {"Autenticazione richiesta", "Unauthorized"},
	http.StatusForbidden:             {"Operazione non consentita", "Forbidden"},
	http.StatusNotFound:              {"Non trovato", "Not Found"},
	http.StatusMethodNotAllowed:      {"Metodo non consentito", "Method Not Allowed"},
	http.StatusNotAcceptable:         {"Formato di risposta non disponibile", "Not Acceptable"},
	http.StatusRequestTimeout:        {"Tempo scaduto", "Request Timeout"},
	http.StatusConflict:              {"Conflitto", "Conflict"},
	http.StatusRequestEntityTooLarge: {"Richiesta troppo grande", "Content Too Large"},
	http.StatusUnsupportedMediaType:  {"Formato non supportato", "Unsupported Media Type"},
	http.StatusUnprocessableEntity:   {"Dati non validi", "Unprocessable Content"},
	http.StatusInternalServerError:   {"Errore interno", "Internal Server Error"},
	http.StatusServiceUnavailable:    {"Servizio non disponibile", "Service Unavailable"},
}

func titleOf(status int) text {
	if t, ok := titles[status]; ok {
		return t
	}
	return same(http.StatusText(status))
}

// Generic details, for problems that carry no message of their own.
var (
	msgInvalid       = text{"La richiesta contiene errori: vedere l'elenco errors.", "The request contains errors: see the errors list."}
	msgBadRequest    = text{"La richiesta non è leggibile.", "The request cannot be read."}
	msgBadJSON       = text{"Il corpo della richiesta non è un JSON valido.", "The request body is not valid JSON."}
	msgBodyRequired  = text{"Manca il corpo della richiesta.", "The request body is missing."}
	msgTooLarge      = text{"La richiesta supera la dimensione massima consentita.", "The request exceeds the maximum size allowed."}
	msgMediaType     = text{"Inviare il corpo della richiesta come application/json.", "Send the request body as application/json."}
	msgNotAcceptable = text{"Le risposte sono disponibili solo in JSON (application/json).", "Responses are only available as JSON (application/json)."}
	msgTimeout       = text{"La richiesta è arrivata troppo lentamente.", "The request arrived too slowly."}
	msgNotFound      = text{"Nessuna risorsa a questo indirizzo.", "There is nothing at this address."}
	msgMethod        = text{"Il metodo %s non è consentito a questo indirizzo; metodi consentiti: %s.", "Method %s is not allowed at this address; allowed methods: %s."}
	msgInternal      = text{"Si è verificato un errore interno. Riprovare più tardi; se il problema persiste, comunicare il codice %s.", "An internal error occurred. Please retry later; if the problem persists, quote the code %s."}
	msgUnavailable   = text{"Il servizio non è al momento disponibile. Riprovare più tardi.", "The service is temporarily unavailable. Please retry later."}
	msgNoToken       = text{"Autenticarsi con un token nell'intestazione Authorization: Bearer.", "Authenticate with a token in the Authorization: Bearer header."}
	msgBadToken      = text{"Il token non è valido.", "The token is not valid."}
	msgRole          = text{"Il ruolo %q non consente questa operazione.", "Role %q may not perform this operation."}
)

// genericDetail is the detail of a problem huma raised, by status.
func genericDetail(status int) text {
	switch status {
	case http.StatusBadRequest:
		return msgBadRequest
	case http.StatusNotFound:
		return msgNotFound
	case http.StatusNotAcceptable:
		return msgNotAcceptable
	case http.StatusRequestTimeout:
		return msgTimeout
	case http.StatusRequestEntityTooLarge:
		return msgTooLarge
	case http.StatusUnsupportedMediaType:
		return msgMediaType
	case http.StatusServiceUnavailable:
		return msgUnavailable
	}
	return msgInvalid
}
