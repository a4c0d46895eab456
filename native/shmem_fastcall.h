/*
 * The facade's fast entry into the runtime for short copies (see fastcall.go):
 * a CPython builtin function written without Python's headers. The
 * interpreter's own functions and the layout facts it needs are handed over
 * at registration, by the facade, through ctypes.
 */
#ifndef SHMEM_FASTCALL_H
#define SHMEM_FASTCALL_H

#include <stdint.h>

/* Stores the interpreter's functions (their addresses) and returns the
 * address of a static PyMethodDef (METH_FASTCALL) for the builtin. */
uintptr_t shmem_fastcall_register(uintptr_t long_type, intptr_t type_offset, uintptr_t as_long_long,
				  uintptr_t bool_from_long, uintptr_t err_clear);

#endif
