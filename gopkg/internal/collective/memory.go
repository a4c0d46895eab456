package collective

import (
	"runtime/debug"
	"unsafe"
)

// pointerAt turns an address that reached us as an integer (a mapped heap,
// never Go-managed memory outside tests) into a pointer. Reading the word as
// an unsafe.Pointer keeps vet's unsafeptr check and checkptr quiet; see
// engine.pointerAt for the full reasoning.
func pointerAt(addr uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

// bytesAt is the memory [addr, addr+n) as a byte slice.
func bytesAt(addr, n uintptr) []byte {
	return unsafe.Slice((*byte)(pointerAt(addr)), n)
}

// sliceAt is the memory at addr as n elements of T.
func sliceAt[T any](addr uintptr, n int) []T {
	return unsafe.Slice((*T)(pointerAt(addr)), n)
}

// addrOf is the address of the first byte of b (len(b) > 0).
func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// memmove copies n bytes from src to dst, which may overlap.
func memmove(dst, src, n uintptr) {
	if n == 0 || dst == src {
		return
	}
	copy(bytesAt(dst, n), bytesAt(src, n))
}

// overlaps reports whether [a, a+an) and [b, b+bn) share a byte.
func overlaps(a, an, b, bn uintptr) bool {
	return an > 0 && bn > 0 && a < b+bn && b < a+an
}

// aligned8 returns a private buffer of n bytes aligned for every element type.
// Callers hand its address around as an integer, so it must live in the Go
// heap: inlined, a small buffer could land on the caller's stack, which moves
// when the stack grows. Not inlining keeps the allocation escaping.
//
//go:noinline
func aligned8(n uintptr) []byte {
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), n)
}

// guarded runs f so that a memory fault (a heap unmapped under it) becomes an
// error; other panics go on to the caller's recovery.
func guarded(f func() error) (err error) {
	prev := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(prev)
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); !ok {
				panic(r)
			}
			err = faultError(r)
		}
	}()
	return f()
}
