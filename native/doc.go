// Package native holds the runtime's C, called through cgo where Go should not
// do the work itself:
//
//   - shared-memory segments, behind the memory-provider interface of
//     shmem_mem.h (host_shm.c is the POSIX shared-memory provider; a device
//     backend can slot in beside it later);
//   - the callback trampoline through which Go calls a Python callable that
//     the facade wrapped in ctypes.CFUNCTYPE (gopy's own callbacks crash);
//   - memcpy, the baseline the copy engines are measured against.
//
// Addresses cross this package as uintptr: the memory behind them is mapped
// outside the Go heap, so the garbage collector neither moves nor frees it.
package native
