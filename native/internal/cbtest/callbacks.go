package cbtest

/*
#include "callbacks.h"
*/
import "C"

import "unsafe"

// Upper returns a callback that answers with its input in upper case.
func Upper() uintptr { return uintptr(unsafe.Pointer(C.cbtest_upper)) }

// Repeat returns a callback that answers "<count>:<c>" with count copies of c
// (and fails on any other input); RepeatCalls counts its calls.
func Repeat() uintptr { return uintptr(unsafe.Pointer(C.cbtest_repeat)) }

// Fail returns a callback that always reports failure (-1).
func Fail() uintptr { return uintptr(unsafe.Pointer(C.cbtest_fail)) }

// Greedy returns a callback that always asks for one byte more than it got.
func Greedy() uintptr { return uintptr(unsafe.Pointer(C.cbtest_greedy)) }

// Huge returns a callback that asks for INT_MAX bytes.
func Huge() uintptr { return uintptr(unsafe.Pointer(C.cbtest_huge)) }

// RepeatCalls is the number of calls of the Repeat callback since the last
// ResetRepeatCalls.
func RepeatCalls() int { return int(C.cbtest_repeat_calls()) }

// ResetRepeatCalls sets RepeatCalls back to zero.
func ResetRepeatCalls() { C.cbtest_reset_repeat_calls() }
