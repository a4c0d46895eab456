/*
 * The callback trampoline. cgo cannot call a C function pointer, and gopy's
 * own callbacks crash, so the facade hands Go the address of a
 * ctypes.CFUNCTYPE(c_int, c_char_p, c_char_p, c_size_t) and Go calls it here.
 * ctypes takes the GIL itself, so any thread may call.
 */
#ifndef SHMEM_CALLBACK_H
#define SHMEM_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

/*
 * in: NUL-terminated UTF-8. out: a buffer of out_cap bytes (not NUL-terminated
 * on return). Returns n >= 0 the length of the whole result: when n <= out_cap
 * the result is out[0:n]; when n > out_cap nothing usable was written and the
 * caller calls again with at least n bytes. Negative: the callable failed.
 */
typedef int (*shmem_string_func)(const char *in, char *out, size_t out_cap);

static inline int shmem_call_string_func(uintptr_t fn, const char *in, char *out, size_t out_cap)
{
	return ((shmem_string_func)fn)(in, out, out_cap);
}

#endif
