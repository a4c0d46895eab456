/*
 * The memory-provider interface: how the runtime gets a named region of memory
 * that other processes can map. The host provider (host_shm.c) uses POSIX
 * shared memory; a device backend (Ascend ACL, CUDA IPC) can fill in the same
 * table later, and the Go side only ever calls through it.
 */
#ifndef SHMEM_MEM_H
#define SHMEM_MEM_H

#include <stddef.h>
#include <stdint.h>

#define SHMEM_MEM_MSG_LEN 160

/* Why an operation failed: errno plus the step that failed. */
typedef struct shmem_mem_status {
	int err_no;
	char msg[SHMEM_MEM_MSG_LEN];
} shmem_mem_status;

/*
 * Where a mapping should land: base + offset is a multiple of align. align 0
 * (or anything up to the page size) means "wherever the kernel puts it";
 * otherwise align is a power of two and offset a multiple of the page size.
 * It lets every process see the user heap at the same alignment, so an
 * aligned symmetric offset is an aligned address on every PE.
 */
typedef struct shmem_mem_placement {
	size_t align;
	size_t offset;
} shmem_mem_placement;

/* Every function returns 0 on success and -1 with *st filled on failure. */
typedef struct shmem_mem_provider {
	const char *kind;
	/* Creates a new region of size bytes (failing if name exists) and maps it. */
	int (*create)(const char *name, size_t size, const shmem_mem_placement *place,
	              uintptr_t *base, shmem_mem_status *st);
	/* Maps all of an existing region read/write. */
	int (*attach)(const char *name, const shmem_mem_placement *place,
	              uintptr_t *base, size_t *size, shmem_mem_status *st);
	/* Unmaps a mapping made by create or attach. */
	int (*detach)(uintptr_t base, size_t size, shmem_mem_status *st);
	/* Removes the name; existing mappings stay valid. */
	int (*unlink)(const char *name, shmem_mem_status *st);
} shmem_mem_provider;

/* The host provider: POSIX shared memory under /dev/shm. */
const shmem_mem_provider *shmem_mem_host(void);

/* cgo cannot call through C function pointers, so Go calls these. */
static inline int shmem_mem_create(const shmem_mem_provider *p, const char *name, size_t size,
                                   const shmem_mem_placement *place, uintptr_t *base,
                                   shmem_mem_status *st)
{
	return p->create(name, size, place, base, st);
}

static inline int shmem_mem_attach(const shmem_mem_provider *p, const char *name,
                                   const shmem_mem_placement *place, uintptr_t *base,
                                   size_t *size, shmem_mem_status *st)
{
	return p->attach(name, place, base, size, st);
}

static inline int shmem_mem_detach(const shmem_mem_provider *p, uintptr_t base, size_t size,
                                   shmem_mem_status *st)
{
	return p->detach(base, size, st);
}

static inline int shmem_mem_unlink(const shmem_mem_provider *p, const char *name,
                                   shmem_mem_status *st)
{
	return p->unlink(name, st);
}

#endif
