// Package api is the only package gopy binds into the Python extension. It is
// flat on purpose: functions of ints, uintptrs and strings, no pointer fields,
// no callbacks, because those are what gopy carries safely. Every function
// recovers panics into error codes so that nothing a caller passes can abort
// the interpreter; the Python facade (python/shmem) gives the public names.
package api
