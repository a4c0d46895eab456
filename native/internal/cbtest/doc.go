// Package cbtest holds C callbacks with the signature of the string-callback
// protocol (native/shmem_callback.h), for the tests of native.CallStringFunc:
// cgo cannot appear in _test.go files, so they live in this internal package
// that only tests import.
package cbtest
