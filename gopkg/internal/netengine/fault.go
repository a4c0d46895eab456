package netengine

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

var pageSize = uintptr(os.Getpagesize())

// readable reports whether every page of [addr, addr+n) can be read, by
// loading one byte of each with faults turned into panics. A put checks its
// source before any of it goes on the wire: a fault in the middle of a frame
// would leave the connection out of step, so it could only be closed.
func readable(addr, n uintptr) (ok bool) {
	prev := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(prev)
		if recover() != nil {
			ok = false
		}
	}()
	var sum byte
	last := addr + n - 1
	for p := addr; p <= last && p >= addr; p = (p | (pageSize - 1)) + 1 {
		sum += *(*byte)(pointerAt(p))
	}
	sum += *(*byte)(pointerAt(last))
	runtime.KeepAlive(sum) // the loads are the point: keep them
	return true
}

// isFault tells a memory fault turned into a panic (SetPanicOnFault) from
// other panics, which are bugs and must not be mistaken for a bad address.
// Faults at an address carry it (Addr); faults in the first page surface as
// nil dereferences.
func isFault(r any) bool {
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		return true
	}
	err, ok := r.(runtime.Error)
	return ok && strings.Contains(err.Error(), "invalid memory address")
}
