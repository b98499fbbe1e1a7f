package api

import (
	"net/http"

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
}
