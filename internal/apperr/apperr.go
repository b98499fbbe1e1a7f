// Package apperr defines the application's error type: a stable English
// code for programs, an Italian message for people, and optional problems
// attached to individual fields.
//
// Every package returns *Error for conditions a user or client can cause;
// anything else is an internal error, logged in full and shown generically.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error category.
type Code string

// The error codes. Adapters map them to HTTP status codes in one table.
const (
	Invalid         Code = "invalid"         // the input is wrong; see Fields
	NotFound        Code = "not_found"       // the thing does not exist or is not visible to the actor
	Conflict        Code = "conflict"        // the request clashes with the current state
	Forbidden       Code = "forbidden"       // the actor may not do this
	Exhausted       Code = "exhausted"       // a finite resource (e.g. a yearly register) is used up
	Throttled       Code = "throttled"       // too many attempts; retry later
	Unauthenticated Code = "unauthenticated" // no valid login
	Unavailable     Code = "unavailable"     // a dependency is down; retrying later may work
	Internal        Code = "internal"        // a bug or an unexpected failure
)

// Error is an error a user or client can act on.
type Error struct {
	Code    Code
	Message string            // Italian, for people
	Fields  map[string]string // field name -> Italian message
	Err     error             // cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with the given code and Italian message.
func New(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Wrap returns an *Error with the given code and message that keeps err as
// its cause for logs.
func Wrap(code Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
