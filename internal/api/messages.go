package api

import (
	"fmt"
	"net/http"

	"github.com/sportello/sportello/internal/i18n"
)

// text is a message of a problem: a key of the catalogue (internal/i18n),
// shown in the client's language, or a message that comes from the domain
// (apperr), which exists only in Italian and is wrapped with same.
type text struct {
	key     string
	args    []any
	literal string
}

// msg is the message of the catalogue under key.
func msg(key string) text { return text{key: key} }

func same(s string) text { return text{literal: s} }

func (t text) in(c *i18n.Catalogue, l i18n.Lang) string {
	if t.key == "" {
		return t.literal
	}
	return c.T(l, t.key, t.args...)
}

// format fills the %-verbs of the message with args.
func (t text) format(args ...any) text {
	t.args = args
	return t
}

// String names the message without a catalogue, for Error.
func (t text) String() string {
	if t.key == "" {
		return t.literal
	}
	if len(t.args) == 0 {
		return t.key
	}
	return fmt.Sprintf("%s %v", t.key, t.args)
}

// titles are the catalogue keys of the problem titles by HTTP status: RFC
// 9457 lets the title of an "about:blank" problem be the status phrase
// localised for the client.
var titles = map[int]string{
	http.StatusBadRequest:            "api.title.400",
	http.StatusUnauthorized:          "api.title.401",
	http.StatusForbidden:             "api.title.403",
	http.StatusNotFound:              "api.title.404",
	http.StatusMethodNotAllowed:      "api.title.405",
	http.StatusNotAcceptable:         "api.title.406",
	http.StatusRequestTimeout:        "api.title.408",
	http.StatusConflict:              "api.title.409",
	http.StatusRequestEntityTooLarge: "api.title.413",
	http.StatusUnsupportedMediaType:  "api.title.415",
	http.StatusUnprocessableEntity:   "api.title.422",
	http.StatusTooManyRequests:       "api.title.429",
	http.StatusInternalServerError:   "api.title.500",
	http.StatusServiceUnavailable:    "api.title.503",
}

func titleOf(status int) text {
	if key, ok := titles[status]; ok {
		return msg(key)
	}
	return same(http.StatusText(status))
}

// Generic details, for problems that carry no message of their own.
var (
	msgInvalid       = msg("api.detail.invalid")
	msgScope         = msg("api.detail.scope")
	msgBadRequest    = msg("api.detail.bad_request")
	msgBodyRequired  = msg("api.detail.body_required")
	msgTooLarge      = msg("api.detail.too_large")
	msgMediaType     = msg("api.detail.media_type")
	msgNotAcceptable = msg("api.detail.not_acceptable")
	msgTimeout       = msg("api.detail.timeout")
	msgNotFound      = msg("api.detail.not_found")
	msgMethod        = msg("api.detail.method")   // method, allowed methods
	msgInternal      = msg("api.detail.internal") // request ID
	msgUnavailable   = msg("api.detail.unavailable")
	msgNoToken       = msg("api.detail.no_token")
	msgBadToken      = msg("api.detail.bad_token")
	msgRole          = msg("api.detail.role") // role
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
