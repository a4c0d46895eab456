package api

import (
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/pyshmem/shmem/gopkg/internal/errcode"
	"github.com/pyshmem/shmem/gopkg/internal/job"
)

// The library's state. lifecycle serialises init and finalize; the hot path
// only loads current, the current instance's job (see instance.go).
var (
	lifecycle sync.Mutex
	current   atomic.Pointer[job.Job]
)

// Init status values (InitStatus in Python).
const (
	StatusNotInitialized = 0
	StatusShmCreated     = 1
	StatusInitialized    = 2
)

// recoverInto turns a panic in an exported function into an InnerError, so a
// bug shows up as a Python exception instead of aborting the interpreter.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = errcode.New(errcode.InnerError, "internal error: %v\n%s", r, debug.Stack())
	}
	if *err != nil {
		holdIfExiting()
	}
}

// holdIfExiting keeps a failing call from returning while a global exit is
// ending the process: its error (a PE that left first looks lost) would let
// the caller exit with a status other than the requested one. The runtime
// exits the process within about a second.
func holdIfExiting() {
	if exitingAny.Load() {
		select {}
	}
	if j := current.Load(); j != nil && j.Exiting() {
		select {}
	}
}

// recoverCode is recoverInto for functions that return a status code.
func recoverCode(code *int) {
	if r := recover(); r != nil {
		*code = errcode.InnerError
	}
}

var errNotInited = errcode.New(errcode.NotInited, "shmem is not initialised: call shmem_init first")

// live returns the current job, or NotInited.
func live() (*job.Job, error) {
	if j := current.Load(); j != nil {
		return j, nil
	}
	return nil, errNotInited
}

// addr converts an address given by Python; negative values are not
// addresses (gopy would otherwise wrap -1 to 2**64-1).
func addr(v int64, what string) (uintptr, error) {
	if v < 0 {
		return 0, errcode.New(errcode.InvalidParam, "%s %d is not an address", what, v)
	}
	return uintptr(v), nil
}

func size(v int64, what string) (uintptr, error) {
	if v < 0 {
		return 0, errcode.New(errcode.InvalidParam, "%s %d is negative", what, v)
	}
	return uintptr(v), nil
}
