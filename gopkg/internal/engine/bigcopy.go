package engine

import "github.com/pyshmem/shmem/native"

// Copies of at least bigCopy bytes go to C's memcpy. Go's copy is faster for
// small sizes (a cgo call costs about 20 ns), but from about 64 KiB on, when
// destination and source sit at different offsets modulo 64, it runs at a
// third of glibc's speed (21 against 65 GB/s at 1 MiB, measured in
// native's BenchmarkCopy).
const bigCopy = 64 << 10

// pageSize is the granularity at which memory is mapped or not.
const pageSize = 4096

// copyBig copies n bytes from src to dst with memcpy, after copying, in Go,
// one byte in every page of each side that is not known to be safe. Those
// bytes are what memcpy would write anyway, but an unmapped, unreadable or
// read-only page now faults in Go, where SetPanicOnFault (set by the caller)
// makes it an error, and never inside memcpy, where a fault would kill the
// process. Plain loads and stores are used, not atomics: under the race
// detector atomics run in C, where a fault is as fatal as in memcpy. Probing
// costs about 6 ns a page, a tenth of a 1 MiB copy, hence the trusted heaps.
func copyBig(dst, src, n uintptr, dstSafe, srcSafe bool) {
	if !dstSafe {
		copyPageBytes(dst, src, n, dst)
	}
	if !srcSafe {
		copyPageBytes(dst, src, n, src)
	}
	native.Memcpy(dst, src, n)
}

// copyPageBytes copies byte k of [src, src+n) to dst+k for the first k of
// every page that side (base, either dst or src) touches.
func copyPageBytes(dst, src, n, base uintptr) {
	for page := base &^ (pageSize - 1); page < base+n; page += pageSize {
		k := max(page, base) - base
		*(*byte)(pointerAt(dst + k)) = *(*byte)(pointerAt(src + k))
	}
}
