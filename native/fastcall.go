package native

/*
#include <stdint.h>
#include "shmem_fastcall.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
)

// FastCopyFunc does one short copy for the facade's fast entry
// (fastcall.c): op 0 put, 1 get, with the arguments of api.Putmem/Getmem,
// all checked non-negative. It returns true when the copy is done, false
// when it declines (the facade then makes the ordinary call, which reports
// any error). It runs with the GIL held, so it must never block.
type FastCopyFunc func(op int, dst, src, n int64, pe int) bool

var fastCopy atomic.Pointer[FastCopyFunc]

// SetFastCopy installs the function behind the fast entry (nil: decline
// everything).
func SetFastCopy(f FastCopyFunc) {
	if f == nil {
		fastCopy.Store(nil)
		return
	}
	fastCopy.Store(&f)
}

//export shmemGoFastCopy
func shmemGoFastCopy(op, dst, src, n, pe C.longlong) C.int {
	return C.int(fastCopyEntry(int64(op), int64(dst), int64(src), int64(n), int64(pe)))
}

// fastCopyEntry is shmemGoFastCopy in Go terms: 0 done, 1 declined.
func fastCopyEntry(op, dst, src, n, pe int64) int {
	f := fastCopy.Load()
	if f == nil || pe != int64(int(pe)) || op != int64(int(op)) {
		return 1
	}
	if (*f)(int(op), dst, src, n, int(pe)) {
		return 0
	}
	return 1
}

var fastcallOnce sync.Mutex

// FastCallRegister hands the interpreter's functions to the fast entry and
// returns the address of its PyMethodDef, from which the facade makes the
// builtin with PyCFunction_NewEx. longType is id(int), typeOffset where an
// object's type pointer lies in it; the others are the addresses of
// PyLong_AsLongLong, PyBool_FromLong and PyErr_Clear. Every argument must be
// non-zero (the facade takes them from ctypes.pythonapi).
func FastCallRegister(longType uintptr, typeOffset int, asLongLong, boolFromLong, errClear uintptr) (uintptr, error) {
	if longType == 0 || typeOffset < 0 || typeOffset > 64 || asLongLong == 0 || boolFromLong == 0 || errClear == 0 {
		return 0, ErrInvalidArgument
	}
	fastcallOnce.Lock()
	defer fastcallOnce.Unlock()
	return uintptr(C.shmem_fastcall_register(C.uintptr_t(longType), C.intptr_t(typeOffset),
		C.uintptr_t(asLongLong), C.uintptr_t(boolFromLong), C.uintptr_t(errClear))), nil
}
