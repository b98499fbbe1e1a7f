package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/sportello/sportello/internal/apperr"
	"github.com/sportello/sportello/internal/httpx"
	"github.com/sportello/sportello/internal/i18n"
	"github.com/sportello/sportello/internal/store"
)

// statusOf is the one table from application error codes to HTTP statuses.
//
// Exhausted is 409, not 503: a register that has given its 9,999,999th
// number stays full until 1 January, so the request conflicts with the
// state of the register; a 503 would invite clients and proxies to retry
// and would page whoever watches 5xx rates as if a node were down. It is
// logged at error level, because it needs people.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict, apperr.Exhausted:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Throttled:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// problem is an error on its way to becoming an RFC 9457 problem details
// response. Handlers return it (huma writes it), and the paths huma does not
// see (unknown routes, panics, authentication) write it with writeProblem;
// either way render turns it into the wire form, huma's ErrorModel, in the
// client's language.
type problem struct {
	status int
	detail text
	errors []fieldError
	header http.Header // extra response headers, e.g. WWW-Authenticate
}

// fieldError is one entry of the problem's errors list. location is where
// the error is in the request: "body.subject", "query.page",
// "header.Idempotency-Key", "path.id".
type fieldError struct {
	location string
	message  text
}

func (p *problem) Error() string             { return fmt.Sprintf("%d: %s", p.status, p.detail) }
func (p *problem) GetStatus() int            { return p.status }
func (p *problem) GetHeaders() http.Header   { return p.header }
func (p *problem) ContentType(string) string { return "application/problem+json" }

// render returns the problem as the client reads it. The title is the
// status phrase in the client's language (the type is "about:blank"); the
// instance names the request, whose ID is also in the X-Request-ID header
// and in the logs.
func (p *problem) render(c *i18n.Catalogue, l i18n.Lang, requestID string) *huma.ErrorModel {
	m := &huma.ErrorModel{Title: titleOf(p.status).in(c, l), Status: p.status, Detail: p.detail.in(c, l)}
	if requestID != "" {
		m.Instance = "urn:sportello:request:" + requestID
	}
	for _, e := range p.errors {
		m.Errors = append(m.Errors, &huma.ErrorDetail{Location: e.location, Message: e.message.in(c, l)})
	}
	return m
}

func internalProblem(requestID string) *problem {
	return &problem{status: http.StatusInternalServerError, detail: msgInternal.format(requestID)}
}

// headerFields lists the fields of application errors that name a request
// header; every other field names a member of the request body.
var headerFields = map[string]bool{"Idempotency-Key": true}

func fieldLocation(name string) string {
	if headerFields[name] {
		return "header." + name
	}
	return "body." + name
}

// fail turns an error from the domain or the store into a problem. Internal
// errors are logged in full and shown as a generic message with the request
// ID; application errors keep their (Italian) message and field messages.
func (a *API) fail(ctx context.Context, err error) *problem {
	if p, ok := errors.AsType[*problem](err); ok {
		return p
	}
	id := httpx.RequestIDFrom(ctx)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrClosed) {
		a.log.WarnContext(ctx, "api: request abandoned", "request_id", id, "err", err)
		return &problem{status: http.StatusServiceUnavailable, detail: msgUnavailable}
	}
	ae, ok := errors.AsType[*apperr.Error](err)
	status := http.StatusInternalServerError
	if ok {
		status = statusOf(ae.Code)
	}
	if status == http.StatusInternalServerError {
		a.log.ErrorContext(ctx, "api: internal error", "request_id", id, "err", err)
		return internalProblem(id)
	}
	switch ae.Code {
	case apperr.Exhausted:
		a.log.ErrorContext(ctx, "api: register exhausted", "request_id", id, "err", err)
	case apperr.Unavailable:
		a.log.WarnContext(ctx, "api: dependency unavailable", "request_id", id, "err", err)
	}
	p := &problem{status: status, detail: same(ae.Message)}
	if ae.Message == "" {
		p.detail = genericDetail(status)
	}
	names := make([]string, 0, len(ae.Fields))
	for name := range ae.Fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p.errors = append(p.errors, fieldError{location: fieldLocation(name), message: same(ae.Fields[name])})
	}
	return p
}

// transform is the huma transformer that renders every problem, ours and
// huma's own (validation, unreadable bodies), in the client's language.
func (a *API) transform(hctx huma.Context, _ string, v any) (any, error) {
	var p *problem
	switch v := v.(type) {
	case *problem:
		p = v
	case *huma.ErrorModel:
		p = a.fromHuma(hctx.Context(), v)
	default:
		return v, nil
	}
	l := i18n.Match(hctx.Header("Accept-Language"))
	hctx.SetHeader("Content-Language", string(l))
	return p.render(a.cat, l, httpx.RequestIDFrom(hctx.Context())), nil
}

// fromHuma translates a problem raised by huma itself. Its details are
// English and may echo the request (the whole body, for a syntax error), so
// only locations survive: messages are translated and values dropped.
func (a *API) fromHuma(ctx context.Context, m *huma.ErrorModel) *problem {
	status := m.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		id := httpx.RequestIDFrom(ctx)
		a.log.ErrorContext(ctx, "api: error raised by huma", "request_id", id, "status", status, "detail", m.Detail, "errors", m.Errors)
		if status == http.StatusServiceUnavailable {
			return &problem{status: status, detail: msgUnavailable}
		}
		return internalProblem(id)
	}
	p := &problem{status: status, detail: genericDetail(status)}
	if status == http.StatusBadRequest && len(m.Errors) == 0 && strings.Contains(m.Detail, "body is required") {
		p.detail = msgBodyRequired
	}
	if status == http.StatusUnsupportedMediaType {
		return p // the detail says it all; huma's error is the decoder's
	}
	for _, d := range m.Errors {
		if d == nil {
			continue
		}
		loc, msg := translate(d.Location, d.Message)
		if status == http.StatusBadRequest && loc == "body" && msg.key == msgBadValue.key {
			msg = msgBadJSON // the body did not parse; the message is the parser's
		}
		p.errors = append(p.errors, fieldError{location: loc, message: msg})
	}
	return p
}

var (
	msgBadValue = msg("api.err.bad_value")
	msgBadJSON  = msg("api.err.bad_json")
)

// humaMessages translates huma's validation messages. The patterns are built
// from huma's own message formats, so they follow huma if its wording
// changes; a message not listed becomes msgBadValue at its location.
var humaMessages = func() []humaMessage {
	list := []struct {
		format string
		key    string
		args   int // how many of the captured values the message shows
	}{
		{validation.MsgExpectedRequiredProperty, "api.err.required", 0},
		{validation.MsgExpectedRFC3339Date, "api.err.date", 0},
		{"required %s parameter is missing", "api.err.parameter_required", 0},
		{validation.MsgUnexpectedProperty, "api.err.unknown_field", 0},
		{"unknown query parameter", "api.err.unknown_parameter", 0},
		{fmt.Sprintf(validation.MsgExpectedMinLength, 1), "api.err.empty", 0},
		{validation.MsgExpectedMinLength, "api.err.min_length", 1},
		{validation.MsgExpectedMaxLength, "api.err.max_length", 1},
		{validation.MsgExpectedMaxItems, "api.err.max_items", 1},
		{validation.MsgExpectedMinimumNumber, "api.err.minimum", 1},
		{validation.MsgExpectedMaximumNumber, "api.err.maximum", 1},
		{validation.MsgExpectedOneOf, "api.err.one_of", 1},
		{validation.MsgExpectedMatchPattern, "api.err.pattern", 0},
		{validation.MsgExpectedString, "api.err.string", 0},
		{validation.MsgExpectedInteger, "api.err.integer", 0},
		{"invalid integer", "api.err.integer", 0},
		{validation.MsgExpectedNumber, "api.err.number", 0},
		{validation.MsgExpectedBoolean, "api.err.boolean", 0},
		{validation.MsgExpectedObject, "api.err.object", 0},
		{validation.MsgExpectedArray, "api.err.array", 0},
		{"expected at most one value, but received multiple values", "api.err.one_value", 0},
	}
	verb := regexp.MustCompile(`%[dvs]`)
	out := make([]humaMessage, len(list))
	for i, m := range list {
		re := "^" + verb.ReplaceAllString(regexp.QuoteMeta(m.format), "(.*)") + "$"
		out[i] = humaMessage{re: regexp.MustCompile(re), msg: msg(m.key), args: m.args,
			property: m.format == validation.MsgExpectedRequiredProperty}
	}
	return out
}()

type humaMessage struct {
	re       *regexp.Regexp
	msg      text
	args     int  // how many of the captured values the message shows
	property bool // the captured value is the name of a missing property
}

// translate returns the location and message of one huma error detail. A
// missing required property is reported at the property itself
// ("body.subject"), not at the object that lacks it ("body").
func translate(location, message string) (string, text) {
	for _, m := range humaMessages {
		sub := m.re.FindStringSubmatch(message)
		if sub == nil {
			continue
		}
		if m.property {
			location += "." + sub[1]
		}
		args := make([]any, m.args)
		for j := range args {
			args[j] = sub[j+1]
		}
		return location, m.msg.format(args...)
	}
	return location, msgBadValue
}

// writeProblem writes a problem outside huma: unknown routes, panics,
// authentication.
func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, p *problem) {
	l := i18n.Match(r.Header.Get("Accept-Language"))
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", string(l))
	w.WriteHeader(p.status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p.render(a.cat, l, httpx.RequestIDFrom(r.Context())))
}
