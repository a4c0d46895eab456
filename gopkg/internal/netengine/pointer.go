package netengine

import "unsafe"

// pointerAt turns an address that reached us as an integer into a pointer.
// The addresses are the user's buffers and the heap mapping, memory Go does
// not manage; see gopkg/internal/engine/pointer.go for why this form (and not
// unsafe.Pointer(addr)) keeps vet and checkptr quiet and is sound.
func pointerAt(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

// bytesAt is the memory [addr, addr+n) as a byte slice.
func bytesAt(addr, n uintptr) []byte {
	return unsafe.Slice((*byte)(pointerAt(addr)), n)
}
