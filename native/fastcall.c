/*
 * copy(op, a, b, n, pe) -> bool, a CPython builtin (METH_FASTCALL) that calls
 * the runtime's registered short-copy function (shmemGoFastCopy) without
 * gopy's glue: no keyword parsing, no GIL release, no result tuple. It takes
 * exact ints only and never raises: anything it cannot do (another type, a
 * value beyond 64 bits, a copy the runtime declines or that failed) returns
 * False, and the facade makes the ordinary call, which raises what it always
 * raised.
 */
#include <stddef.h>
#include <stdint.h>

#include "_cgo_export.h"
#include "shmem_fastcall.h"

typedef void pyobject;
typedef pyobject *(*fastcall_fn)(pyobject *self, pyobject *const *args, intptr_t nargs);

/* PyMethodDef's layout: stable across CPython versions. */
struct method_def {
	const char *name;
	fastcall_fn meth;
	int flags;
	const char *doc;
};

#define METH_FASTCALL 0x0080

static uintptr_t long_type;
static intptr_t type_offset;
static long long (*as_long_long)(pyobject *);
static pyobject *(*bool_from_long)(long);
static void (*err_clear)(void);

/* exact_int stores o's value when o is exactly an int; otherwise it returns
 * 0. A non-int is told apart by its type pointer, so nothing of o runs (no
 * __index__, no side effect). */
static int exact_int(pyobject *o, long long *v)
{
	if (*(uintptr_t *)((char *)o + type_offset) != long_type)
		return 0;
	*v = as_long_long(o);
	return 1;
}

static pyobject *fast_copy(pyobject *self, pyobject *const *args, intptr_t nargs)
{
	long long v[5];
	(void)self;
	if (nargs != 5)
		return bool_from_long(0);
	for (int i = 0; i < 5; i++) {
		if (!exact_int(args[i], &v[i]))
			return bool_from_long(0);
		if (v[i] < 0) {
			/* Negative: no argument is. -1 may also be an int beyond 64
			 * bits, with an OverflowError set, which a function that
			 * returns a value must clear. */
			err_clear();
			return bool_from_long(0);
		}
	}
	return bool_from_long(shmemGoFastCopy(v[0], v[1], v[2], v[3], v[4]) == 0);
}

static struct method_def def = {"_fast_copy", fast_copy, METH_FASTCALL, NULL};

uintptr_t shmem_fastcall_register(uintptr_t lt, intptr_t off, uintptr_t asll, uintptr_t bfl, uintptr_t clear)
{
	err_clear = (void (*)(void))clear;
	long_type = lt;
	type_offset = off;
	as_long_long = (long long (*)(pyobject *))asll;
	bool_from_long = (pyobject * (*)(long)) bfl;
	return (uintptr_t)&def;
}
