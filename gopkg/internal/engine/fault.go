package engine

import "runtime/debug"

// setPanicOnFault makes a fault at an unexpected address in this goroutine a
// recoverable panic instead of a crash, and returns the previous setting.
func setPanicOnFault() bool {
	return debug.SetPanicOnFault(true)
}

func restorePanicOnFault(prev bool) {
	debug.SetPanicOnFault(prev)
}

// faultAddress extracts the faulting address from a recovered panic. With
// SetPanicOnFault the runtime panics with an error that has an Addr method;
// faults in the first page panic as nil dereferences, which have none.
func faultAddress(fault any) (uintptr, bool) {
	if withAddr, ok := fault.(interface{ Addr() uintptr }); ok {
		return withAddr.Addr(), true
	}
	return 0, false
}
