package errcode

import (
	"errors"
	"fmt"
)

// The codes returned to Python. Their values are fixed by the Ascend library.
const (
	Success        = 0
	InvalidParam   = -1
	InvalidValue   = -2
	SmemError      = -3
	InnerError     = -4
	NotInited      = -5
	BootstrapError = -6
	TimeoutError   = -7
	MallocFailed   = -8
	NotSupported   = -100
)

// Interrupted ends a blocking call that a signal (Ctrl-C) interrupted. It is
// not an Ascend code and never reaches a user as one: the facade runs the
// Python signal handlers when it sees it, so the user gets their exception
// (KeyboardInterrupt), or the call resumes or raises InterruptedError.
const Interrupted = -99

// Error is an error with an API error code. Its text starts with
// "shmem[<code>]: " so the facade can recover the code from the message that
// gopy hands to Python.
type Error struct {
	Code int
	Msg  string
	// Cause is the error this one was made from, if any, so errors.Is still
	// finds an errno or a sentinel below the code.
	Cause error
}

func (e *Error) Error() string { return fmt.Sprintf("shmem[%d]: %s", e.Code, e.Msg) }

// Unwrap exposes Cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// New builds an *Error with a formatted message.
func New(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap keeps the code of err when it already has one and gives it code
// otherwise, prefixing the message with context.
func Wrap(code int, err error, context string) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Code: e.Code, Msg: context + ": " + e.Msg, Cause: e.Cause}
	}
	return &Error{Code: code, Msg: context + ": " + err.Error(), Cause: err}
}

// CodeOf returns the code carried by err: Success for nil, InnerError for an
// error that carries none.
func CodeOf(err error) int {
	if err == nil {
		return Success
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return InnerError
}
