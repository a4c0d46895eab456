package native

/*
#include <stdint.h>
#include <string.h>

static void shmem_memcpy(uintptr_t dst, uintptr_t src, size_t n)
{
	memcpy((void *)dst, (const void *)src, n);
}
*/
import "C"

// Memcpy copies n bytes from src to dst with the C library's memcpy. The
// ranges must not overlap and must stay mapped for the call. It costs a cgo
// call (tens of ns), so it only pays off for large copies; the benchmarks in
// memcpy_test.go compare it with Go's copy.
func Memcpy(dst, src, n uintptr) {
	if n == 0 {
		return
	}
	C.shmem_memcpy(C.uintptr_t(dst), C.uintptr_t(src), C.size_t(n))
}
