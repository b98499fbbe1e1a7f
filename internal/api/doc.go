// Package api is Sportello's JSON API: version 1 under /api/v1, described
// by an OpenAPI 3.1 document at /api/openapi.json that is generated from
// the same declarations as the routes (huma v2 on the standard ServeMux,
// through its humago adapter).
//
// routes.go lists the whole surface. Every operation follows the same
// conventions, which the document also states for clients:
//
//   - Errors are RFC 9457 problem details (application/problem+json),
//     whether they come from a handler (an *apperr.Error, through the one
//     table statusOf), from huma's own request validation, from an unknown
//     path or method under /api, from authentication or from a panic. Field
//     problems are an errors list of {location, message}, with locations
//     such as "body.subject", "query.page" or "header.Idempotency-Key";
//     values sent by the client are never echoed. Internal errors are
//     logged in full and shown as a generic message with the request ID.
//   - Titles and generic messages are Italian, or English when the
//     client's Accept-Language prefers English (i18n.Match); their texts
//     are the "api." keys of the i18n catalogue (messages.go). Messages
//     from the domain stay as apperr gives them, in Italian.
//   - Protected operations need "Authorization: Bearer <token>"; the
//     Authenticator (users' personal tokens, and StaticTokens for
//     integration tests) gives the Principal, whose Actor is recorded in
//     events and audit entries. A personal token also gives the user
//     (Principal.Person), whom the domain services check as they check a
//     web session: the certifying doctor's operations (doctor.go,
//     certificates.go) need it. Missing or unknown token: 401 with
//     WWW-Authenticate: Bearer. Wrong role or scope: 403. The status and
//     the spa-treatment eligibility check (eligibility.go), a pure
//     computation over a bounded body that stores nothing, are public.
//   - Lists take page and per_page and answer Page[T] with a Link header
//     (page.go).
//   - Creates take an Idempotency-Key header and run through store.DB.Once
//     (idempotency.go, PROT-3); a domain service joins that transaction
//     through its WithTx (certificate.Service.WithTx).
//   - Responses are Cache-Control: no-store, private.
//   - Times are RFC 3339 in Europe/Rome.
package api
