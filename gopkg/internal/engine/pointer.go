package engine

import "unsafe"

// pointerAt turns an address that reached us as an integer into a pointer.
//
// Why not unsafe.Pointer(addr): vet's unsafeptr check accepts that conversion
// only for a uintptr computed from an unsafe.Pointer in the same expression
// (rule 3 of package unsafe), the result of reflect.Value.Pointer/UnsafeAddr,
// or the Data field of a *reflect.SliceHeader. Our addresses come from outside
// Go (the Python caller's buffers, another PE's mmap'ed segment), so no rule
// applies. Worse, under -race (which turns on checkptr) that conversion and
// unsafe.Add are instrumented and throw, uncatchably, for values below 4096:
// exactly the bad addresses we must report as errors.
//
// Reading the word as an unsafe.Pointer is rule 1 (*uintptr to *unsafe.Pointer:
// same size, same layout) and says what is true: the integer already is the
// address of memory Go does not manage. The collector ignores pointers outside
// its heap arenas, and one into a live Go object (tests) keeps it alive. Only
// an address inside a freed Go heap span would upset it, and none reaches us:
// callers hold shared-memory mappings and C/Python memory.
func pointerAt(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

// bytesAt is the memory [addr, addr+n) as a byte slice.
func bytesAt(addr, n uintptr) []byte {
	return unsafe.Slice((*byte)(pointerAt(addr)), n)
}
